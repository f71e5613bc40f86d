/**
 * The two checkpoints of a run folder: the latest (checkpoint.safetensors) and the one before it
 * (checkpoint.prev.safetensors). Each save first makes the latest the previous one, by a hard link
 * renamed into place, so at every moment both names hold a whole checkpoint. On resume, a latest that
 * cannot be read (truncated, not safetensors, a bad state) falls back to the previous one. A latest
 * with NaN or ±Inf values does not: the run had diverged, and replaying from the previous one would
 * reach the same values again (the resume is exact).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DenoiseUNet } from '../model/unet';
import { tempPathFor } from '../util/atomic_write';
import { AdamW } from './adamw';
import { applyTrainCheckpoint, collectTrainCheckpoint, NonFiniteCheckpointError, readTrainCheckpoint, TrainCheckpointContents, TrainState, writeTrainCheckpoint } from './checkpoint';
import { CHECKPOINT_FILE, PREV_CHECKPOINT_FILE, UNREADABLE_CHECKPOINT_FILE } from './run_folder';

export interface LoadedRunCheckpoint {
  state: TrainState;
  /** The file the state came from. */
  file: string;
  /** Set when the latest checkpoint could not be read and the previous one was used. */
  fallback: { skipped: string; reason: string } | null;
}

/** Keeps the latest checkpoint as the previous one, then writes the new latest atomically. */
export async function saveRunCheckpoint(runDir: string, unet: DenoiseUNet, optimizer: AdamW, state: TrainState): Promise<void> {
  const collected = await collectTrainCheckpoint(unet, optimizer, state); // throws before anything moves if it is not finite
  const latest = path.join(runDir, CHECKPOINT_FILE);
  if (fs.existsSync(latest)) copyCheckpoint(latest, path.join(runDir, PREV_CHECKPOINT_FILE)); // prev := latest
  writeTrainCheckpoint(latest, collected);
}

/**
 * Restores the run's latest readable checkpoint into the network and optimizer. After a fallback the
 * unreadable latest is kept as checkpoint.unreadable.safetensors (for a look; the next fallback
 * replaces it) and the previous checkpoint becomes the latest as well, so the next rotation does not
 * make the broken file the fallback, and a collapse rollback finds the checkpoint resumed from.
 * @throws when neither checkpoint can be read (naming both reasons), or NonFiniteCheckpointError
 */
export function loadRunCheckpoint(runDir: string, unet: DenoiseUNet, optimizer: AdamW): LoadedRunCheckpoint {
  const latest = path.join(runDir, CHECKPOINT_FILE), prev = path.join(runDir, PREV_CHECKPOINT_FILE);
  let contents: TrainCheckpointContents;
  try {
    contents = readTrainCheckpoint(latest);
  } catch (error) {
    if (error instanceof NonFiniteCheckpointError || !fs.existsSync(prev)) throw error;
    const reason = (error as Error).message;
    try {
      contents = readTrainCheckpoint(prev);
    } catch (prevError) {
      throw new Error(`loadRunCheckpoint: ${runDir} must hold a readable checkpoint, but neither does: ${reason}; ${(prevError as Error).message}`, { cause: prevError });
    }
    const state = applyTrainCheckpoint(contents, unet, optimizer, prev);
    setAsideUnreadable(latest, path.join(runDir, UNREADABLE_CHECKPOINT_FILE));
    copyCheckpoint(prev, latest);
    return { state, file: prev, fallback: { skipped: latest, reason } };
  }
  return { state: applyTrainCheckpoint(contents, unet, optimizer, latest), file: latest, fallback: null };
}

/** True if the run folder holds a checkpoint, latest or previous. */
export function hasRunCheckpoint(runDir: string): boolean {
  return [CHECKPOINT_FILE, PREV_CHECKPOINT_FILE].some((f) => fs.existsSync(path.join(runDir, f)));
}

/** to := from, as a hard link (no copy) renamed into place, so `to` is never missing or partial. */
function copyCheckpoint(from: string, to: string): void {
  if (sameFile(from, to)) return; // rename() onto another link of the same file would do nothing and leave tmp behind
  const tmp = tempPathFor(to);
  try {
    fs.linkSync(from, tmp);
  } catch {
    fs.copyFileSync(from, tmp); // a file system without hard links
  }
  fs.renameSync(tmp, to);
}

function sameFile(a: string, b: string): boolean {
  if (!fs.existsSync(a) || !fs.existsSync(b)) return false;
  const sa = fs.statSync(a), sb = fs.statSync(b);
  return sa.ino === sb.ino && sa.dev === sb.dev;
}

function setAsideUnreadable(file: string, aside: string): void {
  if (fs.existsSync(file)) fs.renameSync(file, aside);
}
