/**
 * Preloaded into a trainer process by the fault tests (`node -r tsx/cjs -r test/helpers/crash_hooks.ts
 * src/cli/main.ts train ...`): it wraps a few `fs` calls so that the process kills itself (SIGKILL, no
 * clean-up of any kind) at an exact moment of its run folder's life, or pauses there. The trainer's
 * code is unchanged. SEGREFINER_TEST_CRASH picks the moment, counting within this process:
 *   torn-train-record:N       the Nth train record of metrics.jsonl is half-written, then SIGKILL
 *   after-train-record:N      SIGKILL right after the Nth train record is appended
 *   checkpoint-write:N        the Nth checkpoint temp file gets its first tensor half-written, then SIGKILL
 *   prev-rename:N             SIGKILL just before the Nth rename onto checkpoint.prev.safetensors
 *   hold-after-train-record:N:FILE   after the Nth train record, wait (blocking) until FILE exists
 */
// the module object itself, not a namespace copy: the trainer's modules must see the wrapped functions
import fs = require('fs');

const spec = process.env.SEGREFINER_TEST_CRASH ?? '';
const [moment, countText, holdFile] = spec.split(':');
const target = Number(countText);
const counts = new Map<string, number>();

function nth(kind: string): boolean {
  const n = (counts.get(kind) ?? 0) + 1;
  counts.set(kind, n);
  return kind === moment && n === target;
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL was sent');
}

function holdUntil(file: string): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!fs.existsSync(file)) Atomics.wait(cell, 0, 0, 50);
}

if (spec) {
  const { appendFileSync, openSync, writeFileSync, renameSync } = fs;
  const checkpointTempFds = new Map<number, number>(); // fd → parts written so far

  fs.appendFileSync = ((file: fs.PathOrFileDescriptor, data: string | Uint8Array, options?: fs.WriteFileOptions) => {
    const isTrain = String(file).endsWith('metrics.jsonl') && String(data).includes('"type":"train"');
    if (isTrain && nth('torn-train-record')) {
      appendFileSync(file, String(data).slice(0, Math.floor(String(data).length / 2)));
      die();
    }
    appendFileSync(file, data, options);
    if (!isTrain) return;
    if (nth('after-train-record')) die();
    if (moment === 'hold-after-train-record' && counts.get('after-train-record') === target) holdUntil(holdFile);
  }) as typeof fs.appendFileSync;

  fs.openSync = ((file: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
    const fd = openSync(file, flags, mode);
    if (/checkpoint\.safetensors\.tmp-/.test(String(file)) && nth('checkpoint-write')) checkpointTempFds.set(fd, 0);
    return fd;
  }) as typeof fs.openSync;

  fs.writeFileSync = ((file: fs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, options?: fs.WriteFileOptions) => {
    const part = typeof file === 'number' ? checkpointTempFds.get(file) : undefined;
    if (part === 2 && typeof data !== 'string') { // parts: header length, header JSON, first tensor
      writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, Math.floor(data.byteLength / 2)));
      die();
    }
    if (part !== undefined) checkpointTempFds.set(file as number, part + 1);
    writeFileSync(file, data, options);
  }) as typeof fs.writeFileSync;

  fs.renameSync = ((from: fs.PathLike, to: fs.PathLike) => {
    if (String(to).endsWith('checkpoint.prev.safetensors') && nth('prev-rename')) die();
    renameSync(from, to);
  }) as typeof fs.renameSync;
}
