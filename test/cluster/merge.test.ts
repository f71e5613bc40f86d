/**
 * Sharded runs merged equal single runs, with a tiny random model in this process (`main`, output
 * captured): refine (mask bytes and the metrics table), refine-coco (JSON bytes), eval (report JSON
 * bytes), ablate (every number but the wall times). A rerun skips what is done; bad shard sets fail
 * with errors naming the shard; K ≥ N is a usage error.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { saveModelDir } from '../../src/model/checkpoint/model_dir';
import { CPU_UNET_CONFIG } from '../../src/model/config';
import { DenoiseUNet } from '../../src/model/unet';
import { useTestBackend } from '../helpers/backend';
import { SyntheticSet, writeSyntheticSet } from './synthetic_set';
import { cliInProcess } from '../helpers/cli_in_process';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-merge-'));
const at = (...p: string[]) => path.join(tmp, ...p);
const model = at('model'), otherModel = at('model-2');
let set: SyntheticSet;

const cli = cliInProcess;

async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  assert.is(r.code, 0, r.out);
  return r.out;
}

/** Runs shards 0 … n−1 of a job, each into <root>/shard-K-of-N. */
async function shards(root: string, n: number, args: string[]): Promise<void> {
  for (let k = 0; k < n; k++) await ok([...args, '--shard', `${k}/${n}`, '--out', path.join(root, `shard-${k}-of-${n}`)]);
}

const bytes = (f: string) => fs.readFileSync(f);
const tableOf = (text: string) => /\d+ images? with ground truth\n(?:.*\n?){5}/.exec(text)?.[0].trim();

test.before(async () => {
  await useTestBackend();
  for (const [dir, seed] of [[model, 2], [otherModel, 3]] as const) {
    const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, seed);
    await saveModelDir(dir, unet, { imageSize: 32, diffusion: { numTimesteps: 6, schedule: 'linear', start: 0.8, stop: 0 } });
    unet.dispose();
  }
  set = await writeSyntheticSet(at('set'), 5, 48);
});

const refineArgs = () => ['refine', '--images', set.images, '--masks', set.coarse, '--gt', set.gt, '--model', model, '--steps', '2', '--min-area', '0'];

test('refine: 3 shards merged = one run (mask bytes, metrics table); a rerun skips what is done', async () => {
  const single = await ok([...refineArgs(), '--out', at('refine-single')]);
  await shards(at('refine-shards'), 3, refineArgs());
  const merged = await ok(['merge', '--in', at('refine-shards'), '--out', at('refine-merged')]);
  assert.equal(fs.readdirSync(at('refine-merged')), set.stems.map((s) => `${s}.png`));
  for (const s of set.stems) assert.ok(bytes(at('refine-single', `${s}.png`)).equals(bytes(at('refine-merged', `${s}.png`))), s);
  assert.is(tableOf(merged), tableOf(single));
  assert.match(merged, /merged 3 shards: 5 masks/);
  // a complete shard run again does nothing; with one record gone it redoes that image only
  const again = await ok([...refineArgs(), '--shard', '0/3', '--out', at('refine-shards', 'shard-0-of-3')]);
  assert.match(again, /shard 0\/3: 2 of 5 items, 2 done before \(skipped\)/);
  assert.match(again, /refined 0\/0/);
  fs.rmSync(at('refine-shards', 'shard-0-of-3', 'records', `${set.stems[3]}.json`));
  const resumed = await ok([...refineArgs(), '--shard', '0/3', '--out', at('refine-shards', 'shard-0-of-3')]);
  assert.match(resumed, new RegExp(`1 done before \\(skipped\\)[\\s\\S]*\\[1/1\\] ${set.stems[3]}: `));
});

test('refine-coco: 2 shards merged = one run, byte for byte; merge --coco-gt prints AP', async () => {
  const args = ['refine-coco', '--images', set.images, '--results', set.cocoResults, '--annotations', set.cocoGt, '--model', model, '--steps', '2', '--min-area', '0'];
  await ok([...args, '--out', at('coco-single.json')]);
  await shards(at('coco-shards'), 2, args);
  const merged = await ok(['merge', '--in', at('coco-shards', 'shard-1-of-2'), '--in', at('coco-shards', 'shard-0-of-2'), '--out', at('coco-merged.json'), '--coco-gt', set.cocoGt]);
  assert.ok(bytes(at('coco-single.json')).equals(bytes(at('coco-merged.json'))));
  assert.match(merged, /merged 2 shards: 5 masks on 5 images/);
  assert.match(merged, /AP50 +[\d.]+/);
});

test('eval: 3 shards merged = one run: the report JSON (means, ΣI/ΣU, mBA, DIS curves) byte for byte', async () => {
  const args = ['eval', '--pred', set.coarse, '--gt', set.gt, '--coarse', set.coarse, '--dis'];
  const single = await ok([...args, '--out', at('eval-single.json')]);
  await shards(at('eval-shards'), 3, args);
  const merged = await ok(['merge', '--in', at('eval-shards'), '--out', at('eval-merged.json')]);
  assert.ok(bytes(at('eval-single.json')).equals(bytes(at('eval-merged.json'))));
  assert.ok(merged.startsWith(single.split('\nwrote')[0]), merged);
});

test('ablate: 2 shards merged = one run (mean ± std over the merged seeds); wall times aside', async () => {
  const args = ['ablate', '--model', model, '--scenes', '1', '--seeds', '2'];
  await ok([...args, '--out', at('ablate-single.json')]);
  await shards(at('ablate-shards'), 2, args);
  await ok(['merge', '--in', at('ablate-shards'), '--out', at('ablate-merged.json')]);
  const strip = (f: string) => JSON.stringify(JSON.parse(fs.readFileSync(f, 'utf8'), (k, v) => (k === 'msPerRefinement' ? undefined : v)));
  assert.is(strip(at('ablate-merged.json')), strip(at('ablate-single.json')));
  const r = JSON.parse(fs.readFileSync(at('ablate-merged.json'), 'utf8'));
  assert.is(r.variants.length, 11);
  assert.equal(r.variants[0].iou.perSeed.length, 2);
});

test('merge errors name the shard: missing, another model, other options; K ≥ N is a usage error', async () => {
  const refine = refineArgs();
  await shards(at('bad'), 2, refine);
  fs.renameSync(at('bad', 'shard-1-of-2'), at('bad-1'));
  let r = await cli(['merge', '--in', at('bad'), '--out', at('bad-out')]);
  assert.is(r.code, 1);
  assert.match(r.out, /segrefiner merge: merge: every shard 0 … 1 of 2 must be given, but 1\/2 is missing/);
  await ok([...refine.map((a) => (a === model ? otherModel : a)), '--shard', '1/2', '--out', at('bad', 'z-other-model')]);
  r = await cli(['merge', '--in', at('bad'), '--out', at('bad-out')]);
  assert.match(r.out, /shard 1\/2 \(.*z-other-model\) must come from the same run as shard 0\/2 \(.*\), but they differ in identity\.args\.model/);
  await ok([...refine, '--steps', '3', '--shard', '1/2', '--out', at('bad-2', 'steps-3')]);
  r = await cli(['merge', '--in', at('bad', 'shard-0-of-2'), '--in', at('bad-2'), '--out', at('bad-out')]);
  assert.match(r.out, /differ in identity\.options\.steps: 2 vs 3/);
  r = await cli(['merge', '--in', at('bad', 'shard-0-of-2'), '--in', at('bad-1'), '--in', at('bad-1'), '--out', at('bad-out')]);
  assert.match(r.out, /shard 1\/2 must be given once/);
  r = await cli([...refine, '--shard', '2/2', '--out', at('bad-3')]);
  assert.is(r.code, 2);
  assert.match(r.out, /segrefiner refine: --shard K must be below N \(shards are numbered 0 … N−1\), but got '2\/2'/);
  r = await cli(['eval', '--coco-gt', set.cocoGt, '--coco-results', set.cocoResults, '--shard', '0/2']);
  assert.is(r.code, 2);
  assert.match(r.out, /--shard works in folder mode only/);
});

test.run();
