/**
 * An exclusive lock held by one process: a lock file naming its holder (pid, host, process start
 * time, start date, command). It is created with a hard link from a complete temp file, so it exists
 * only with its whole content and a reader never sees it half-written. A lock whose process is gone
 * (killed, machine rebooted) is stale and is taken over. The holder releases it with release(), and
 * at the latest when its process exits normally; a killed holder leaves a stale lock behind.
 */
import * as fs from 'fs';
import * as os from 'os';
import { tempPathFor } from './atomic_write';
import { isProcessAlive, processStartTicks } from './process_info';

export interface LockHolder {
  pid: number;
  host: string;
  /** processStartTicks of the holder, or null where /proc is missing. */
  procStart: string | null;
  /** ISO date the lock was taken. */
  startedAt: string;
  command: string;
}

/** Thrown when the lock is held by a live process (or one on another host, which cannot be checked). */
export class LockHeldError extends Error {
  constructor(message: string, readonly holder: LockHolder) {
    super(message);
  }
}

/** How often a contended or half-taken-over lock is retried before giving up. */
const ATTEMPTS = 40;
const RETRY_MS = 50;

export class FileLock {
  private released = false;
  private readonly onExit = () => this.release();

  /** @param tookOverFrom the stale holder this lock replaced, if any */
  constructor(readonly file: string, readonly holder: LockHolder, readonly tookOverFrom: LockHolder | null) {
    process.once('exit', this.onExit);
  }

  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    const now = readHolder(this.file);
    if (now !== null && now !== 'unreadable' && sameHolder(now, this.holder)) fs.rmSync(this.file, { force: true });
  }
}

/**
 * Takes the lock at `file` for this process, taking over a stale one.
 * @param what names the locked thing in errors, e.g. "the run folder runs/x"
 * @throws LockHeldError when a live process holds it
 */
export function acquireFileLock(file: string, what: string): FileLock {
  const me = currentHolder();
  let tookOverFrom: LockHolder | null = null;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (tryCreate(file, me)) return new FileLock(file, me, tookOverFrom);
    const holder = readHolder(file);
    if (holder === null) continue; // released in between: try again at once
    if (holder === 'unreadable') {
      throw new Error(`acquireFileLock: the lock file ${file} of ${what} must name its holder as JSON, but it does not parse; if no other process uses ${what}, delete it.`);
    }
    if (!isStale(holder)) throw new LockHeldError(heldMessage('acquireFileLock', file, what, holder), holder);
    if (removeStale(file, holder)) tookOverFrom = holder;
    else sleepSync(RETRY_MS); // another process is taking it over right now
  }
  throw new Error(`acquireFileLock: ${what} must be lockable within ${ATTEMPTS} attempts, but ${file} stayed contended.`);
}

/**
 * Throws LockHeldError if a live process holds the lock at `file`; takes nothing. A cheap early check
 * for commands that would otherwise find out only after a slow start-up; acquireFileLock decides.
 */
export function checkFileLock(file: string, what: string): void {
  const holder = readHolder(file);
  if (holder !== null && holder !== 'unreadable' && !isStale(holder)) throw new LockHeldError(heldMessage('checkFileLock', file, what, holder), holder);
}

/** The holder named in a lock file; null when there is none, 'unreadable' when it is not our JSON. */
export function readHolder(file: string): LockHolder | null | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** A one-line description of a holder for messages. */
export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on host ${h.host}, since ${h.startedAt} (${h.command})`;
}

function currentHolder(): LockHolder {
  return { pid: process.pid, host: os.hostname(), procStart: processStartTicks(process.pid), startedAt: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
}

/** Creates the lock file with the holder's whole content in one step (link fails if it exists). */
function tryCreate(file: string, holder: LockHolder): boolean {
  const tmp = tempPathFor(file);
  fs.writeFileSync(tmp, `${JSON.stringify(holder)}\n`);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Stale: its process is gone. A holder on another host cannot be checked, so it never counts as stale. */
function isStale(h: LockHolder): boolean {
  return h.host === os.hostname() && !isProcessAlive(h.pid, h.procStart);
}

/**
 * Deletes a stale lock, under a second lock (`<file>.takeover`) so that two processes taking over at
 * once cannot delete the lock the faster of them has just created. Returns false if another process
 * holds the takeover lock (retry later).
 */
function removeStale(file: string, stale: LockHolder): boolean {
  const guard = `${file}.takeover`;
  if (!tryCreate(guard, currentHolder())) {
    const guardHolder = readHolder(guard);
    // a process killed while taking over leaves the guard behind; its pid tells
    if (guardHolder === 'unreadable' || (guardHolder !== null && isStale(guardHolder))) fs.rmSync(guard, { force: true });
    return false;
  }
  try {
    const now = readHolder(file);
    if (now !== null && now !== 'unreadable' && sameHolder(now, stale)) fs.rmSync(file, { force: true });
    return true;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt && a.procStart === b.procStart;
}

function heldMessage(where: string, file: string, what: string, h: LockHolder): string {
  const why = h.host === os.hostname()
    ? 'that process is still running'
    : `it was taken on another host, so this host (${os.hostname()}) cannot tell whether that process still runs; if it does not, delete ${file}`;
  return `${where}: ${what} must not be in use by another process, but its lock ${file} is held by ${describeHolder(h)}; ${why}.`;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
