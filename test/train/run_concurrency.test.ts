/**
 * Issue 15, run folders: two trainer processes on one run folder. The second (fresh or --resume) is
 * refused with a message naming the folder and the first one's pid, and the first finishes as if
 * alone. (A stale lock left by a killed trainer is taken over: run_faults.test.ts, at every resume.)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readHolder } from '../../src/util/file_lock';
import { listFiles, readMetrics, runTrainer, startTrainer, tinyRunFlags, trainSteps, waitFor } from '../helpers/trainer';

test('a second trainer on a folder in use is refused; the first is unaffected', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-concurrent-'));
  const runDir = path.join(out, 'run'), go = path.join(out, 'go');
  // the first trainer pauses after its step-3 record (checkpoint at 2 written) until `go` exists
  const first = startTrainer(tinyRunFlags(out, 'run', 6), { crash: `hold-after-train-record:3:${go}` });
  try {
    await waitFor('the first trainer to reach step 3', () => (trainSteps(runDir).includes(3) ? true : undefined));
    const holder = readHolder(path.join(runDir, 'train.lock'));
    assert.ok(holder !== null && holder !== 'unreadable' && holder.pid === first.child.pid, 'the first trainer holds the lock');
    const config = fs.readFileSync(path.join(runDir, 'config.json'), 'utf8');
    const before = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');

    for (const args of [tinyRunFlags(out, 'run', 6), ['--resume', runDir]]) {
      const second = await runTrainer(args);
      assert.is(second.code, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`segrefiner train: checkFileLock: the run folder ${runDir} must not be in use by another process, but its lock .*train\\.lock is held by pid ${first.child.pid} on host .*that process is still running`));
    }
    assert.is(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8'), before, 'the refused trainers wrote nothing to the log');
    assert.is(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'), config);
  } finally {
    fs.writeFileSync(go, '');
  }
  const exit = await first.exited;
  assert.is(exit.code, 0, exit.stderr);
  assert.equal(trainSteps(runDir), [1, 2, 3, 4, 5, 6]);
  assert.equal(readMetrics(runDir).filter((r) => r.event === 'checkpoint').map((r) => r.step), [2, 4, 6]);
  assert.equal(listFiles(runDir).filter((f) => /\.tmp-|train\.lock/.test(f)), []);
});

test.run();
