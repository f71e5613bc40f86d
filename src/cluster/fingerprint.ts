/**
 * SHA-256 fingerprints for shard manifests: of a file (a results JSON, a .pth checkpoint) and of a
 * model folder (config.json and model.safetensors), so that shards run with another model or on
 * another input file are told apart at merge time.
 */
import { createHash, Hash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

function hashFile(hash: Hash, file: string, where: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new Error(`${where}: ${file} must be a readable file, but opening failed: ${(error as Error).message}`, { cause: error });
  }
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0;) hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** SHA-256 (hex) of a file's bytes. */
export function fileSha256(file: string, where = 'fileSha256'): string {
  const hash = createHash('sha256');
  hashFile(hash, file, where);
  return hash.digest('hex');
}

/**
 * SHA-256 (hex) of a model: a model folder's config.json and model.safetensors (names and bytes),
 * or a checkpoint file's bytes.
 */
export function modelSha256(model: string, where = 'modelSha256'): string {
  if (!fs.statSync(model, { throwIfNoEntry: false })?.isDirectory()) return fileSha256(model, where);
  const hash = createHash('sha256');
  for (const name of ['config.json', 'model.safetensors']) {
    hash.update(`${name}\n`);
    hashFile(hash, path.join(model, name), where);
  }
  return hash.digest('hex');
}
