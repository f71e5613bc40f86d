import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBigFolder, loadDis5kFolder, loadPairedFolder, verifyItemSizes } from '../../src/data/folder_loaders';

/** A temp folder with the given files (contents irrelevant unless a PNG size is given). */
function folder(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-loader-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    if (f.endsWith('/')) fs.mkdirSync(path.join(root, f), { recursive: true });
    else fs.writeFileSync(path.join(root, f), '');
  }
  return root;
}
const names = (ds: { items: { stem: string }[] }) => ds.items.map((i) => i.stem);
const reasons = (ds: { root: string; skipped: { path: string; reason: string }[] }) =>
  Object.fromEntries(ds.skipped.map((s) => [path.relative(ds.root, s.path), s.reason]));

test('paired folders: same stems pair up, sorted; everything else is reported with a reason', () => {
  const root = folder(['images/b.jpg', 'images/a.jpg', 'images/c.jpg', 'images/d.jpg', 'images/d.png', 'images/.DS_Store', 'images/notes.txt',
    'images/sub/', 'masks/a.png', 'masks/b.png', 'masks/e.png', 'masks/d.png']);
  const ds = loadPairedFolder(root);
  assert.equal(names(ds), ['a', 'b']);
  assert.equal(ds.items[0], { stem: 'a', imagePath: path.join(root, 'images', 'a.jpg'), maskPath: path.join(root, 'masks', 'a.png') });
  const r = reasons(ds);
  assert.equal(Object.keys(r).sort(), ['images/.DS_Store', 'images/c.jpg', 'images/d.jpg', 'images/d.png', 'images/notes.txt', 'images/sub', 'masks/d.png', 'masks/e.png']);
  assert.match(r['images/c.jpg'], "no mask with the stem 'c' in");
  assert.match(r['images/d.jpg'], "ambiguous: 2 image files share the stem 'd'");
  assert.match(r['masks/d.png'], "no image with the stem 'd'");
  assert.match(r['masks/e.png'], "no image with the stem 'e'");
  assert.match(r['images/notes.txt'], "not an image file (extension '.txt'");
  assert.match(r['images/.DS_Store'], 'a hidden file');
  assert.match(r['images/sub'], 'a subfolder');
});

test('missing and empty folders are errors naming the folder', () => {
  assert.throws(() => loadPairedFolder('/no/such/dataset'), /loadPairedFolder: \/no\/such\/dataset must be a folder, but it does not exist/);
  const noMasks = folder(['images/a.jpg']);
  assert.throws(() => loadPairedFolder(noMasks), new RegExp(`loadPairedFolder: ${path.join(noMasks, 'masks')} must be a folder, but it does not exist`));
  const empty = folder(['images/readme.txt', 'masks/a.png']);
  assert.throws(() => loadPairedFolder(empty), new RegExp(`${path.join(empty, 'images')} must contain image files .*, but it has none \\(1 other entries\\)`));
  const unpaired = folder(['images/a.jpg', 'masks/b.png']);
  assert.throws(() => loadPairedFolder(unpaired), /must contain at least one complete sample, but found none \(2 files skipped: a\.jpg: no mask with the stem 'a'/);
});

test('DIS5K: im/ and gt/', () => {
  const root = folder(['im/1#Accessories#1.jpg', 'gt/1#Accessories#1.png', 'gt/2#x.png']);
  const ds = loadDis5kFolder(root);
  assert.equal(names(ds), ['1#Accessories#1']);
  assert.match(reasons(ds)['gt/2#x.png'], "no image with the stem '2#x'");
  assert.throws(() => loadDis5kFolder(folder(['images/a.jpg'])), /loadDis5kFolder: .*\/im must be a folder/);
});

test('BIG: *_im, *_gt, *_seg in one folder; missing parts are reported; coarse optional unless required', () => {
  const root = folder(['a_im.jpg', 'a_gt.png', 'a_seg.png', 'b_im.jpg', 'b_gt.png', 'c_im.jpg', 'd_gt.png', 'd_seg.png', 'e.png', 'f_im.jpg', 'f_im.png', 'f_gt.png']);
  const ds = loadBigFolder(root);
  assert.equal(ds.items, [
    { stem: 'a', imagePath: path.join(root, 'a_im.jpg'), maskPath: path.join(root, 'a_gt.png'), coarsePath: path.join(root, 'a_seg.png') },
    { stem: 'b', imagePath: path.join(root, 'b_im.jpg'), maskPath: path.join(root, 'b_gt.png') },
  ]);
  const r = reasons(ds);
  assert.match(r['c_im.jpg'], "no ground truth 'c_gt.*'");
  assert.match(r['d_gt.png'], "no image 'd_im.*'");
  assert.match(r['d_seg.png'], "no image 'd_im.*'");
  assert.match(r['e.png'], 'does not follow the layout');
  assert.match(r['f_im.jpg'], "ambiguous: 2 '_im' files share the stem 'f'");
  assert.match(r['f_gt.png'], "no image 'f_im.*'");
  const strict = loadBigFolder(root, { requireCoarse: true });
  assert.equal(names(strict), ['a']);
  assert.match(reasons(strict)['b_im.jpg'], "no coarse mask 'b_seg.*' (requireCoarse)");
});

test('BIG with coarse masks from another folder', () => {
  const root = folder(['a_im.jpg', 'a_gt.png', 'a_seg.png', 'deeplab/a_seg.png', 'deeplab/a_other.png']);
  const ds = loadBigFolder(root, { coarseDir: path.join(root, 'deeplab') });
  assert.is(ds.items[0].coarsePath, path.join(root, 'deeplab', 'a_seg.png'));
  const r = reasons(ds);
  assert.match(r['a_seg.png'], 'unused: coarse masks are taken from');
  assert.match(r['deeplab/a_other.png'], 'does not follow the layout');
  assert.match(r.deeplab, 'a subfolder');
});

test('verifyItemSizes moves size mismatches and unreadable files to skipped', async () => {
  const root = folder(['images/', 'masks/']);
  const png = (f: string, w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#000' } }).png().toFile(path.join(root, f));
  await png('images/ok.png', 4, 3);
  await png('masks/ok.png', 4, 3);
  await png('images/bad.png', 4, 3);
  await png('masks/bad.png', 3, 4);
  await png('images/broken.png', 2, 2);
  fs.writeFileSync(path.join(root, 'masks', 'broken.png'), 'x');
  const ds = await verifyItemSizes(loadPairedFolder(root));
  assert.equal(names(ds), ['ok']);
  const r = reasons(ds);
  assert.match(r['images/bad.png'], 'sizes (height×width) differ: bad.png 3×4, bad.png 4×3');
  assert.match(r['images/broken.png'], 'unreadable: readImageSize:');
});

test.run();
