/** Shard assignment (--shard K/N), the shard folder (manifest, records, resume) and the checks of a shard set. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keysDigest, parseShardSpec, shardKeys } from '../../src/cluster/shard';
import { decodeRecord, encodeRecord, identityDifference, ShardIdentity, ShardStore } from '../../src/cluster/shard_store';
import { loadShardSet } from '../../src/cluster/shard_set';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-shard-'));
const KEYS = ['b', 'a', 'scene_10', 'scene_2', 'c-d', 'c.d', '42', '7', 'x'];

test('parseShardSpec reads K/N and rejects K ≥ N, N = 0 and other forms', () => {
  assert.equal(parseShardSpec('3/4', 'w'), { index: 3, count: 4 });
  assert.equal(parseShardSpec(' 0 / 1 ', 'w'), { index: 0, count: 1 });
  assert.throws(() => parseShardSpec('4/4', 'w'), /w: --shard K must be below N \(shards are numbered 0 … N−1\), but got '4\/4'/);
  assert.throws(() => parseShardSpec('0/0', 'w'), /--shard N must be at least 1/);
  for (const bad of ['1', '1/2/3', '-1/2', 'a/b', '1.5/4']) assert.throws(() => parseShardSpec(bad, 'w'), /--shard must be K\/N with integers/);
});

test('for every N the shards are disjoint, cover all keys and differ in size by at most one', () => {
  for (let n = 1; n <= KEYS.length + 2; n++) {
    const shards = Array.from({ length: n }, (_, k) => shardKeys(KEYS, { index: k, count: n }));
    const all = shards.flat();
    assert.is(all.length, KEYS.length, `N=${n}`);
    assert.equal([...all].sort(), [...KEYS].sort(), `N=${n}`);
    const sizes = shards.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `N=${n}: ${sizes}`);
  }
});

test('the assignment depends on the keys only, not on their order; each shard keeps the order given', () => {
  const reversed = [...KEYS].reverse();
  for (let k = 0; k < 3; k++) {
    const a = shardKeys(KEYS, { index: k, count: 3 }), b = shardKeys(reversed, { index: k, count: 3 });
    assert.equal([...a].sort(), [...b].sort());
    assert.equal(a, KEYS.filter((x) => a.includes(x)));
  }
  // sorted by code units: '42' < '7' < 'a' < 'b' < 'c-d' < 'c.d' < 'scene_10' < 'scene_2' < 'x'; rank r → shard r mod 2
  assert.equal(shardKeys([...KEYS].sort(), { index: 0, count: 2 }), ['42', 'a', 'c-d', 'scene_10', 'x']);
  assert.equal(keysDigest(KEYS), keysDigest(reversed));
  assert.throws(() => shardKeys(['a', 'b', 'a'], { index: 0, count: 2 }), /item keys must be unique, but 'a' occurs twice/);
});

const identity = (over: Partial<ShardIdentity> = {}): ShardIdentity => ({
  job: 'refine', count: 2, args: { images: 'im', masks: 'm', gt: null, model: null }, cwd: '/w',
  keys: keysDigest(['a', 'b', 'c']), model: 'aaaa', files: {}, options: { steps: 2 }, ...over,
});

test('records keep typed arrays and non-finite numbers; identityDifference names the field', () => {
  const value = { curve: Float64Array.from([0.1, 1 / 3]), f32: Float32Array.from([0.5]), nan: NaN, inf: -Infinity, n: null, s: 'x' };
  const back = decodeRecord<typeof value>(encodeRecord(value));
  assert.ok(back.curve instanceof Float64Array && back.curve[1] === 1 / 3);
  assert.ok(back.f32 instanceof Float32Array && Number.isNaN(back.nan) && back.inf === -Infinity && back.n === null);
  assert.is(identityDifference(identity(), identity({ args: { masks: 'm', images: 'im', model: null, gt: null } })), null); // key order does not matter
  assert.is(identityDifference(identity(), identity({ options: { steps: 3 } })), 'identity.options.steps: 2 vs 3');
  assert.is(identityDifference(identity(), identity({ model: 'bbbb' })), 'identity.model: "aaaa" vs "bbbb"');
});

test('a shard folder: records mark items done, a reopen resumes, another run or shard is refused', () => {
  const dir = path.join(tmp, 'store');
  const s = ShardStore.open(dir, { index: 0, count: 2 }, identity(), ['a', 'c']);
  assert.equal(s.pending(), ['a', 'c']);
  s.write('a', { v: 1 });
  assert.equal(s.finish().done, 1);
  const again = ShardStore.open(dir, { index: 0, count: 2 }, identity(), ['a', 'c']);
  assert.ok(again.has('a') && !again.has('c'));
  assert.equal(again.pending(), ['c']);
  assert.equal(again.read('a'), { v: 1 });
  again.write('c', { v: 3 });
  assert.equal(again.finish().complete, true);
  assert.throws(() => ShardStore.open(dir, { index: 0, count: 2 }, identity({ options: { steps: 1 } }), ['a', 'c']),
    /shard 0\/2: .*store must be empty or hold this shard of this run to resume it, but it holds another run \(identity\.options\.steps: 2 vs 1\)/);
  assert.throws(() => ShardStore.open(dir, { index: 1, count: 2 }, identity(), ['b']), /but it holds shard 0\/2/);
  fs.mkdirSync(path.join(tmp, 'busy'));
  fs.writeFileSync(path.join(tmp, 'busy', 'x.png'), 'x');
  assert.throws(() => ShardStore.open(path.join(tmp, 'busy'), { index: 0, count: 1 }, identity({ count: 1 }), ['a']), /has files and no manifest\.json/);
});

/** A complete run of n shards over keys a, b, c (optionally with a changed identity for one shard). */
function writeRun(name: string, n: number, change: { shard?: number; identity?: Partial<ShardIdentity>; skip?: string } = {}): string {
  const root = path.join(tmp, name);
  for (let k = 0; k < n; k++) {
    const id = identity({ count: n, ...(change.shard === k ? change.identity : {}) });
    const keys = shardKeys(['a', 'b', 'c'], { index: k, count: n });
    const s = ShardStore.open(path.join(root, `shard-${k}-of-${n}`), { index: k, count: n }, id, keys);
    for (const key of keys) if (key !== change.skip) s.write(key, { key });
    s.finish();
  }
  return root;
}

test('loadShardSet: a complete run loads; missing, doubled, mixed-N, other-run and incomplete shards are named', () => {
  const ok = loadShardSet([writeRun('ok', 2)]);
  assert.equal([...ok.owner.keys()].sort(), ['a', 'b', 'c']);
  const root = writeRun('gap', 3);
  fs.rmSync(path.join(root, 'shard-1-of-3'), { recursive: true });
  assert.throws(() => loadShardSet([root]), /merge: every shard 0 … 2 of 3 must be given, but 1\/3 is missing \(found shard-0-of-3, shard-2-of-3\)/);
  const twice = writeRun('twice', 2);
  fs.cpSync(path.join(twice, 'shard-1-of-2'), path.join(twice, 'copy'), { recursive: true });
  assert.throws(() => loadShardSet([twice]), /merge: shard 1\/2 must be given once, but it is both .*copy and .*shard-1-of-2/);
  assert.throws(() => loadShardSet([path.join(writeRun('n2', 2), 'shard-0-of-2'), path.join(writeRun('n3', 3), 'shard-1-of-3')]),
    /must come from one run of N shards, but shard 0\/2 .* and shard 1\/3 .* have different N/);
  assert.throws(() => loadShardSet([writeRun('model', 2, { shard: 1, identity: { model: 'bbbb' } })]),
    /merge: shard 1\/2 \(.*\) must come from the same run as shard 0\/2 \(.*\), but they differ in identity\.model: "aaaa" vs "bbbb"/);
  assert.throws(() => loadShardSet([writeRun('opts', 2, { shard: 1, identity: { options: { steps: 6 } } })]), /differ in identity\.options\.steps: 2 vs 6/);
  assert.throws(() => loadShardSet([writeRun('part', 2, { skip: 'c' })]), /merge: shard 0\/2 \(.*\) must be complete, but 1 of 2 items are done \(missing c\); run it again, it resumes/);
  assert.throws(() => loadShardSet([path.join(tmp, 'ok', 'shard-0-of-2', 'records')]), /must be a shard folder \(with manifest\.json\) or hold shard folders, but has none/);
});

test.run();
