import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBinaryMask, readPngPaletteIndices, writeMaskPng, writeProbabilityPng } from '../../src/data/mask_io';
import { encodePng } from '../helpers/png';
import { expectRejects } from '../helpers/rejects';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-mask-io-'));
const file = (name: string) => path.join(dir, name);

const maskOf = async (name: string, png: Buffer) => {
  fs.writeFileSync(file(name), png);
  const m = await readBinaryMask(file(name));
  return [m.height, m.width, Array.from(m.data)];
};

test('8-bit greyscale: foreground is value > 128', async () => {
  assert.equal(await maskOf('g8.png', encodePng(4, 1, 0, 8, [[0, 128, 129, 255]])), [1, 4, [0, 0, 1, 1]]);
});

test('16-bit greyscale: foreground is value > 128·257 = 32896 (big-endian samples)', async () => {
  const be = (v: number) => [v >> 8, v & 255];
  assert.equal(await maskOf('g16.png', encodePng(4, 1, 0, 16, [[...be(0), ...be(32896), ...be(32897), ...be(65535)]])), [1, 4, [0, 0, 1, 1]]);
});

test('1-bit greyscale expands 1 → 255', async () => {
  assert.equal(await maskOf('g1.png', encodePng(3, 1, 0, 1, [[0b01000000]])), [1, 3, [0, 1, 0]]);
});

test('palette PNG with grey entries reads as greyscale; with colour entries as an index mask (index ≠ 0)', async () => {
  // Palette 0 black, 1 white, 2 grey 100: grey values 0, 255, 100 → > 128 only for index 1.
  assert.equal(await maskOf('pal_grey.png', encodePng(3, 1, 3, 8, [[0, 1, 2]], [[0, 0, 0], [255, 255, 255], [100, 100, 100]])), [1, 3, [0, 1, 0]]);
  // DAVIS-style palette (0 black, 1 dark red, 2 dark green), 2-bit packed: indices 0 1 2 0 | 2 2 0 1.
  const pal = [[0, 0, 0], [128, 0, 0], [0, 128, 0]];
  const png = encodePng(4, 2, 3, 2, [[0b00011000], [0b10100001]], pal);
  assert.equal(await maskOf('pal_colour.png', png), [2, 4, [0, 1, 1, 0, 1, 1, 0, 1]]);
  assert.equal(Array.from(readPngPaletteIndices(png, 'x.png').indices), [0, 1, 2, 0, 2, 2, 0, 1]);
});

test('a colour palette whose colour 0 is not black is ambiguous and rejected, not read inverted', async () => {
  // white at index 0, red at index 1: by index the red pixels are the object, by brightness the white
  // ones are; the two readings are each other's inverse, so neither is safe
  const png = encodePng(3, 1, 3, 8, [[0, 1, 0]], [[255, 255, 255], [200, 0, 0]]);
  fs.writeFileSync(file('pal_white0.png'), png);
  await expectRejects(readBinaryMask(file('pal_white0.png')), /pal_white0\.png must be a readable mask image, but it is a colour palette PNG whose colour 0 is \(255, 255, 255\), not black/);
});

test('RGB masks with equal channels read as greyscale; differing channels are an error naming the pixel', async () => {
  assert.equal(await maskOf('rgb_grey.png', encodePng(2, 1, 2, 8, [[200, 200, 200, 50, 50, 50]])), [1, 2, [1, 0]]);
  fs.writeFileSync(file('rgb_colour.png'), encodePng(2, 1, 2, 8, [[0, 0, 0, 200, 0, 0]]));
  await expectRejects(readBinaryMask(file('rgb_colour.png')), /rgb_colour\.png must be a readable mask image, but its colour channels differ at pixel \(1, 0\)/);
});

test('an alpha channel must be opaque', async () => {
  assert.equal(await maskOf('ga_opaque.png', encodePng(2, 1, 4, 8, [[255, 255, 0, 255]])), [1, 2, [1, 0]]);
  fs.writeFileSync(file('ga.png'), encodePng(2, 1, 4, 8, [[0, 255, 0, 0]]));
  await expectRejects(readBinaryMask(file('ga.png')), /ga\.png must be a readable mask image, but it has a non-opaque alpha channel \(pixel \(1, 0\)\)/);
});

test('unreadable and truncated files are errors naming the file', async () => {
  fs.writeFileSync(file('broken.png'), 'not a png');
  await expectRejects(readBinaryMask(file('broken.png')), /readBinaryMask: .*broken\.png must be a readable mask image, but reading failed/);
  fs.writeFileSync(file('cut.png'), encodePng(64, 64, 0, 8, Array.from({ length: 64 }, (_, y) => Array.from({ length: 64 }, (_, x) => (x * y) & 255))).subarray(0, 90));
  await expectRejects(readBinaryMask(file('cut.png')), /cut\.png must be a readable mask image, but reading failed/);
  await expectRejects(readBinaryMask(file('missing.png')), /missing\.png must be a readable mask image/);
});

test('writeMaskPng writes 0/255 greyscale that reads back the same', async () => {
  const mask = { data: Uint8Array.from([0, 1, 1, 0, 1, 0]), height: 2, width: 3 };
  await writeMaskPng(mask, file('w.png'));
  assert.is((await sharp(file('w.png')).metadata()).channels, 1);
  const { data } = await sharp(file('w.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  assert.equal(Array.from(data), [0, 255, 255, 0, 255, 0]);
  assert.equal(Array.from((await readBinaryMask(file('w.png'))).data), Array.from(mask.data));
});

test('writeProbabilityPng writes round(p·255) and rejects values outside [0, 1]', async () => {
  await writeProbabilityPng(Float32Array.from([0, 0.5, 0.2, 1]), 2, 2, file('p.png'));
  const { data } = await sharp(file('p.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  assert.equal(Array.from(data), [0, 128, 51, 255]); // 127.5 → 128, 51 → 51
  await expectRejects(writeProbabilityPng([0, NaN], 1, 2, file('bad.png')), /writeProbabilityPng: probs must lie in \[0, 1\], but got NaN at pixel \(1, 0\)/);
  await expectRejects(writeProbabilityPng([0, 1], 1, 3, file('bad.png')), /writeProbabilityPng: probs must hold height·width = 3 values, but got 2/);
  await expectRejects(writeMaskPng({ data: new Uint8Array(1), height: 1, width: 1 }, path.join(file('p.png'), 'm.png')), /writeMaskPng: .*m\.png must be writable/);
  await expectRejects(writeMaskPng({ data: new Uint8Array(1), height: 1, width: 1 }, file('m.jpg')), /writeMaskPng: the file name must end in \.png \(a PNG is written\), but got .*m\.jpg/);
  assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temp file left behind');
});

test.run();
