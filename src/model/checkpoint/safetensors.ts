/**
 * The safetensors format (huggingface/safetensors) as files: reading one (decoded by
 * safetensors_decode.ts, which holds the format and needs no file system) and writing one. We write
 * F32 only; we read F32, F16, BF16 and F64 as float32. Files we write load with
 * `safetensors.torch.load_file`.
 */
import * as fs from 'fs';
import { writeFileAtomic } from '../../util/atomic_write';
import { decodeSafetensors, type SafetensorsFile } from './safetensors_decode';
import type { TorchTensor } from './torch_pth';

export type { SafetensorsFile };

/** Serialises tensors (in the given order) and string metadata. */
export function encodeSafetensors(tensors: Map<string, TorchTensor>, metadata: Record<string, string> = {}): Buffer[] {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`encodeSafetensors: '${name}' must have ${n} values for shape [${t.shape}], but has ${t.data.length}.`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // the format pads the header to 8 bytes with spaces
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const bodies = [...tensors.values()].map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return [head, Buffer.from(json), ...bodies];
}

/** Writes atomically (temp file + rename). */
export function writeSafetensors(file: string, tensors: Map<string, TorchTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

export function readSafetensors(file: string): SafetensorsFile {
  const where = `readSafetensors(${file})`;
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (error) {
    throw new Error(`${where}: the file must be readable, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  return decodeSafetensors(buf, where);
}
