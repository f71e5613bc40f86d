/** The exclusive lock file: held, refused, stale and taken over, released; process liveness. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acquireFileLock, checkFileLock, LockHeldError, readHolder } from '../../src/util/file_lock';
import { isProcessAlive, processStartTicks } from '../../src/util/process_info';

/** The pid of a process that has exited (and was reaped). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid as number;
}

function lockFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-lock-')), 'train.lock');
}

function writeHolder(file: string, holder: Record<string, unknown>): void {
  fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), procStart: null, startedAt: '2026-01-01T00:00:00.000Z', command: 'node old-trainer', ...holder }));
}

test('process liveness: this process is alive, an exited one is not, nor a live pid with another start time', () => {
  assert.ok(isProcessAlive(process.pid, processStartTicks(process.pid)));
  assert.not.ok(isProcessAlive(deadPid()));
  assert.not.ok(isProcessAlive(0), 'pid 0 would mean the process group');
  if (processStartTicks(process.pid) !== null) assert.not.ok(isProcessAlive(process.pid, '1'), 'a reused pid is not the old process');
});

test('a held lock names its holder; a second acquire is refused naming the locked thing and the pid; release frees it', () => {
  const file = lockFile();
  const lock = acquireFileLock(file, 'the run folder X');
  const holder = readHolder(file);
  assert.ok(holder !== null && holder !== 'unreadable' && holder.pid === process.pid && holder.host === os.hostname());
  assert.is(lock.tookOverFrom, null);
  assert.throws(() => acquireFileLock(file, 'the run folder X'), (e: Error) => e instanceof LockHeldError
    && new RegExp(`acquireFileLock: the run folder X must not be in use by another process, but its lock ${file} is held by pid ${process.pid} on host`).test(e.message)
    && /that process is still running/.test(e.message));
  assert.throws(() => checkFileLock(file, 'the run folder X'), /checkFileLock: the run folder X must not be in use/);
  lock.release();
  lock.release(); // twice is fine
  assert.not.ok(fs.existsSync(file));
  checkFileLock(file, 'the run folder X');
  acquireFileLock(file, 'the run folder X').release();
  assert.equal(fs.readdirSync(path.dirname(file)), [], 'no temp file is left');
});

test('a lock whose process is gone is stale: taken over, and the stale holder is reported', () => {
  const file = lockFile(), pid = deadPid();
  writeHolder(file, { pid });
  checkFileLock(file, 'the run folder X'); // stale: not in use
  const lock = acquireFileLock(file, 'the run folder X');
  assert.is(lock.tookOverFrom?.pid, pid);
  assert.is((readHolder(file) as { pid: number }).pid, process.pid);
  lock.release();
});

test('a lock taken on another host is never taken over; the message says how to free it', () => {
  const file = lockFile();
  writeHolder(file, { pid: deadPid(), host: 'other-machine' });
  assert.throws(() => acquireFileLock(file, 'the run folder X'), /held by pid \d+ on host other-machine.*cannot tell whether that process still runs; if it does not, delete/);
});

test('an unreadable lock file is an error naming it; release leaves a lock that is no longer ours', () => {
  const file = lockFile();
  fs.writeFileSync(file, 'not json');
  assert.throws(() => acquireFileLock(file, 'the run folder X'), /the lock file .*train\.lock of the run folder X must name its holder as JSON, but it does not parse/);
  fs.rmSync(file);
  const lock = acquireFileLock(file, 'the run folder X');
  writeHolder(file, { pid: process.ppid }); // someone else's now
  lock.release();
  assert.ok(fs.existsSync(file), 'release must not delete another holder\'s lock');
});

test.run();
