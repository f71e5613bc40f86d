/**
 * Reading PyTorch `.pth` checkpoints without Python: the zip archive written by torch.save
 * (`<stem>/data.pkl` + `<stem>/data/<key>` storages, little-endian), either a bare state dict or
 * mmcv's form `{state_dict: {...}, meta, optimizer}` with the detector's attribute prefix
 * (`denoise_model.`) on every key. Tensors come back as float32 in PyTorch layout.
 */
import { bfloat16ToFloat, halfToFloat } from './float16';
import { ZipReader } from './zip_reader';
import { StorageRef, TensorRef, unpickle } from './torch_pickle';

export { bfloat16ToFloat, halfToFloat };

export interface TorchTensor {
  shape: number[];
  data: Float32Array;
}

export interface TorchStateDict {
  tensors: Map<string, TorchTensor>;
  /** Keys found in the file but left out (outside the model prefix, or not floating point). */
  ignored: string[];
  /** The prefix stripped from the keys ('' if none). */
  prefix: string;
}

/** Key prefixes under which a checkpoint may hold the DenoiseUNet, tried in order. */
export const MODEL_KEY_PREFIXES = ['denoise_model.', 'module.denoise_model.', 'module.', ''];

const BYTES_PER_ELEMENT: Record<string, number> = {
  FloatStorage: 4, DoubleStorage: 8, HalfStorage: 2, BFloat16Storage: 2, LongStorage: 8, IntStorage: 4, ByteStorage: 1, BoolStorage: 1,
};
const FLOAT_STORAGES = new Set(['FloatStorage', 'DoubleStorage', 'HalfStorage', 'BFloat16Storage']);

/**
 * Reads the model's floating-point tensors from a .pth file. @param modelKey a key every model
 * checkpoint has (to find the prefix), e.g. 'time_embed.weight'.
 */
export function readTorchCheckpoint(file: string, modelKey = 'time_embed.weight'): TorchStateDict {
  const where = `readTorchCheckpoint(${file})`;
  const zip = new ZipReader(file);
  try {
    const pkl = zip.names().find((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (!pkl) throw new Error(`${where}: the archive must contain <name>/data.pkl (a torch.save file), but has ${zip.names().slice(0, 5).join(', ')}.`);
    const root = pkl.slice(0, -'data.pkl'.length);
    const top = unpickle(zip.read(pkl), where);
    const dict = findStateDict(top, where);
    const prefix = MODEL_KEY_PREFIXES.find((p) => dict.has(`${p}${modelKey}`));
    if (prefix === undefined) throw new Error(`${where}: the state dict must contain '${modelKey}' (optionally under ${MODEL_KEY_PREFIXES.filter(Boolean).join(', ')}), but it does not; is this a SegRefiner checkpoint?`);
    const tensors = new Map<string, TorchTensor>();
    const ignored: string[] = [];
    for (const [key, value] of dict) {
      const ref = value as TensorRef;
      if (typeof key !== 'string' || !key.startsWith(prefix) || ref?.kind !== 'tensor' || !FLOAT_STORAGES.has(ref.storage.storageType)) {
        ignored.push(String(key));
        continue;
      }
      tensors.set(key.slice(prefix.length), { shape: ref.shape, data: tensorData(zip, root, ref, where) });
    }
    return { tensors, ignored, prefix };
  } finally {
    zip.close();
  }
}

/** The state dict: the top object itself, or its `state_dict` / `model` entry (mmcv, other trainers). */
function findStateDict(top: unknown, where: string): Map<unknown, unknown> {
  if (!(top instanceof Map)) throw new Error(`${where}: the pickle must hold a dict, but holds ${typeof top}.`);
  for (const key of ['state_dict', 'model']) {
    const inner = top.get(key);
    if (inner instanceof Map) return inner;
  }
  return top;
}

function tensorData(zip: ZipReader, root: string, ref: TensorRef, where: string): Float32Array {
  const storage = decodeStorage(zip.read(`${root}data/${ref.storage.key}`), ref.storage, where);
  const n = ref.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const index = new Array<number>(ref.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let offset = ref.offset;
    for (let d = 0; d < index.length; d++) offset += index[d] * ref.stride[d];
    out[i] = storage[offset];
    for (let d = index.length - 1; d >= 0; d--) { // row-major increment
      if (++index[d] < ref.shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

function decodeStorage(bytes: Buffer, s: StorageRef, where: string): Float32Array {
  const size = BYTES_PER_ELEMENT[s.storageType];
  if (bytes.length < s.numel * size) throw new Error(`${where}: storage ${s.key} must hold ${s.numel} ${s.storageType} elements, but has ${bytes.length} bytes (truncated?).`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(s.numel);
  for (let i = 0; i < s.numel; i++) {
    switch (s.storageType) {
      case 'FloatStorage': out[i] = view.getFloat32(4 * i, true); break;
      case 'DoubleStorage': out[i] = view.getFloat64(8 * i, true); break;
      case 'HalfStorage': out[i] = halfToFloat(view.getUint16(2 * i, true)); break;
      default: out[i] = bfloat16ToFloat(view.getUint16(2 * i, true)); break;
    }
  }
  return out;
}
