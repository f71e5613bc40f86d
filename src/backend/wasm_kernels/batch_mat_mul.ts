/**
 * BatchMatMul for wasm that keeps XNNPACK's fast path. The built-in kernel uses XNNPACK only for
 * `!transposeA && !transposeB`; a transposed operand falls to a naive loop 10–75× slower
 * (platform.md §2.3), and every dense/matMul backward pass uses transposed operands. We materialise
 * the transposes (a cheap rank-3 Transpose) and call the original kernel untransposed.
 */
import * as tf from '@tensorflow/tfjs';

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Swaps the last two axes of a rank ≥ 2 tensor. */
function swapLastTwo(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

/** Replaces wasm's BatchMatMul with a wrapper around the original that never passes transposes. */
export function registerFastBatchMatMul(): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original) throw new Error("registerFastBatchMatMul: the wasm backend must register 'BatchMatMul' first, but it has none.");
  if ((original.kernelFunc as { fastPathWrapper?: boolean }).fastPathWrapper) return; // already wrapped
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const { a, b } = args.inputs as { a: tf.Tensor; b: tf.Tensor };
    return tf.tidy(() => {
      const inputs = { a: transposeA ? swapLastTwo(a) : a, b: transposeB ? swapLastTwo(b) : b };
      const attrs = { transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;
      const out = original.kernelFunc({ inputs, attrs, backend: args.backend }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(out);
    }) as unknown as tf.TensorInfo;
  };
  Object.assign(kernelFunc, { fastPathWrapper: true });
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc });
}
