/**
 * Atomic writes (issue 15): a reader never sees a torn file while another process rewrites it, and a
 * failed write leaves neither a changed target nor a temp file.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBinaryMask, writeMaskPng } from '../../src/data/mask_io';
import { writeFileAtomic } from '../../src/util/atomic_write';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-atomic-'));
const ROOT = path.join(__dirname, '..', '..');

test('a failed write keeps the old content and leaves no temp file', () => {
  const file = path.join(dir, 'keep.txt');
  writeFileAtomic(file, 'old');
  const failing = { [Symbol.iterator]: function* () { yield Buffer.from('new, half'); throw new Error('disk full'); } } as unknown as Uint8Array[];
  assert.throws(() => writeFileAtomic(file, failing), /disk full/);
  assert.is(fs.readFileSync(file, 'utf8'), 'old');
  assert.equal(fs.readdirSync(dir).filter((f) => f.startsWith('keep.txt')), ['keep.txt']);
});

test('a reader never sees a torn mask PNG while another process rewrites it', async () => {
  const file = path.join(dir, 'mask.png');
  // the writer alternates two different 256×256 masks (a full one and a half one), 150 times each
  const writer = `
    const { writeMaskPng } = require('./src/data/mask_io');
    (async () => {
      const n = 256 * 256, full = new Uint8Array(n).fill(1), half = new Uint8Array(n).map((_, i) => (i < n / 2 ? 1 : 0));
      for (let k = 0; k < 300; k++) await writeMaskPng({ data: k % 2 ? half : full, height: 256, width: 256 }, ${JSON.stringify(file)});
      console.log('done');
    })();`;
  await writeMaskPng({ data: new Uint8Array(256 * 256).fill(1), height: 256, width: 256 }, file);
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', writer], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let finished = false;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => { finished = true; resolve(code); }));
  let reads = 0;
  while (!finished) {
    const mask = await readBinaryMask(file); // a torn file would fail to decode or give another count
    const fg = mask.data.reduce((s, v) => s + v, 0);
    assert.ok(fg === 256 * 256 || fg === 128 * 256, `read ${reads}: ${fg} foreground pixels`);
    reads++;
  }
  assert.is(await exited, 0);
  assert.ok(reads > 10, `${reads} reads`);
  assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temp file left');
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
