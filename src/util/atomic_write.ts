/**
 * Writing files so that a killed process never leaves a half-written one: write a temp file beside
 * the target, fsync, rename. A failed write (full disk, no permission) removes its temp file, so the
 * target keeps its previous content and no `.tmp-*` file is left behind.
 */
import * as fs from 'fs';
import * as path from 'path';

export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      const parts = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
      for (const part of parts) fs.writeFileSync(fd, part); // writes the whole part (writeSync may write less)
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

/** The temp file next to `file` that this process writes before renaming: `<file>.tmp-<pid>-<ms>`. */
export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${Date.now()}`;
}

/** The writer's pid if `name` is a temp file name of tempPathFor, else null. */
export function tempFileWriter(name: string): number | null {
  const m = /\.tmp-(\d+)-\d+$/.exec(name);
  return m ? Number(m[1]) : null;
}
