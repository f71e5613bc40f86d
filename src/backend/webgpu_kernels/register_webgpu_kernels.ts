/** The kernels this project registers on 'webgpu' (none yet). */
export const WEBGPU_KERNELS: string[] = [];

export function registerWebGpuKernels(): void {
  // nothing to register yet
}
