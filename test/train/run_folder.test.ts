/**
 * Run folders in one process: orphan temp files, the log cut back on resume, the previous checkpoint
 * as a fallback, non-finite checkpoints, the lock held by TrainLoop.run, requestStop.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AdamW, applyOverrides, CPU_UNET_CONFIG, DenoiseUNet, parseMetricsJsonl, resolveTrainConfig, trainRecipe, TrainLoop } from '../../src';
import { readSafetensors, writeSafetensors } from '../../src/model/checkpoint/safetensors';
import { NonFiniteCheckpointError, saveTrainCheckpoint } from '../../src/train/checkpoint';
import { truncateMetricsLog } from '../../src/train/metrics_log';
import { Progress } from '../../src/train/progress';
import { openRunFolder, removeOrphanTempFiles } from '../../src/train/run_folder';
import { LockHeldError } from '../../src/util/file_lock';
import { useTestBackend } from '../helpers/backend';
import { expectRejects } from '../helpers/rejects';
import { listFiles, readMetrics, trainSteps } from '../helpers/trainer';

test.before(async () => {
  await useTestBackend();
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-runfolder-'));
}

function tinyConfig(outDir: string, name: string, steps = 4) {
  return resolveTrainConfig(applyOverrides(trainRecipe('cpu-synthetic'), [
    `outDir=${outDir}`, `name=${name}`, `steps=${steps}`, 'imageSize=32', 'batchSize=1', 'checkpointEvery=2', 'logEvery=1', 'lrSchedule.warmupSteps=0',
  ]));
}

/** A Progress that keeps its notes and can act after a given step. */
class Recorder extends Progress {
  readonly notes: string[] = [];
  constructor(private readonly onStep: (step: number) => void = () => undefined) {
    super(1, 0, 1000, false, () => undefined);
  }
  override update(step: number, loss: number, iou: number, examplesPerSec: number): void {
    super.update(step, loss, iou, examplesPerSec);
    this.onStep(step);
  }
  override note(message: string): void {
    this.notes.push(message);
  }
}

async function train(outDir: string, name: string, opts: { resume?: boolean; steps?: number; maxStepsThisRun?: number; progress?: Recorder } = {}) {
  const progress = opts.progress ?? new Recorder();
  const loop = new TrainLoop(tinyConfig(outDir, name, opts.steps), { resume: opts.resume, maxStepsThisRun: opts.maxStepsThisRun, skipValidation: true, progress });
  try {
    return { summary: await loop.run(), notes: progress.notes };
  } finally {
    loop.dispose();
  }
}

test('orphan temp files: those of a gone writer or of this pid (reused) are deleted, a live writer\'s stay', () => {
  const dir = tempDir(), dead = spawnSync(process.execPath, ['-e', '']).pid as number;
  const files = [`checkpoint.safetensors.tmp-${dead}-1`, `samples/step_000002.png.tmp-${dead}-2`, `config.json.tmp-${process.pid}-3`, `metrics.jsonl.tmp-${process.ppid}-4`, 'metrics.jsonl', 'notes.tmp'];
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), 'x');
  }
  assert.equal(removeOrphanTempFiles(dir), [`checkpoint.safetensors.tmp-${dead}-1`, `config.json.tmp-${process.pid}-3`, path.join('samples', `step_000002.png.tmp-${dead}-2`)]);
  assert.equal(listFiles(dir), ['metrics.jsonl', `metrics.jsonl.tmp-${process.ppid}-4`, 'notes.tmp']);
});

test('truncateMetricsLog: drops records after the step and a torn line, atomically; leaves a clean log alone', () => {
  const file = path.join(tempDir(), 'metrics.jsonl');
  const line = (r: object) => `${JSON.stringify(r)}\n`;
  const head = line({ type: 'train', step: 1 }) + line({ type: 'train', step: 2 }) + line({ type: 'event', event: 'checkpoint', step: 2 });
  fs.writeFileSync(file, head + line({ type: 'train', step: 3 }) + line({ type: 'val', step: 3 }) + '{"type":"train","st');
  assert.equal(truncateMetricsLog(file, 2), { afterStep: 2, unreadable: 1 });
  assert.is(fs.readFileSync(file, 'utf8'), head);
  const mtime = fs.statSync(file).mtimeMs;
  assert.equal(truncateMetricsLog(file, 2), { afterStep: 0, unreadable: 0 });
  assert.is(fs.statSync(file).mtimeMs, mtime, 'nothing to cut: not rewritten');
  fs.writeFileSync(file, head.trimEnd()); // a whole last record without its newline
  assert.equal(truncateMetricsLog(file, 2), { afterStep: 0, unreadable: 0 });
  assert.is(fs.readFileSync(file, 'utf8'), head, 'the newline is restored, so the next append starts a line');
  assert.equal(listFiles(path.dirname(file)), ['metrics.jsonl']);
});

test('a second TrainLoop on a locked run folder is refused before it writes anything; the first run is unaffected', async () => {
  const out = tempDir();
  const held = openRunFolder(path.join(out, 'busy'));
  await expectRejects(train(out, 'busy'), new RegExp(`the run folder .*busy must not be in use by another process, but its lock .*train\\.lock is held by pid ${process.pid}`));
  assert.equal(listFiles(path.join(out, 'busy')), ['train.lock']);
  held.lock.release();
  const { summary } = await train(out, 'busy');
  assert.is(summary.step, 4);
  assert.not.ok(fs.existsSync(path.join(out, 'busy', 'train.lock')), 'released at the end');
});

test('the previous checkpoint is kept; a truncated latest falls back to it with a message, the log cut to its step', async () => {
  const out = tempDir(), runDir = path.join(out, 'fallback');
  await train(out, 'fallback', { maxStepsThisRun: 4, steps: 6 }); // checkpoints at 2 (→ prev) and 4
  const prev = readSafetensors(path.join(runDir, 'checkpoint.prev.safetensors'));
  assert.is(JSON.parse(prev.metadata.state).step, 2);
  fs.writeFileSync(path.join(runDir, 'checkpoint.safetensors'), 'garbage');
  const { summary, notes } = await train(out, 'fallback', { resume: true, steps: 6 });
  assert.is(summary.step, 6);
  assert.ok(notes.some((n) => /resuming from the previous checkpoint .*checkpoint\.prev\.safetensors \(step 2\): the latest, .*checkpoint\.safetensors, cannot be read: readSafetensors/.test(n)), notes.join('\n'));
  assert.ok(notes.some((n) => /metrics\.jsonl cut back to step 2: dropped 3 record\(s\)/.test(n)), notes.join('\n'));
  assert.equal(trainSteps(runDir), [1, 2, 3, 4, 5, 6]);
  assert.is(fs.readFileSync(path.join(runDir, 'checkpoint.unreadable.safetensors'), 'utf8'), 'garbage');
  const resume = readMetrics(runDir).find((r) => r.event === 'resume') as { fallback: { reason: string } };
  assert.match(resume.fallback.reason, /readSafetensors/);
});

test('a resumed checkpoint with NaN weights is reported naming the tensor, not retried as a collapse', async () => {
  const out = tempDir(), runDir = path.join(out, 'nan');
  await train(out, 'nan', { maxStepsThisRun: 2 });
  const file = path.join(runDir, 'checkpoint.safetensors');
  const { tensors, metadata } = readSafetensors(file);
  tensors.get('out.2.bias')!.data[0] = NaN;
  writeSafetensors(file, tensors, metadata);
  await expectRejects(train(out, 'nan', { resume: true }), /loadTrainCheckpoint: every value in .*checkpoint\.safetensors must be finite, but tensor 'out\.2\.bias' has 1 NaN and 0 ±Inf of 1 values: the run had diverged by step 2/);
  assert.not.ok(readMetrics(runDir).some((r) => r.event === 'collapse' || r.event === 'rollback'));
  assert.not.ok(fs.existsSync(path.join(runDir, 'train.lock')), 'the lock is released on an error');
});

test('saving a checkpoint with a non-finite weight writes nothing', async () => {
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 0);
  const optimizer = new AdamW({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const inf = tf.tensor1d([Infinity]);
  unet.params.get('out.2.bias')!.assign(inf);
  inf.dispose();
  const file = path.join(tempDir(), 'checkpoint.safetensors');
  const error = await saveTrainCheckpoint(file, unet, optimizer, { step: 3, rngState: 1, lrScale: 1, rollbacks: 0 }).then(() => null, (e: Error) => e);
  assert.ok(error instanceof NonFiniteCheckpointError, String(error));
  assert.match(error.message, /saveTrainCheckpoint: every value must be finite, but tensor 'out\.2\.bias' has 0 NaN and 1 ±Inf of 1 values after step 3; no checkpoint was written/);
  assert.equal(fs.readdirSync(path.dirname(file)), []);
  unet.dispose();
  optimizer.dispose();
});

test('requestStop ends the run after the current step: the last checkpoint stays, the lock is released, no model is written', async () => {
  const out = tempDir(), runDir = path.join(out, 'stop');
  let loop: TrainLoop | null = null;
  const progress = new Recorder((step) => { if (step === 3) loop?.requestStop('interrupted (test)'); });
  loop = new TrainLoop(tinyConfig(out, 'stop', 6), { skipValidation: true, progress });
  const summary = await loop.run();
  loop.dispose();
  assert.equal([summary.step, summary.stopped, summary.checkpointStep], [3, 'interrupted (test)', 2]);
  assert.not.ok(fs.existsSync(path.join(runDir, 'train.lock')));
  assert.not.ok(fs.existsSync(path.join(runDir, 'model')));
  parseMetricsJsonl(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8'));
  const { summary: resumed } = await train(out, 'stop', { resume: true, steps: 6 });
  assert.equal([resumed.step, resumed.stopped], [6, null]);
  assert.equal(trainSteps(runDir), [1, 2, 3, 4, 5, 6]);
});

test('LockHeldError is what a held folder throws', () => {
  const runDir = path.join(tempDir(), 'x');
  const held = openRunFolder(runDir);
  assert.throws(() => openRunFolder(runDir), (e: Error) => e instanceof LockHeldError);
  held.lock.release();
});

test.run();
