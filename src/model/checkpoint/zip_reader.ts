/**
 * A minimal ZIP reader for PyTorch checkpoints (`torch.save` writes a zip archive, entries stored
 * uncompressed; deflate is also handled). Reads entries on demand from a file descriptor, so a
 * multi-GB checkpoint is never held in memory whole. Zip64 records are supported.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export class ZipReader {
  private readonly fd: number;
  readonly entries = new Map<string, ZipEntry>();

  constructor(readonly file: string) {
    try {
      this.fd = fs.openSync(file, 'r');
    } catch (error) {
      throw new Error(`ZipReader: ${file} must be a readable file, but opening failed: ${(error as Error).message}`, { cause: error });
    }
    try {
      this.readCentralDirectory();
    } catch (error) {
      fs.closeSync(this.fd);
      throw error;
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  read(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new Error(`ZipReader: ${this.file} must contain '${name}', but it does not.`);
    const local = this.readAt(e.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== 0x04034b50) throw new Error(`ZipReader: ${this.file}: entry '${name}' must start with a local header, but the signature is wrong (corrupt archive).`);
    const start = e.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = this.readAt(start, e.compressedSize);
    if (e.method === 0) return raw;
    if (e.method === 8) return zlib.inflateRawSync(raw);
    throw new Error(`ZipReader: ${this.file}: entry '${name}' uses compression method ${e.method}; only stored (0) and deflate (8) are supported.`);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private readAt(position: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, position + done);
      if (n === 0) throw new Error(`ZipReader: ${this.file} ended early (truncated file?) while reading ${length} bytes at ${position}.`);
      done += n;
    }
    return buf;
  }

  private readCentralDirectory(): void {
    const size = fs.fstatSync(this.fd).size;
    const tailLength = Math.min(size, 65557);
    const tail = this.readAt(size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
    if (eocd < 0) throw new Error(`ZipReader: ${this.file} must be a zip archive (a PyTorch ≥ 1.6 checkpoint), but no end-of-central-directory record was found.`);
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || tail.readUInt32LE(locator) !== 0x07064b50) throw new Error(`ZipReader: ${this.file}: zip64 locator missing (corrupt archive).`);
      const z64 = this.readAt(Number(tail.readBigUInt64LE(locator + 8)), 56);
      count = Number(z64.readBigUInt64LE(32));
      cdSize = Number(z64.readBigUInt64LE(40));
      cdOffset = Number(z64.readBigUInt64LE(48));
    }
    const cd = this.readAt(cdOffset, cdSize);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`ZipReader: ${this.file}: central directory entry ${i} is corrupt.`);
      const nameLength = cd.readUInt16LE(p + 28), extraLength = cd.readUInt16LE(p + 30), commentLength = cd.readUInt16LE(p + 32);
      const entry: ZipEntry = {
        name: cd.toString('utf8', p + 46, p + 46 + nameLength),
        method: cd.readUInt16LE(p + 10),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
      };
      applyZip64Extra(entry, cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength));
      this.entries.set(entry.name, entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
  }
}

/** Zip64 extra field (id 1): the 64-bit values of whichever 32-bit fields were saturated, in order. */
function applyZip64Extra(e: ZipEntry, extra: Buffer): void {
  let q = 0;
  while (q + 4 <= extra.length) {
    const id = extra.readUInt16LE(q), len = extra.readUInt16LE(q + 2);
    if (id === 1) {
      let r = q + 4;
      if (e.size === 0xffffffff) { e.size = Number(extra.readBigUInt64LE(r)); r += 8; }
      if (e.compressedSize === 0xffffffff) { e.compressedSize = Number(extra.readBigUInt64LE(r)); r += 8; }
      if (e.localHeaderOffset === 0xffffffff) e.localHeaderOffset = Number(extra.readBigUInt64LE(r));
    }
    q += 4 + len;
  }
}
