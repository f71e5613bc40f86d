/**
 * Issue 15, run folders: a tiny training run killed (SIGKILL) at four moments of its folder's life and
 * resumed each time ends byte-identical to an uninterrupted run, with one train record per step, no
 * temp file and no lock left. The kills come from test/helpers/crash_hooks.ts; the trainer is the CLI.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMetricsJsonl } from '../../src';
import { listFiles, readMetrics, runTrainer, TrainerExit, tinyRunFlags, trainSteps } from '../helpers/trainer';

const STEPS = 8; // checkpoints at 2, 4, 6, 8

function assertKilled(exit: TrainerExit, moment: string): void {
  assert.is(exit.signal, 'SIGKILL', `the trainer must die at ${moment}, but it exited with ${exit.code}: ${exit.stderr}`);
}

function assertFinished(exit: TrainerExit, what: string): void {
  assert.is(exit.code, 0, `${what} must finish, but: ${exit.stderr}`);
}

test('killed four times (torn log line, mid-rotation, mid-checkpoint, then a truncated checkpoint) and resumed: byte-identical to an uninterrupted run', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-faults-'));
  const straightOut = path.join(out, 'straight'), killedOut = path.join(out, 'killed');
  const straight = runTrainer(tinyRunFlags(straightOut, 'run', STEPS)); // in parallel with the killed run's first part
  const runDir = path.join(killedOut, 'run');
  const resume = ['--resume', runDir];

  // A: the step-4 train record is half-written (checkpoint at 2; a complete record of step 3 after it)
  assertKilled(await runTrainer(tinyRunFlags(killedOut, 'run', STEPS), { crash: 'torn-train-record:4' }), 'the torn record');
  assert.equal(trainSteps(runDir), [1, 2, 3]);
  // B: resumed from 2; killed while making the step-2 checkpoint the previous one, before writing step 4's
  const b = await runTrainer(resume, { crash: 'prev-rename:1' });
  assertKilled(b, 'the rotation');
  assert.match(b.stdout, /took over the stale lock of .*: its holder \(pid \d+/);
  assert.ok(listFiles(runDir).some((f) => f.startsWith('checkpoint.prev.safetensors.tmp-')), 'B must leave the rotation temp file');
  // C: resumed from 2 again; killed half-way through writing step 6's checkpoint (latest and previous are step 4)
  const c = await runTrainer(resume, { crash: 'checkpoint-write:2' });
  assertKilled(c, 'the checkpoint write');
  assert.match(c.stdout, /deleted 1 temp file\(s\) a killed run left in .*checkpoint\.prev\.safetensors\.tmp-/);
  assert.ok(listFiles(runDir).some((f) => f.startsWith('checkpoint.safetensors.tmp-')), 'C must leave a partial checkpoint');
  // D: resumed from 4; killed after the step-7 record; then the step-6 checkpoint is cut in half
  assertKilled(await runTrainer(resume, { crash: 'after-train-record:3' }), 'the step-7 record');
  const latest = path.join(runDir, 'checkpoint.safetensors');
  fs.truncateSync(latest, Math.floor(fs.statSync(latest).size / 2));
  // E: the latest checkpoint is unreadable: it resumes from the previous one (step 4) and finishes
  const e = await runTrainer(resume);
  assertFinished(e, 'the last resume');
  assert.match(e.stdout, /resuming from the previous checkpoint .*checkpoint\.prev\.safetensors \(step 4\): the latest, .*checkpoint\.safetensors, cannot be read: .*truncated/);
  assert.ok(fs.existsSync(path.join(runDir, 'checkpoint.unreadable.safetensors')), 'the unreadable checkpoint is set aside');
  assertFinished(await straight, 'the uninterrupted run');

  const straightDir = path.join(straightOut, 'run');
  for (const file of ['checkpoint.safetensors', 'checkpoint.prev.safetensors', path.join('model', 'model.safetensors')]) {
    assert.ok(fs.readFileSync(path.join(runDir, file)).equals(fs.readFileSync(path.join(straightDir, file))), `${file} must be byte-identical to the uninterrupted run's`);
  }
  assert.equal(trainSteps(runDir), [1, 2, 3, 4, 5, 6, 7, 8]);
  parseMetricsJsonl(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')); // no torn line in the middle
  const resumes = readMetrics(runDir).filter((r) => r.event === 'resume');
  assert.equal(resumes.map((r) => [r.step, r.dropped]), [
    [2, { afterStep: 1, unreadable: 1 }], [2, { afterStep: 2, unreadable: 0 }], [4, { afterStep: 2, unreadable: 0 }], [4, { afterStep: 4, unreadable: 0 }],
  ]);
  assert.equal(listFiles(runDir).filter((f) => /\.tmp-|train\.lock/.test(f)), [], 'no temp file or lock may remain');
});

test.run();
