/**
 * Dataset folders (user-supplied; nothing is downloaded): the file lists of the three layouts the
 * method is evaluated on. A loader never drops a file silently: every file it does not use is in
 * `skipped` with the reason (no partner, ambiguous stem, not an image, hidden, a subfolder). Missing
 * or empty folders are errors naming the folder.
 * - paired: `<root>/images/<stem>.<ext>` + `<root>/masks/<stem>.<ext>` (ECSSD, DUTS, DAVIS-style)
 * - DIS5K: `<root>/im/<stem>.jpg` + `<root>/gt/<stem>.png`
 * - BIG: one folder of `<stem>_im.jpg`, `<stem>_gt.png` and the coarse `<stem>_seg.png`
 * Files are only listed here; `verifyItemSizes` reads the headers and checks the sizes agree.
 */
import * as fs from 'fs';
import * as path from 'path';
import { IMAGE_EXTENSIONS, readImageSize } from './image_io';

/** One sample: an image, its ground-truth mask and, where the layout has one, a coarse mask. */
export interface DatasetItem {
  stem: string;
  imagePath: string;
  maskPath: string;
  coarsePath?: string;
}

/** A file a loader did not use, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface FolderDataset {
  root: string;
  /** Sorted by stem. */
  items: DatasetItem[];
  skipped: SkippedFile[];
}

/** A folder's image files by stem, and every other entry with the reason it is not one. */
export interface StemListing {
  /** Image files by stem; more than one path means the stem is ambiguous. */
  byStem: Map<string, string[]>;
  skipped: SkippedFile[];
}

function requireFolder(where: string, dir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new Error(`${where}: ${dir} must be a folder, but it does not exist.`);
  }
  if (!stat.isDirectory()) throw new Error(`${where}: ${dir} must be a folder, but it is a file.`);
}

/**
 * Lists the image files of `dir` by stem (the name without its last extension); the rest is skipped.
 * The one listing by stem: the loaders here, the HR sampler's offline coarse masks and folder evaluation
 * (which applies its own stricter rules: no clash, every file paired) all start from it.
 */
export function listImages(where: string, dir: string, stemOf: (name: string) => string | null = (n) => n.slice(0, n.length - path.extname(n).length)): StemListing {
  requireFolder(where, dir);
  const byStem = new Map<string, string[]>();
  const skipped: SkippedFile[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, entry.name);
    const ext = path.extname(entry.name).toLowerCase();
    const stem = stemOf(entry.name);
    if (entry.isDirectory()) skipped.push({ path: p, reason: 'a subfolder (subfolders are not searched)' });
    else if (entry.name.startsWith('.')) skipped.push({ path: p, reason: 'a hidden file' });
    else if (!IMAGE_EXTENSIONS.includes(ext)) skipped.push({ path: p, reason: `not an image file (extension '${ext}'; expected one of ${IMAGE_EXTENSIONS.join(' ')})` });
    else if (stem === null) skipped.push({ path: p, reason: 'its name does not follow the layout' });
    else byStem.set(stem, [...(byStem.get(stem) ?? []), p]);
  }
  return { byStem, skipped };
}

/** Moves stems with several files to `skipped` and returns stem → the one path. */
function unique(listing: StemListing, what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [stem, paths] of listing.byStem) {
    if (paths.length === 1) out.set(stem, paths[0]);
    else for (const p of paths) listing.skipped.push({ path: p, reason: `ambiguous: ${paths.length} ${what} files share the stem '${stem}'` });
  }
  return out;
}

function requireItems(where: string, root: string, ds: FolderDataset): FolderDataset {
  if (ds.items.length === 0) {
    const why = ds.skipped.slice(0, 3).map((s) => `${path.basename(s.path)}: ${s.reason}`).join('; ');
    throw new Error(`${where}: ${root} must contain at least one complete sample, but found none (${ds.skipped.length} files skipped${why ? `: ${why}` : ''}).`);
  }
  ds.items.sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
  return ds;
}

/**
 * Pairs `<root>/<imagesDir>/<stem>.*` with `<root>/<masksDir>/<stem>.*` (images/ and masks/ by default).
 * Errors: a missing folder, a folder without any image file, or no pair at all.
 */
export function loadPairedFolder(root: string, options: { imagesDir?: string; masksDir?: string } = {}, where = 'loadPairedFolder'): FolderDataset {
  requireFolder(where, root);
  const imageDir = path.join(root, options.imagesDir ?? 'images'), maskDir = path.join(root, options.masksDir ?? 'masks');
  const images = listImages(where, imageDir), masks = listImages(where, maskDir);
  for (const [dir, l] of [[imageDir, images], [maskDir, masks]] as const) {
    if (l.byStem.size === 0) throw new Error(`${where}: ${dir} must contain image files (${IMAGE_EXTENSIONS.join(' ')}), but it has none (${l.skipped.length} other entries).`);
  }
  const imageByStem = unique(images, 'image'), maskByStem = unique(masks, 'mask');
  const ds: FolderDataset = { root, items: [], skipped: [...images.skipped, ...masks.skipped] };
  for (const [stem, imagePath] of imageByStem) {
    const maskPath = maskByStem.get(stem);
    if (maskPath) ds.items.push({ stem, imagePath, maskPath });
    else ds.skipped.push({ path: imagePath, reason: `no mask with the stem '${stem}' in ${maskDir}` });
  }
  for (const [stem, maskPath] of maskByStem) {
    if (!imageByStem.has(stem)) ds.skipped.push({ path: maskPath, reason: `no image with the stem '${stem}' in ${imageDir}` });
  }
  return requireItems(where, root, ds);
}

/** DIS5K layout: `<root>/im/<stem>.jpg` with `<root>/gt/<stem>.png` (e.g. root = DIS5K/DIS-VD). */
export function loadDis5kFolder(root: string): FolderDataset {
  return loadPairedFolder(root, { imagesDir: 'im', masksDir: 'gt' }, 'loadDis5kFolder');
}

const BIG_ROLES = ['im', 'gt', 'seg'] as const;
type BigRole = (typeof BIG_ROLES)[number];

function bigRole(name: string): { stem: string; role: BigRole } | null {
  const m = /^(.*)_(im|gt|seg)\.[^.]+$/.exec(name);
  return m ? { stem: m[1], role: m[2] as BigRole } : null;
}

/**
 * BIG layout: `<stem>_im.jpg` (image), `<stem>_gt.png` (ground truth) and `<stem>_seg.png` (coarse mask)
 * in one folder; coarse masks may instead come from `coarseDir` (same names). An image without a
 * coarse mask is still an item (no coarsePath) unless `requireCoarse` is set, then it is skipped.
 */
export function loadBigFolder(root: string, options: { coarseDir?: string; requireCoarse?: boolean } = {}): FolderDataset {
  const where = 'loadBigFolder';
  const files = listImages(where, root, (n) => bigRole(n)?.stem ?? null);
  const byRole: Record<BigRole, Map<string, string>> = { im: new Map(), gt: new Map(), seg: new Map() };
  const skipped = [...files.skipped];
  const roleOf = (p: string) => (bigRole(path.basename(p)) as { role: BigRole }).role;
  for (const [stem, paths] of files.byStem) {
    for (const role of BIG_ROLES) {
      const mine = paths.filter((p) => roleOf(p) === role);
      if (mine.length === 1) byRole[role].set(stem, mine[0]);
      for (const p of mine.length > 1 ? mine : []) skipped.push({ path: p, reason: `ambiguous: ${mine.length} '_${role}' files share the stem '${stem}'` });
    }
  }
  if (options.coarseDir !== undefined) {
    const coarse = listImages(where, options.coarseDir, (n) => (bigRole(n)?.role === 'seg' ? bigRole(n)?.stem ?? null : null));
    for (const s of byRole.seg.values()) skipped.push({ path: s, reason: `unused: coarse masks are taken from ${options.coarseDir}` });
    byRole.seg = unique(coarse, 'coarse');
    skipped.push(...coarse.skipped);
  }
  const ds: FolderDataset = { root, items: [], skipped };
  for (const [stem, imagePath] of byRole.im) {
    const maskPath = byRole.gt.get(stem), coarsePath = byRole.seg.get(stem);
    if (!maskPath) ds.skipped.push({ path: imagePath, reason: `no ground truth '${stem}_gt.*' next to it` });
    else if (!coarsePath && options.requireCoarse) ds.skipped.push({ path: imagePath, reason: `no coarse mask '${stem}_seg.*' (requireCoarse)` });
    else ds.items.push(coarsePath ? { stem, imagePath, maskPath, coarsePath } : { stem, imagePath, maskPath });
  }
  for (const role of ['gt', 'seg'] as const) {
    for (const [stem, p] of byRole[role]) {
      if (!byRole.im.has(stem)) ds.skipped.push({ path: p, reason: `no image '${stem}_im.*' for it` });
      else if (role === 'seg' && !byRole.gt.has(stem)) ds.skipped.push({ path: p, reason: `its sample has no ground truth '${stem}_gt.*'` });
    }
  }
  return requireItems(where, root, ds);
}

/**
 * Reads every item's headers and moves items whose image, mask and coarse mask sizes differ (or that
 * cannot be read) to `skipped`, with the sizes in the reason. Sizes are after EXIF orientation.
 */
export async function verifyItemSizes(ds: FolderDataset): Promise<FolderDataset> {
  const out: FolderDataset = { root: ds.root, items: [], skipped: [...ds.skipped] };
  for (const item of ds.items) {
    const files = [item.imagePath, item.maskPath, ...(item.coarsePath ? [item.coarsePath] : [])];
    try {
      const sizes = await Promise.all(files.map(readImageSize));
      const text = sizes.map((s, i) => `${path.basename(files[i])} ${s.height}×${s.width}`);
      if (sizes.every((s) => s.height === sizes[0].height && s.width === sizes[0].width)) out.items.push(item);
      else out.skipped.push({ path: item.imagePath, reason: `sizes (height×width) differ: ${text.join(', ')}` });
    } catch (error) {
      out.skipped.push({ path: item.imagePath, reason: `unreadable: ${(error as Error).message}` });
    }
  }
  return out;
}
