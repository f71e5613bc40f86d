/** COCO / LVIS JSON loading: every segmentation form, defaults, and errors that name the annotation. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCocoGroundTruth, parseCocoResults, readCocoGroundTruth, readCocoResults } from '../../src/data/coco_json';
import { decodeRle, rleArea } from '../../src/util/coco_rle';
import { expectRejects } from '../helpers/rejects';

const images = [{ id: 7, height: 4, width: 4, file_name: 'a.jpg' }, { id: 9, height: 3, width: 3 }];
const categories = [{ id: 1, name: 'cat' }];
// The 2×2 block at rows 1..2, cols 1..2 of a 4×4 image, three ways (pycocotools gives b'52203' for all).
const SQUARE_POLY = [[0.5, 0.5, 2.5, 0.5, 2.5, 2.5, 0.5, 2.5]];
const SQUARE_COUNTS = [5, 2, 2, 2, 5];
const gtJson = () => ({
  images, categories,
  annotations: [
    { id: 1, image_id: 7, category_id: 1, segmentation: SQUARE_POLY, area: 4, iscrowd: 0 },
    { id: 2, image_id: 7, category_id: 1, segmentation: { size: [4, 4], counts: SQUARE_COUNTS }, area: 3.5, iscrowd: 1 },
    { id: 3, image_id: 9, category_id: 1, segmentation: { size: [3, 3], counts: '052M' } }, // LVIS style: no area, no iscrowd
  ],
});

test('polygons, uncompressed and compressed RLE all become the same kind of RLE', () => {
  const gt = parseCocoGroundTruth(gtJson(), 'gt.json');
  assert.equal(gt.images.map((im) => [im.id, im.height, im.width, im.fileName]), [[7, 4, 4, 'a.jpg'], [9, 3, 3, undefined]]);
  const [a, b, c] = gt.annotations;
  assert.equal(Array.from(a.segmentation.counts), SQUARE_COUNTS);
  assert.equal(Array.from(decodeRle(a.segmentation).data), Array.from(decodeRle(b.segmentation).data));
  assert.equal([a.area, a.iscrowd, b.area, b.iscrowd], [4, false, 3.5, true]); // the JSON area is kept as is
  // '052M' = [0, 5, 2, 2]: 5 + 2 = 7 foreground pixels; missing area → mask area, missing iscrowd → not crowd.
  assert.equal([c.area, c.iscrowd, c.ignore, rleArea(c.segmentation)], [7, false, false, 7]);
});

test('several polygons of one object are merged', () => {
  const json = gtJson();
  json.annotations = [{ id: 4, image_id: 7, category_id: 1, segmentation: [...SQUARE_POLY, [2.5, 2.5, 3.5, 2.5, 3.5, 3.5, 2.5, 3.5]], area: 5, iscrowd: 0 }];
  assert.is(rleArea(parseCocoGroundTruth(json, 'gt.json').annotations[0].segmentation), 5); // 4 + the pixel (3,3)
});

test('a bad segmentation is an error naming the file and the annotation id', () => {
  const bad = (segmentation: unknown) => {
    const json = gtJson();
    json.annotations = [{ id: 42, image_id: 7, category_id: 1, segmentation: segmentation as never, area: 1, iscrowd: 0 }];
    return () => parseCocoGroundTruth(json, 'gt.json');
  };
  assert.throws(bad([[1, 1, 2, 2, 3]]), /gt.json: annotation id 42: polygon #0 must have an even number of coordinates, but got 5/);
  assert.throws(bad([[1, 1, 2, 2]]), /annotation id 42: polygon #0 must have at least 6 coordinates/);
  assert.throws(bad({ size: [3, 4], counts: [16] }), /annotation id 42: RLE size must be the image size 4×4, but got 3×4/);
  assert.throws(bad({ size: [4, 4], counts: [3, 4] }), /annotation id 42: .*must sum to height·width = 4·4 = 16, but sum to 7/);
  assert.throws(bad({ size: [4, 4], counts: 'X' }), /annotation id 42: .*must not end inside a value/);
  assert.throws(bad({ size: [4, 4], counts: [1.5] }), /annotation id 42: RLE 'counts' must be a string or a list of non-negative integers/);
  assert.throws(bad('polygon'), /annotation id 42: 'segmentation' must be polygons or an RLE object/);
});

test('annotations must point at an image of the file', () => {
  const json = gtJson();
  json.annotations[0].image_id = 8;
  assert.throws(() => parseCocoGroundTruth(json, 'gt.json'), /gt.json: annotation id 1: image_id must name an image of the file, but got 8/);
  assert.throws(() => parseCocoGroundTruth([], 'gt.json'), /must be an object with images, categories and annotations, but got a list/);
});

test('results: ids by position, mask area, or box area when the first result has a bbox (loadRes)', () => {
  const gt = parseCocoGroundTruth(gtJson(), 'gt.json');
  const seg = { size: [4, 4], counts: '52203' };
  const plain = parseCocoResults([{ image_id: 7, category_id: 1, segmentation: seg, score: 0.9 }, { image_id: 9, category_id: 1, segmentation: [[0, 0, 2, 0, 2, 2]], score: 0.5 }], gt, 'res.json');
  assert.equal(plain.map((d) => [d.id, d.imageId, d.area, d.score]), [[1, 7, 4, 0.9], [2, 9, rleArea(plain[1].segmentation), 0.5]]);
  const boxed = parseCocoResults([{ image_id: 7, category_id: 1, segmentation: seg, score: 0.9, bbox: [1, 1, 3, 2] }], gt, 'res.json');
  assert.is(boxed[0].area, 6); // 3 · 2, as pycocotools' bbox branch of loadRes
});

test('results on an unknown image or with a wrong size name the result', () => {
  const gt = parseCocoGroundTruth(gtJson(), 'gt.json');
  assert.throws(() => parseCocoResults([{ image_id: 5, category_id: 1, segmentation: { size: [4, 4], counts: '52203' }, score: 1 }], gt, 'res.json'),
    /res.json: result #0: image_id must be an image of the ground truth, but got 5/);
  assert.throws(() => parseCocoResults([{ image_id: 9, category_id: 1, segmentation: { size: [4, 4], counts: '52203' }, score: 1 }], gt, 'res.json'),
    /res.json: result #0: RLE size must be the image size 3×3, but got 4×4/);
  assert.throws(() => parseCocoResults([{ image_id: 9, category_id: 1, segmentation: { size: [3, 3], counts: '052M' } }], gt, 'res.json'),
    /result #0: 'score' must be a finite number/);
});

test('files: read, and unreadable or invalid JSON named', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coco-json-'));
  const gtFile = path.join(dir, 'gt.json'), resFile = path.join(dir, 'res.json');
  fs.writeFileSync(gtFile, JSON.stringify(gtJson()));
  fs.writeFileSync(resFile, '[{"image_id": 7, "category_id": 1, "segmentation": {"size": [4, 4], "counts": "52203"}, "score": 1}]');
  const gt = await readCocoGroundTruth(gtFile);
  assert.is((await readCocoResults(resFile, gt)).length, 1);
  fs.writeFileSync(resFile, '[{');
  await expectRejects(readCocoResults(resFile, gt), /res.json must be valid JSON/);
  await expectRejects(readCocoGroundTruth(path.join(dir, 'none.json')), /none.json must be a readable file/);
  fs.rmSync(dir, { recursive: true });
});

test.run();
