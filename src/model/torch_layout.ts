/**
 * Conversions between a parameter's PyTorch layout (as stored in .pth and our safetensors files, so
 * `safetensors.torch.load_file` gives upstream-ready tensors) and the tfjs layout the layers use.
 * Plain Float32Array maths: run once at load/save time.
 */
import { numElements, ParamSpec } from './param_specs';

/** The tfjs shape of a parameter given its PyTorch shape. */
export function tfShape(spec: ParamSpec): number[] {
  const s = spec.torchShape;
  switch (spec.layout) {
    case 'conv2d': return [s[2], s[3], s[1], s[0]]; // OIHW → HWIO
    case 'conv1d': return [s[1], s[0]]; // [out, in, 1] → [in, out]
    case 'linear': return [s[1], s[0]];
    default: return [...s];
  }
}

/**
 * The permutation of attention qkv output channels: tfjs index j·C + head·ch + c (q|k|v blocks,
 * each head-major) ↔ PyTorch index head·3ch + j·ch + c (upstream's head-major [q k v] chunks).
 * Returns torchIndex[tfIndex].
 */
export function qkvTorchIndex(channels: number, heads: number): Int32Array {
  const ch = channels / heads;
  const out = new Int32Array(3 * channels);
  for (let j = 0; j < 3; j++) {
    for (let head = 0; head < heads; head++) {
      for (let c = 0; c < ch; c++) out[j * channels + head * ch + c] = head * 3 * ch + j * ch + c;
    }
  }
  return out;
}

/** PyTorch-layout data → tfjs-layout data (a new array). */
export function torchToTf(spec: ParamSpec, data: Float32Array): Float32Array {
  checkSize(spec, data, 'torchToTf');
  const s = spec.torchShape;
  switch (spec.layout) {
    case 'conv2d': return permuteOihwToHwio(data, s[0], s[1], s[2], s[3]);
    case 'conv1d':
    case 'linear': {
      const t = transpose2d(data, s[0], s[1]); // [in, out]
      return spec.qkvHeads ? permuteColumns(t, s[1], s[0], qkvTorchIndex(s[1], spec.qkvHeads)) : t;
    }
    default:
      return spec.qkvHeads ? permuteColumns(data, 1, s[0], qkvTorchIndex(s[0] / 3, spec.qkvHeads)) : Float32Array.from(data);
  }
}

/** tfjs-layout data → PyTorch-layout data (a new array). */
export function tfToTorch(spec: ParamSpec, data: Float32Array): Float32Array {
  checkSize(spec, data, 'tfToTorch');
  const s = spec.torchShape;
  switch (spec.layout) {
    case 'conv2d': return permuteHwioToOihw(data, s[0], s[1], s[2], s[3]);
    case 'conv1d':
    case 'linear': {
      const t = spec.qkvHeads ? unpermuteColumns(data, s[1], s[0], qkvTorchIndex(s[1], spec.qkvHeads)) : data;
      return transpose2d(t, s[1], s[0]);
    }
    default:
      return spec.qkvHeads ? unpermuteColumns(data, 1, s[0], qkvTorchIndex(s[0] / 3, spec.qkvHeads)) : Float32Array.from(data);
  }
}

function checkSize(spec: ParamSpec, data: Float32Array, where: string): void {
  const n = numElements(spec.torchShape);
  if (data.length !== n) throw new Error(`${where}: ${spec.key} must have ${n} values (shape [${spec.torchShape}]), but got ${data.length}.`);
}

function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/** out[r, tfCol] = a[r, torchIndex[tfCol]] for a [rows, cols] matrix. */
function permuteColumns(a: Float32Array, rows: number, cols: number, torchIndex: Int32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = a[r * cols + torchIndex[c]];
  return out;
}

function unpermuteColumns(a: Float32Array, rows: number, cols: number, torchIndex: Int32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + torchIndex[c]] = a[r * cols + c];
  return out;
}

function permuteOihwToHwio(a: Float32Array, o: number, i: number, h: number, w: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let oo = 0; oo < o; oo++) for (let ii = 0; ii < i; ii++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((y * w + x) * i + ii) * o + oo] = a[((oo * i + ii) * h + y) * w + x];
  }
  return out;
}

function permuteHwioToOihw(a: Float32Array, o: number, i: number, h: number, w: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let oo = 0; oo < o; oo++) for (let ii = 0; ii < i; ii++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((oo * i + ii) * h + y) * w + x] = a[((y * w + x) * i + ii) * o + oo];
  }
  return out;
}
