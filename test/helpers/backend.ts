/** Test setup: the one backend for the whole test process (auto choice: wasm here), chosen once. */
import { BackendInfo, initBackend } from '../../src';

export function useTestBackend(): Promise<BackendInfo> {
  return initBackend();
}
