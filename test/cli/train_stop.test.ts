/**
 * Issue 15, stopping a trainer: SIGTERM and SIGINT end the run after the current step (last
 * checkpoint kept, lock released, exit 143/130 with a message), and a trainer whose npm launcher is
 * killed with SIGKILL stops on its own instead of training on unseen.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readHolder } from '../../src/util/file_lock';
import { isProcessAlive, readProcStat } from '../../src/util/process_info';
import { collectExit, readMetrics, startTrainer, tinyRunFlags, trainSteps, waitFor } from '../helpers/trainer';

const ROOT = path.join(__dirname, '..', '..');
const MANY = 100_000; // steps no test run reaches: only a stop ends it

function checkpointSteps(runDir: string): number[] {
  return readMetrics(runDir).filter((r) => r.event === 'checkpoint').map((r) => r.step as number);
}

const STOPPED = /stopped at step (\d+) in .*; its last checkpoint \(step (\d+)\) is kept: continue with --resume /;

test('SIGTERM, then SIGINT on the resumed run: each stops after a step with exit 143 / 130, keeps the checkpoint and releases the lock', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-stop-'));
  const runDir = path.join(out, 'run');
  let resumedFrom = 0;
  for (const [signal, code, args] of [['SIGTERM', 143, tinyRunFlags(out, 'run', MANY)], ['SIGINT', 130, ['--resume', runDir]]] as const) {
    const trainer = startTrainer([...args]);
    try {
      await waitFor('a new checkpoint', () => (checkpointSteps(runDir).some((s) => s > resumedFrom) ? true : undefined));
    } finally {
      trainer.child.kill(signal);
    }
    const exit = await trainer.exited;
    assert.is(exit.code, code, exit.stderr);
    assert.match(exit.stderr, signal === 'SIGTERM' ? /terminated \(SIGTERM\): stopping after the current step/ : /interrupted \(SIGINT\): stopping after the current step/);
    const match = STOPPED.exec(exit.stderr);
    assert.ok(match, exit.stderr);
    const [, stoppedAt, kept] = match;
    assert.is(Number(kept), Math.max(...checkpointSteps(runDir)));
    assert.is(Math.max(...trainSteps(runDir)), Number(stoppedAt), 'the step in progress was finished and logged');
    assert.not.ok(fs.existsSync(path.join(runDir, 'train.lock')), 'the lock is released');
    resumedFrom = Number(kept);
  }
  const resumes = readMetrics(runDir).filter((r) => r.event === 'resume');
  assert.is(resumes.length, 1);
});

test('kill -9 on an npm-style launcher (npm → sh -c → node): the trainer notices and stops, releasing the lock', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-launcher-'));
  const runDir = path.join(out, 'run');
  const command = [process.execPath, '-r', 'tsx/cjs', path.join(ROOT, 'src', 'cli', 'main.ts'), 'train', ...tinyRunFlags(out, 'run', MANY)].map((a) => `'${a}'`).join(' ');
  // like `npm exec`: a node process that runs the command through `sh -c`, with npm's environment marker
  const launcherScript = `require('child_process').spawn('sh', ['-c', ${JSON.stringify(command)}], { stdio: 'inherit' }).on('exit', (c) => process.exit(c ?? 1));`;
  const launcher = spawn(process.execPath, ['-e', launcherScript], { cwd: ROOT, env: { ...process.env, npm_command: 'exec' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collectExit(launcher); // the pipes stay open until the trainer, which shares them, exits
  const lockFile = path.join(runDir, 'train.lock');
  let trainerPid = 0;
  try {
    await waitFor('a checkpoint', () => (checkpointSteps(runDir).length > 0 ? true : undefined));
    const holder = readHolder(lockFile);
    assert.ok(holder !== null && holder !== 'unreadable');
    trainerPid = holder.pid;
    const parent = readProcStat(trainerPid);
    if (parent) assert.is(readProcStat(parent.ppid)?.comm, 'sh', 'the trainer runs under sh -c, as npm starts it');
    launcher.kill('SIGKILL');
    await waitFor('the trainer to exit after its launcher died', () => (isProcessAlive(trainerPid) ? undefined : true), 120_000);
  } finally {
    if (trainerPid && isProcessAlive(trainerPid)) process.kill(trainerPid, 'SIGKILL'); // a failed test leaves no trainer behind
  }
  const { stderr } = await output;
  assert.match(stderr, /its launcher died \(process \d+, node, of the npm chain that started it\): stopping after the current step/);
  assert.match(stderr, STOPPED);
  assert.not.ok(fs.existsSync(lockFile), 'the lock is released');
});

test.run();
