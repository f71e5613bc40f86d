/** `segrefiner coarsen` end to end, as a subprocess through tsx (like cli.test.ts). */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileSeed } from '../../src/util/rng';
import { readBinaryMask, writeMaskPng } from '../../src/data/mask_io';
import type { BinaryMask } from '../../src/types';

const ROOT = path.join(__dirname, '..', '..');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(ROOT, 'src', 'cli', 'main.ts'), 'coarsen', ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-coarsen-'));
const make = (n: number, f: (x: number, y: number) => boolean): BinaryMask => {
  const data = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) data[y * n + x] = f(x, y) ? 1 : 0;
  return { data, height: n, width: n };
};
const disk = make(64, (x, y) => (x - 32) ** 2 + (y - 30) ** 2 < 20 ** 2);
const ring = make(64, (x, y) => { const r = Math.hypot(x - 32, y - 32); return r < 24 && r > 12; });

async function maskFolder(): Promise<string> {
  const dir = tmp();
  await writeMaskPng(disk, path.join(dir, 'disk.png'));
  await writeMaskPng(ring, path.join(dir, 'ring.png'));
  await writeMaskPng(make(16, () => false), path.join(dir, 'empty.png'));
  fs.writeFileSync(path.join(dir, 'README.txt'), 'not a mask');
  return dir;
}

test('writes one 0/255 PNG per mask under the same name, prints per-file IoU and the mean', async () => {
  const masks = await maskFolder(), out = path.join(tmp(), 'coarse');
  const r = cli(['--masks', masks, '--out', out, '--seed', '3']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(fs.readdirSync(out).sort(), ['disk.png', 'empty.png', 'ring.png']);
  assert.match(r.stdout, /disk\.png {2}IoU 0\.\d{4}/);
  assert.match(r.stdout, 'empty.png  IoU n/a (empty mask, copied)');
  assert.match(r.stdout, 'skipped README.txt (not a mask image file)');
  assert.match(r.stdout, /coarsened 3 of 3 masks into .* \(modify-boundary, seed 3\); mean IoU with the input 0\.\d{4} over 2 masks \(1 empty masks copied, not in the mean\)/);
  const coarse = await readBinaryMask(path.join(out, 'disk.png'));
  assert.equal([coarse.height, coarse.width], [64, 64]);
  assert.ok(coarse.data.some((v, i) => v !== disk.data[i]), 'the coarse mask differs from the input');
});

test('the same seed gives the same files, whatever else is in the folder; another seed differs', async () => {
  const masks = await maskFolder(), a = path.join(tmp(), 'a'), b = path.join(tmp(), 'b'), c = path.join(tmp(), 'c');
  const alone = tmp();
  fs.copyFileSync(path.join(masks, 'ring.png'), path.join(alone, 'ring.png'));
  assert.is(cli(['--masks', masks, '--out', a, '--seed', '5']).code, 0);
  assert.is(cli(['--masks', alone, '--out', b, '--seed', '5']).code, 0);
  assert.is(cli(['--masks', masks, '--out', c, '--seed', '6']).code, 0);
  const pixels = async (f: string) => Array.from((await readBinaryMask(f)).data);
  assert.equal(await pixels(path.join(a, 'ring.png')), await pixels(path.join(b, 'ring.png')));
  assert.not.equal(await pixels(path.join(a, 'ring.png')), await pixels(path.join(c, 'ring.png')));
  assert.is.not(fileSeed(5, 'ring.png'), fileSeed(5, 'disk.png'));
});

test('--expand fills the ring before coarsening', async () => {
  const masks = await maskFolder(), plain = path.join(tmp(), 'p'), expanded = path.join(tmp(), 'e');
  assert.is(cli(['--masks', masks, '--out', plain]).code, 0);
  const r = cli(['--masks', masks, '--out', expanded, '--expand']);
  assert.is(r.code, 0);
  assert.match(r.stdout, '(modify-boundary, seed 0, expand)');
  const inHole = async (f: string) => (await readBinaryMask(f)).data.filter((v, i) => v && Math.hypot((i % 64) - 32, Math.floor(i / 64) - 32) < 10).length;
  // (Plain coarsening can also fill part of the hole: a cut outer polygon leaves the hole polygon outside it.)
  assert.ok(await inHole(path.join(expanded, 'ring.png')) > await inHole(path.join(plain, 'ring.png')));
});

test('an unreadable mask is reported at the end with exit 1; the others are still written', async () => {
  const masks = await maskFolder(), out = path.join(tmp(), 'o');
  fs.writeFileSync(path.join(masks, 'broken.png'), 'not a png');
  const r = cli(['--masks', masks, '--out', out]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /1 file failed:\n {2}broken\.png: readBinaryMask: .*broken\.png must be a readable mask image/);
  assert.match(r.stdout, 'coarsened 3 of 4 masks');
  assert.equal(fs.readdirSync(out).sort(), ['disk.png', 'empty.png', 'ring.png']);
});

test('usage errors (exit 2) and folder errors (exit 1)', () => {
  const empty = tmp();
  fs.writeFileSync(path.join(empty, 'notes.md'), '');
  let r = cli(['--masks', empty, '--out', path.join(tmp(), 'x')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `--masks ${empty} must contain mask images (.jpg .jpeg .png .webp .tif .tiff), but it has none (1 other entries)`);
  r = cli(['--masks', '/no/such/folder', '--out', path.join(tmp(), 'x')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, '--masks /no/such/folder must be a readable folder');
  r = cli(['--out', tmp()]);
  assert.is(r.code, 2);
  assert.match(r.stderr, 'segrefiner coarsen: --masks <dir> is required.');
  r = cli(['--masks', empty, '--out', tmp(), '--seed', 'abc']);
  assert.is(r.code, 2);
  assert.match(r.stderr, "--seed must be an integer in [0, 4294967295], but got 'abc'");
  r = cli(['--masks', empty, '--out', empty]);
  assert.is(r.code, 2);
  assert.match(r.stderr, '--out must differ from --masks');
  r = cli(['--masks', empty, '--out', tmp(), '--kind', 'wobble']);
  assert.is(r.code, 2);
  assert.match(r.stderr, "--kind must be one of modify-boundary, low-res, band, blur, thin-parts, blobs, shift, simplify, train, gentle, but got 'wobble'");
  r = cli(['--masks', empty, '--out', tmp(), '--kind', 'band', '--severity', '2']);
  assert.is(r.code, 2);
  assert.match(r.stderr, "--severity must be a number in [0, 1], but got '2'");
  r = cli(['--masks', empty, '--out', tmp(), '--kind', 'gentle', '--severity', '0.2']);
  assert.is(r.code, 2);
  assert.match(r.stderr, "--severity applies to a single --kind, but 'gentle' is a mix");
  r = cli(['--masks', empty, '--out', tmp(), '--kind', 'band', '--expand']);
  assert.is(r.code, 2);
  assert.match(r.stderr, '--expand applies to --kind modify-boundary only');
});

test('--kind and --severity: a degradation at a severity, or a named mix; the same seed gives the same files', async () => {
  const masks = await maskFolder();
  const a = path.join(tmp(), 'a'), b = path.join(tmp(), 'b'), g = path.join(tmp(), 'g');
  const r = cli(['--masks', masks, '--out', a, '--kind', 'shift', '--severity', '0.8']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, '(shift at severity 0.8, seed 0)');
  cli(['--masks', masks, '--out', b, '--kind', 'shift', '--severity', '0.8']);
  assert.equal(fs.readFileSync(path.join(a, 'disk.png')), fs.readFileSync(path.join(b, 'disk.png')));
  const gentle = cli(['--masks', masks, '--out', g, '--kind', 'gentle']);
  assert.is(gentle.code, 0, gentle.stderr);
  assert.match(gentle.stdout, /\(gentle, seed 0\); mean IoU with the input 0\.(8|9)\d{3}/);
});

test.run();
