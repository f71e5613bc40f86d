/**
 * A training run folder `<outDir>/<name>/` and who may write it. One trainer at a time: it holds
 * `train.lock` (pid, host, start) for its whole run, so a second trainer on the same folder is
 * refused instead of interleaving its metrics and checkpoints with the first. Once the lock is held,
 * the temp files a killed trainer left behind (`*.tmp-<pid>-<ms>` of writeFileAtomic) are deleted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tempFileWriter } from '../util/atomic_write';
import { acquireFileLock, checkFileLock, describeHolder, FileLock } from '../util/file_lock';
import { isProcessAlive } from '../util/process_info';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** The checkpoint before the latest one, kept as a fallback should the latest be unreadable. */
export const PREV_CHECKPOINT_FILE = 'checkpoint.prev.safetensors';
/** A latest checkpoint that could not be read on resume, set aside for a look (run_checkpoints.ts). */
export const UNREADABLE_CHECKPOINT_FILE = 'checkpoint.unreadable.safetensors';
export const METRICS_FILE = 'metrics.jsonl';
export const LOCK_FILE = 'train.lock';

export interface OpenedRunFolder {
  lock: FileLock;
  /** What happened on opening, for the log: a stale lock taken over, orphan temp files deleted. */
  notes: string[];
  /** Orphan temp files deleted, relative to the run folder. */
  removedTempFiles: string[];
}

/**
 * Creates the folder if needed, takes its lock and deletes orphan temp files.
 * @throws LockHeldError (from acquireFileLock) when another live trainer holds the folder
 */
export function openRunFolder(runDir: string): OpenedRunFolder {
  fs.mkdirSync(runDir, { recursive: true });
  const lock = acquireFileLock(path.join(runDir, LOCK_FILE), `the run folder ${runDir}`);
  const notes: string[] = [];
  if (lock.tookOverFrom) notes.push(`took over the stale lock of ${runDir}: its holder (${describeHolder(lock.tookOverFrom)}) is no longer running`);
  const removedTempFiles = removeOrphanTempFiles(runDir);
  if (removedTempFiles.length) notes.push(`deleted ${removedTempFiles.length} temp file(s) a killed run left in ${runDir}: ${removedTempFiles.join(', ')}`);
  return { lock, notes, removedTempFiles };
}

/** Throws LockHeldError if another live trainer holds the run folder; takes nothing (see checkFileLock). */
export function assertRunFolderFree(runDir: string): void {
  checkFileLock(path.join(runDir, LOCK_FILE), `the run folder ${runDir}`);
}

/**
 * Deletes the temp files of writeFileAtomic under `dir` whose writer is gone. Call it holding the
 * run's lock: then no other trainer writes there. A temp file named with this process's own pid is an
 * orphan too (nothing is written yet; the pid was reused, e.g. by a restarted container).
 * @returns the deleted paths, relative to dir, sorted
 */
export function removeOrphanTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const rel of listFiles(dir)) {
    const writer = tempFileWriter(rel);
    if (writer === null || (writer !== process.pid && isProcessAlive(writer))) continue;
    fs.rmSync(path.join(dir, rel), { force: true });
    removed.push(rel);
  }
  return removed.sort();
}

/** Every file under dir, relative to it. */
function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(prefix, e.name);
    return e.isDirectory() ? listFiles(dir, rel) : [rel];
  });
}
