/**
 * `segrefiner coarsen --masks <dir> --out <dir> [--seed S] [--expand] [--kind K [--severity s]]`: the
 * offline coarse-mask generator, like upstream scripts/gen_coarse_masks_hr.py (the default kind, upstream's
 * modify_boundary), or one of the degradations of data/degradations.ts at a severity, or a named mix of
 * them (data/coarse_mix.ts, e.g. `gentle`). One coarse 0/255 PNG per mask, under the
 * same file name (a non-PNG mask `x.jpg` gives `x.png`); prints each file's IoU with its input and
 * the mean. Each file's seed comes from S and its file name, so a result does not depend on which
 * other files are in the folder or on their order. Exit 1 if any file failed (listed at the end).
 */
import * as fs from 'fs';
import * as path from 'path';
import { coarseOfKind, NAMED_COARSE_MIXES } from '../data/coarse_mix';
import { DEGRADATION_KINDS, DegradationKind } from '../data/degradations';
import { IMAGE_EXTENSIONS } from '../data/image_io';
import { readBinaryMask, writeMaskPng } from '../data/mask_io';
import { computeIou } from '../metrics/iou';
import { createRng, fileSeed, MAX_SEED } from '../util/rng';
import { assertOutputIsNotInput, lockOutputFolder, prepareOutputFolder } from './output_paths';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
import { UsageError } from './usage_error';

export const COARSEN_FLAGS: FlagSpecs = {
  masks: { type: 'string', description: 'folder of ground-truth masks (required)' },
  out: { type: 'string', description: 'output folder, created if missing (required; not the --masks folder)' },
  seed: { type: 'string', description: 'integer seed (default 0); each file gets its own seed from it and its name' },
  expand: { type: 'boolean', description: 'fill holes first (the HR coarse_expand variant; modify-boundary only)' },
  kind: { type: 'string', description: `degradation: ${DEGRADATION_KINDS.join(' | ')} (default modify-boundary, upstream's), or a mix: ${Object.keys(NAMED_COARSE_MIXES).join(' | ')}` },
  severity: { type: 'string', description: 'severity in [0, 1] of a single --kind (default 0.5; modify-boundary without it is upstream exactly)' },
};

interface CoarsenArgs {
  masks: string;
  out: string;
  seed: number;
  expand: boolean;
  /** A degradation kind or a named mix. */
  kind: string;
  /** For a single kind; undefined = its default. */
  severity?: number;
}

function parseCoarsenArgs(argv: string[]): CoarsenArgs {
  const flags = parseFlags('coarsen', argv, COARSEN_FLAGS);
  const usage = formatUsage('coarsen', COARSEN_FLAGS);
  for (const name of ['masks', 'out'] as const) {
    if (typeof flags[name] !== 'string' || flags[name] === '') throw new UsageError(`segrefiner coarsen: --${name} <dir> is required.`, usage);
  }
  const seedText = String(flags.seed ?? '0');
  if (!/^\d+$/.test(seedText) || Number(seedText) > MAX_SEED) {
    throw new UsageError(`segrefiner coarsen: --seed must be an integer in [0, ${MAX_SEED}], but got '${seedText}'.`, usage);
  }
  const kind = String(flags.kind ?? 'modify-boundary');
  if (!DEGRADATION_KINDS.includes(kind as DegradationKind) && !(kind in NAMED_COARSE_MIXES)) {
    throw new UsageError(`segrefiner coarsen: --kind must be one of ${[...DEGRADATION_KINDS, ...Object.keys(NAMED_COARSE_MIXES)].join(', ')}, but got '${kind}'.`, usage);
  }
  const severity = flags.severity === undefined ? undefined : Number(flags.severity);
  if (severity !== undefined && !(severity >= 0 && severity <= 1 && String(flags.severity).trim() !== '')) {
    throw new UsageError(`segrefiner coarsen: --severity must be a number in [0, 1], but got '${flags.severity}'.`, usage);
  }
  if (severity !== undefined && kind in NAMED_COARSE_MIXES) throw new UsageError(`segrefiner coarsen: --severity applies to a single --kind, but '${kind}' is a mix (it draws its own severities).`, usage);
  if (flags.expand && kind !== 'modify-boundary') throw new UsageError(`segrefiner coarsen: --expand applies to --kind modify-boundary only, but got '${kind}'.`, usage);
  const args = { masks: flags.masks as string, out: flags.out as string, seed: Number(seedText), expand: Boolean(flags.expand), kind, severity };
  assertOutputIsNotInput('coarsen', { flag: 'out', path: args.out }, [{ flag: 'masks', path: args.masks }], usage);
  return args;
}

/** The mask files of the folder, sorted, and the entries that are not mask files. */
function listMasks(dir: string): { files: string[]; others: string[] } {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    throw new Error(`--masks ${dir} must be a readable folder, but it does not exist or cannot be listed.`);
  }
  const isMask = (e: fs.Dirent) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase());
  const files = entries.filter(isMask).map((e) => e.name).sort();
  const others = entries.filter((e) => !isMask(e)).map((e) => e.name).sort();
  if (files.length === 0) throw new Error(`--masks ${dir} must contain mask images (${IMAGE_EXTENSIONS.join(' ')}), but it has none (${others.length} other entries).`);
  return { files, others };
}

export async function runCoarsen(argv: string[]): Promise<number> {
  const args = parseCoarsenArgs(argv);
  const { files, others } = listMasks(args.masks);
  prepareOutputFolder('coarsen', { flag: 'out', path: args.out });
  const lock = lockOutputFolder('coarsen', { flag: 'out', path: args.out });
  try {
    return await coarsenFiles(args, files, others);
  } finally {
    lock.release();
  }
}

/** Writes one coarse mask per file, prints each IoU and the mean; 1 if any file failed. */
async function coarsenFiles(args: CoarsenArgs, files: string[], others: string[]): Promise<number> {
  const failures: string[] = [], ious: number[] = [], written = new Map<string, string>();
  let empty = 0;
  for (const name of files) {
    const outName = `${path.basename(name, path.extname(name))}.png`;
    try {
      if (written.has(outName)) throw new Error(`its output ${outName} would overwrite the result of ${written.get(outName)}`);
      const mask = await readBinaryMask(path.join(args.masks, name));
      const coarse = coarseOfKind(mask, createRng(fileSeed(args.seed, name)), args.kind, { severity: args.severity, expand: args.expand });
      await writeMaskPng(coarse, path.join(args.out, outName));
      written.set(outName, name);
      const { iou } = computeIou(mask, coarse);
      if (iou === null) empty++;
      else ious.push(iou);
      console.log(`${name}  IoU ${iou === null ? 'n/a (empty mask, copied)' : iou.toFixed(4)}`);
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  for (const o of others) console.log(`skipped ${o} (not a mask image file)`);
  const mean = ious.length ? (ious.reduce((a, b) => a + b, 0) / ious.length).toFixed(4) : 'n/a';
  const how = `${args.kind}${args.severity !== undefined ? ` at severity ${args.severity}` : ''}`;
  console.log(`coarsened ${written.size} of ${files.length} masks into ${args.out} (${how}, seed ${args.seed}${args.expand ? ', expand' : ''}); `
    + `mean IoU with the input ${mean} over ${ious.length} masks${empty ? ` (${empty} empty masks copied, not in the mean)` : ''}`);
  if (failures.length) {
    console.error(`${failures.length} file${failures.length === 1 ? '' : 's'} failed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    return 1;
  }
  return 0;
}
