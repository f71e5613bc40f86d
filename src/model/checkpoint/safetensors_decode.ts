/**
 * Decoding the safetensors format (huggingface/safetensors) from bytes in memory: an 8-byte
 * little-endian header length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]},
 * __metadata__: {string: string}}`, then the raw little-endian tensor bytes. F32, F16, BF16 and F64
 * are read as float32. No file system, so the browser reads fetched weights with it too; the file
 * readers and the writer are in safetensors.ts.
 */
import { bfloat16ToFloat, halfToFloat } from './float16';
import type { TorchTensor } from './torch_pth';

export interface SafetensorsFile {
  tensors: Map<string, TorchTensor>;
  metadata: Record<string, string>;
}

/**
 * Decodes a whole safetensors file.
 * @param bytes the file's bytes
 * @param where names the source in errors, e.g. `readSafetensors(model.safetensors)`
 */
export function decodeSafetensors(bytes: Uint8Array, where: string): SafetensorsFile {
  if (bytes.length < 8) throw new Error(`${where}: the file must start with an 8-byte header length, but it has ${bytes.length} bytes.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new Error(`${where}: the header must fit in the file (${headerLength} bytes declared, ${bytes.length - 8} present); truncated?`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new Error(`${where}: the header must be JSON, but it does not parse (not a safetensors file?).`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error(`${where}: the header must be a JSON object, but is ${JSON.stringify(header)?.slice(0, 40)}.`);
  const body = 8 + headerLength;
  const tensors = new Map<string, TorchTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, begin, end } = checkEntry(entry, bytes.length - body, `${where}: tensor '${name}'`);
    tensors.set(name, { shape, data: decode(bytes.subarray(body + begin, body + end), dtype, `${where}: '${name}'`) });
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

/** One header entry, checked: a readable dtype, a shape, offsets inside the data whose span fits the shape. */
function checkEntry(entry: unknown, dataBytes: number, where: string): { dtype: string; shape: number[]; begin: number; end: number } {
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof e !== 'object' || e === null) throw new Error(`${where} must be an object {dtype, shape, data_offsets}, but is ${JSON.stringify(entry)?.slice(0, 60)}.`);
  const { dtype, shape, data_offsets: offsets } = e;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw new Error(`${where} must have dtype F32, F64, F16 or BF16, but has ${JSON.stringify(dtype)}.`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${where} must have a shape of non-negative integers, but has ${JSON.stringify(shape)}.`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    throw new Error(`${where} must have data_offsets [begin, end] with 0 ≤ begin ≤ end, but has ${JSON.stringify(offsets)}.`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataBytes) throw new Error(`${where} must lie inside the file's ${dataBytes} data bytes, but ends at byte ${end} (truncated?).`);
  const expected = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[dtype];
  if (end - begin !== expected) throw new Error(`${where} must span ${expected} bytes (shape [${shape}] of ${dtype}), but its data_offsets span ${end - begin}.`);
  return { dtype, shape: shape as number[], begin, end };
}

function decode(bytes: Uint8Array, dtype: string, where: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read: Record<string, [number, (i: number) => number]> = {
    F32: [4, (i) => view.getFloat32(4 * i, true)],
    F64: [8, (i) => view.getFloat64(8 * i, true)],
    F16: [2, (i) => halfToFloat(view.getUint16(2 * i, true))],
    BF16: [2, (i) => bfloat16ToFloat(view.getUint16(2 * i, true))],
  };
  const r = read[dtype];
  if (!r) throw new Error(`${where} must be F32, F64, F16 or BF16, but has dtype ${dtype}.`); // checked by checkEntry; kept for direct calls
  const out = new Float32Array(bytes.length / r[0]);
  for (let i = 0; i < out.length; i++) out[i] = r[1](i);
  return out;
}
