/**
 * `segrefiner merge --in <shard folders or their parent> --out <output> [--coco-gt gt.json]`: joins
 * the shards of a `--shard K/N` run (src/cluster/merge.ts) into exactly what one run writes, and
 * prints what that run prints at its end: the metrics table (refine with --gt, eval), the summary
 * (refine-coco; with --coco-gt also COCO mask AP on the merged results), the variant rows (ablate).
 * Errors name the shard: one missing, given twice, incomplete, or from another run (model, options,
 * inputs, N).
 */
import { mergeShards } from '../cluster/merge';
import { evaluateCocoFiles } from '../evaluate/coco_files';
import { formatMetricsTable } from '../evaluate/refine_table';
import { formatVariantRow } from './ablate';
import { formatCocoTable, formatFolderTable } from './eval';
import { FlagSpecs, formatUsage, parseFlags } from './parse_flags';
import { UsageError } from './usage_error';

export const MERGE_FLAGS: FlagSpecs = {
  in: { type: 'string', multiple: true, description: 'a shard folder, or a folder holding them (repeatable); every shard 0 … N−1 exactly once' },
  out: { type: 'string', description: 'the merged output: a folder of masks (refine) or a JSON file (refine-coco, eval, ablate)' },
  'coco-gt': { type: 'string', description: 'refine-coco shards: also print COCO mask AP of the merged results against this ground truth' },
};

export async function runMerge(argv: string[]): Promise<number> {
  const flags = parseFlags('merge', argv, MERGE_FLAGS);
  const usage = formatUsage('merge', MERGE_FLAGS);
  const inputs = (flags.in as string[] | undefined) ?? [];
  if (inputs.length === 0) throw new UsageError('segrefiner merge: --in is required (a shard folder or a folder of shard folders).', usage);
  if (flags.out === undefined) throw new UsageError('segrefiner merge: --out is required.', usage);
  const start = Date.now();
  const r = await mergeShards(inputs, String(flags.out));
  if (flags['coco-gt'] !== undefined && r.job !== 'refine-coco') throw new UsageError(`segrefiner merge: --coco-gt applies to refine-coco shards, but these are ${r.job} shards.`, usage);
  const took = `${((Date.now() - start) / 1000).toFixed(1)} s`;
  if (r.backends.length > 1) console.log(`note: the shards ran on different backends (${r.backends.join(', ')}); results can differ in the last bits between backends, so this merge may not equal a single run on either`);
  switch (r.job) {
    case 'refine':
      console.log(`merged ${r.shards} shards: ${r.masks} masks in ${took} → ${r.out}`);
      if (r.rows && r.rows.length > 0) console.log(`\n${formatMetricsTable(r.rows)}`);
      break;
    case 'refine-coco': {
      const s = r.summary;
      console.log(`merged ${r.shards} shards: ${s.detections} masks on ${s.images} images: ${s.refined} refined, ${s.passedThrough} passed through (area below the threshold), ${s.empty} empty; ${took} → ${r.out}`);
      if (flags['coco-gt'] !== undefined) console.log(formatCocoTable(await evaluateCocoFiles(String(flags['coco-gt']), r.out, ['segm'])));
      break;
    }
    case 'eval':
      console.log(formatFolderTable(r.report));
      console.log(`merged ${r.shards} shards in ${took}; wrote ${r.out}`);
      break;
    case 'ablate':
      for (const v of r.results.variants) console.log(formatVariantRow(v));
      console.log(`merged ${r.shards} shards in ${took}; wrote ${r.out}`);
      break;
  }
  return 0;
}
