import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IMAGE_MEAN, IMAGE_STD, normalizeImage, readImage, readImageSize } from '../../src/data/image_io';
import { expectRejects } from '../helpers/rejects';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-image-io-'));
const file = (name: string) => path.join(dir, name);
const raw = (data: number[], width: number, height: number, channels: 1 | 2 | 3 | 4) =>
  sharp(Buffer.from(data), { raw: { width, height, channels } });

test('PNG, lossless WebP and TIFF read back as exact HWC RGB', async () => {
  const px = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]; // 2 rows × 3 pixels
  await raw(px, 3, 2, 3).png().toFile(file('a.png'));
  await raw(px, 3, 2, 3).webp({ lossless: true }).toFile(file('a.webp'));
  await raw(px, 3, 2, 3).tiff({ compression: 'lzw' }).toFile(file('a.tiff'));
  for (const name of ['a.png', 'a.webp', 'a.tiff']) {
    const img = await readImage(file(name));
    assert.equal([img.height, img.width, Array.from(img.data)], [2, 3, px], name);
  }
});

test('greyscale is copied to three channels and alpha is dropped', async () => {
  await raw([7, 200], 2, 1, 1).png().toFile(file('g.png'));
  assert.equal(Array.from((await readImage(file('g.png'))).data), [7, 7, 7, 200, 200, 200]);
  await raw([1, 2, 3, 0, 4, 5, 6, 128], 2, 1, 4).png().toFile(file('rgba.png'));
  assert.equal(Array.from((await readImage(file('rgba.png'))).data), [1, 2, 3, 4, 5, 6]);
});

test('the EXIF orientation is applied (orientation 6: rotate 90° clockwise, so 3×2 becomes 2×3)', async () => {
  const px = Array.from({ length: 2 * 3 * 3 }, (_, i) => (i * 37) % 256);
  await raw(px, 3, 2, 3).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(file('rot.jpg'));
  const img = await readImage(file('rot.jpg'));
  assert.equal([img.height, img.width, img.data.length], [3, 2, 18]);
  assert.equal(await readImageSize(file('rot.jpg')), { height: 3, width: 2 });
});

test('unreadable, truncated and missing files are errors naming the file', async () => {
  fs.writeFileSync(file('notes.jpg'), 'hello');
  await expectRejects(readImage(file('notes.jpg')), /readImage: .*notes\.jpg must be a readable image \(JPEG, PNG, WebP or TIFF\), but reading failed/);
  await raw(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7) % 256), 64, 64, 3).jpeg().toFile(file('full.jpg'));
  fs.writeFileSync(file('cut.jpg'), fs.readFileSync(file('full.jpg')).subarray(0, 400));
  await expectRejects(readImage(file('cut.jpg')), /readImage: .*cut\.jpg must be a readable image/);
  await expectRejects(readImageSize(file('nothing.png')), /readImageSize: .*nothing\.png must be a readable image/);
});

test('normalizeImage: (v − mean)/std per channel, RGB order', () => {
  const out = normalizeImage({ data: Uint8Array.from([0, 0, 0, 255, 116, 104]), height: 1, width: 2 });
  // 0 → −123.675/58.395 = −2.1179, −116.28/57.12 = −2.0357, −103.53/57.375 = −1.8044;
  // 255 → 131.325/58.395 = 2.2489; 116 → −0.28/57.12 = −0.0049; 104 → 0.47/57.375 = 0.0082.
  const want = [-2.117904, -2.035714, -1.804444, 2.248908, -0.004902, 0.008192];
  out.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `${i}: ${v}`));
  assert.equal([IMAGE_MEAN, IMAGE_STD], [[123.675, 116.28, 103.53], [58.395, 57.12, 57.375]]);
  assert.throws(() => normalizeImage({ data: new Uint8Array(5), height: 1, width: 2 }), /normalizeImage: img\.data must hold height·width·3 = 6 values, but got 5/);
});

test.run();
