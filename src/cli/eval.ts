/**
 * `segrefiner eval`: scores masks, in one of two modes.
 *
 * Folders: `--pred <dir> --gt <dir> [--coarse <dir>] [--dis] [--out results.json]` pairs files by
 * stem (.png/.jpg/.jpeg), reads masks as binary (first channel > 128, readBinaryMask) and reports,
 * per image and over the set: IoU (mean of per-image IoUs), cumulative IoU (ΣI/ΣU, what BIG/DIS
 * tables call IoU), mBA (CascadePSP), Boundary IoU (ratio 0.02) and DAVIS boundary F; with --dis
 * also the DIS measures on the prediction read as an 8-bit probability map (first channel / 255).
 * With --coarse the same numbers for the coarse masks, side by side.
 *
 * COCO: `--coco-gt gt.json --coco-results res.json [--iou-type segm|boundary|both]` prints the
 * COCOeval summary (AP, AP50, AP75, APs/m/l, AR1/10/100, ARs/m/l).
 *
 * Folders with `--shard K/N`: only shard K's images (by stem); `--out` is then the shard's folder
 * (manifest + one record per image with everything the aggregates need); `segrefiner merge` writes
 * the report a single run writes, its means and ΣI/ΣU recomputed over all images in the same order.
 *
 * Errors name the file or folder: missing or empty folders, a file with no counterpart, two files
 * with one stem, size mismatches, unreadable images.
 */
import { CocoFileReport, evaluateCocoFiles } from '../evaluate/coco_files';
import { ShardSpec } from '../cluster/shard';
import { evaluateFolders, FolderEvalReport, MaskAggregate, pairMaskFiles, scoreImage, ScoredImage } from '../evaluate/folder_eval';
import { CocoIouType, CocoSummary } from '../metrics/coco_eval';
import { writeFileAtomic } from '../util/atomic_write';
import { assertOutputIsNotInput, FlagPath, prepareOutputFile } from './output_paths';
import { FlagSpecs, formatUsage, ParsedFlags, parseFlags } from './parse_flags';
import { argsOf, openShard, SHARD_FLAGS, shardFromFlags, shardSummary } from './shard_flag';
import { UsageError } from './usage_error';

export const EVAL_FLAGS: FlagSpecs = {
  pred: { type: 'string', description: 'folder of predicted (refined) masks' },
  gt: { type: 'string', description: 'folder of ground-truth masks (same stems)' },
  coarse: { type: 'string', description: 'folder of coarse masks, for a before/after table' },
  dis: { type: 'boolean', description: 'also the DIS measures (max/weighted F, MAE, S, E) on the predictions as probability maps' },
  out: { type: 'string', description: 'write per-image values and aggregates as JSON here' },
  'coco-gt': { type: 'string', description: 'COCO/LVIS ground-truth JSON (COCO mode)' },
  'coco-results': { type: 'string', description: 'COCO results JSON (COCO mode)' },
  'iou-type': { type: 'string', description: 'segm | boundary | both (COCO mode; default segm)' },
  ...SHARD_FLAGS,
};

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(4));

/** The rows of the folder table: label and the value picked from an aggregate. */
const FOLDER_ROWS: [string, (a: MaskAggregate) => number | null | undefined][] = [
  ['IoU (mean per image)', (a) => a.meanIou],
  ['IoU (cumulative ΣI/ΣU)', (a) => a.cumulativeIou],
  ['mBA', (a) => a.mBA],
  ['Boundary IoU (mean)', (a) => a.meanBoundaryIou],
  ['Boundary F (mean)', (a) => a.meanBoundaryF],
  ['max Fβ', (a) => a.dis?.maxF],
  ['weighted Fβ', (a) => a.dis?.weightedF],
  ['MAE', (a) => a.dis?.mae],
  ['S-measure', (a) => a.dis?.sMeasure],
  ['mean Eφ', (a) => a.dis?.meanE],
];

export function formatFolderTable(r: FolderEvalReport): string {
  const { refined, coarse } = r.aggregate;
  const rows = FOLDER_ROWS.filter(([, pick]) => pick(refined) !== undefined);
  const head = coarse ? `${'metric'.padEnd(26)} ${'coarse'.padStart(8)} ${'refined'.padStart(8)} ${'Δ'.padStart(8)}` : `${'metric'.padEnd(26)} ${'value'.padStart(8)}`;
  const lines = [`${r.images.length} image${r.images.length === 1 ? '' : 's'}`, head];
  for (const [label, pick] of rows) {
    const v = pick(refined);
    if (!coarse) lines.push(`${label.padEnd(26)} ${fmt(v).padStart(8)}`);
    else {
      const c = pick(coarse);
      const delta = v === null || v === undefined || c === null || c === undefined ? 'n/a' : `${v - c >= 0 ? '+' : ''}${(v - c).toFixed(4)}`;
      lines.push(`${label.padEnd(26)} ${fmt(c).padStart(8)} ${fmt(v).padStart(8)} ${delta.padStart(8)}`);
    }
  }
  return lines.join('\n');
}

const SUMMARY_KEYS: (keyof CocoSummary)[] = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

export function formatCocoTable(r: CocoFileReport): string {
  const types = Object.keys(r.summaries) as CocoIouType[];
  const lines = [`${'metric'.padEnd(8)} ${types.map((t) => t.padStart(9)).join(' ')}`];
  for (const key of SUMMARY_KEYS) {
    lines.push(`${key.padEnd(8)} ${types.map((t) => (r.summaries[t] as CocoSummary)[key].toFixed(3).padStart(9)).join(' ')}`);
  }
  return lines.join('\n');
}

function parseIouTypes(value: string | undefined): CocoIouType[] {
  if (value === undefined || value === 'segm') return ['segm'];
  if (value === 'boundary') return ['boundary'];
  if (value === 'both') return ['segm', 'boundary'];
  throw new UsageError(`segrefiner eval: --iou-type must be one of segm, boundary, both, but got '${value}'.`, formatUsage('eval', EVAL_FLAGS));
}

/** --out is checked before the scoring: a .json file that is none of the inputs, writable. */
function checkEvalOutput(flags: ParsedFlags, usage: string): void {
  if (flags.out === undefined) return;
  const out: FlagPath = { flag: 'out', path: String(flags.out) };
  const inputs = ['pred', 'gt', 'coarse', 'coco-gt', 'coco-results'].filter((n) => flags[n] !== undefined).map((n) => ({ flag: n, path: String(flags[n]) }));
  assertOutputIsNotInput('eval', out, inputs, usage);
  prepareOutputFile('eval', out, ['.json']);
}

/** Shard `shard` of a folder evaluation: scores its images not done yet, one record each (a ScoredImage) in `dir`. */
async function evalShard(opts: { pred: string; gt: string; coarse?: string; dis: boolean }, shard: ShardSpec, args: Record<string, string | boolean | null>, dir: string): Promise<number> {
  const triples = await pairMaskFiles(opts.pred, opts.gt, opts.coarse);
  const store = openShard('eval', shard, dir, triples.map((t) => t.stem), { args, model: null, files: {}, options: { dis: opts.dis } }, (line) => console.log(line));
  const pending = new Set(store.pending());
  for (const t of triples.filter((x) => pending.has(x.stem))) store.write(t.stem, await scoreImage(t, opts.dis) satisfies ScoredImage);
  console.log(shardSummary(store, shard));
  return store.finish().complete ? 0 : 1;
}

export async function runEval(argv: string[]): Promise<number> {
  const flags = parseFlags('eval', argv, EVAL_FLAGS);
  const usage = formatUsage('eval', EVAL_FLAGS);
  const coco = flags['coco-gt'] !== undefined || flags['coco-results'] !== undefined;
  const folders = flags.pred !== undefined || flags.gt !== undefined || flags.coarse !== undefined || flags.dis !== undefined;
  if (coco && folders) throw new UsageError('segrefiner eval: --coco-gt/--coco-results must not be combined with --pred/--gt/--coarse/--dis.', usage);
  const shard = shardFromFlags(flags, 'eval', usage);
  if (shard && coco) throw new UsageError('segrefiner eval: --shard works in folder mode only; for COCO AP shard refine-coco, merge, then evaluate the merged JSON (AP needs every image at once).', usage);
  if (shard && flags.out === undefined) throw new UsageError('segrefiner eval: --shard needs --out, the shard\'s folder.', usage);
  if (!shard) checkEvalOutput(flags, usage); // a shard's --out is its folder, checked by the shard store
  let report: FolderEvalReport | CocoFileReport;
  if (coco) {
    if (flags['coco-gt'] === undefined || flags['coco-results'] === undefined) throw new UsageError('segrefiner eval: COCO mode needs both --coco-gt and --coco-results.', usage);
    report = await evaluateCocoFiles(String(flags['coco-gt']), String(flags['coco-results']), parseIouTypes(flags['iou-type'] as string | undefined));
    console.log(formatCocoTable(report));
  } else {
    if (flags['iou-type'] !== undefined) throw new UsageError('segrefiner eval: --iou-type applies to COCO mode only (--coco-gt, --coco-results).', usage);
    if (flags.pred === undefined || flags.gt === undefined) throw new UsageError('segrefiner eval: --pred and --gt are required (or --coco-gt and --coco-results).', usage);
    const opts = { pred: String(flags.pred), gt: String(flags.gt), coarse: flags.coarse as string | undefined, dis: Boolean(flags.dis) };
    if (shard) return evalShard(opts, shard, argsOf(flags, ['pred', 'gt', 'coarse', 'dis']), String(flags.out));
    report = await evaluateFolders(opts);
    console.log(formatFolderTable(report));
  }
  if (flags.out !== undefined) {
    writeFileAtomic(String(flags.out), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${flags.out}`);
  }
  return 0;
}
