/**
 * One shard's folder: `manifest.json` (which run and which shard it belongs to, how far it got) and
 * `records/<key>.json`, one per finished item, written atomically after the item's outputs. A record
 * that exists means its item is done, so a shard that is run again (after a crash, a pre-emption or
 * `scancel`) skips those items and does the rest. Outputs of the job itself (mask files) live next
 * to them, in folders the job names.
 *
 * The manifest's identity says what must agree between the shards of one run: the job, the number
 * of shards, the arguments (as given, and the folder they are relative to), the item set (count and
 * digest of the keys), the SHA-256 of the model and of input files, and the options. Opening a
 * folder that holds another run's shard is an error, and so is merging shards whose identities differ.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { activeBackend } from '../backend/select_backend';
import { writeFileAtomic } from '../util/atomic_write';
import { formatShard, ShardSpec } from './shard';

export const SHARD_FORMAT = 'segrefiner-shard@1';
export const MANIFEST_FILE = 'manifest.json';
const RECORDS_DIR = 'records';

/** The jobs that can be sharded (the `segrefiner` subcommands). */
export type ShardJob = 'refine' | 'refine-coco' | 'eval' | 'ablate';
export const SHARD_JOBS: readonly ShardJob[] = ['refine', 'refine-coco', 'eval', 'ablate'];

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What must agree between the shards of one run (see the file comment). */
export interface ShardIdentity {
  job: ShardJob;
  /** N, the number of shards. */
  count: number;
  /** The job's arguments as given (paths may be relative to cwd). */
  args: Record<string, JsonValue>;
  cwd: string;
  /** The item set: its size and the SHA-256 of its sorted keys (shard.ts keysDigest). */
  keys: { count: number; sha256: string };
  /** SHA-256 of the model (fingerprint.ts modelSha256), when the job runs one. */
  model: string | null;
  /** SHA-256 of input files read whole (a results JSON), by argument name. */
  files: Record<string, string>;
  /** The options that change results (refinement options, DIS on/off, …). */
  options: JsonValue;
}

export interface ShardManifest {
  format: typeof SHARD_FORMAT;
  shard: ShardSpec;
  identity: ShardIdentity;
  /** This shard's keys, in run order. */
  assigned: string[];
  /** How many of them have a record; complete when all do. */
  done: number;
  complete: boolean;
  /** Where it ran last: the host and the tfjs backend (informational; merge notes a mix of backends). */
  host: string;
  backend: string | null;
  updated: string;
}

/** Typed arrays and non-finite numbers survive the JSON round trip of a record. */
function encode(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array) return { $float64: Array.from(value) };
  if (value instanceof Float32Array) return { $float32: Array.from(value) };
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
  return value;
}

function decode(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.$float64)) return Float64Array.from(v.$float64 as number[]);
  if (Array.isArray(v.$float32)) return Float32Array.from(v.$float32 as number[]);
  if (typeof v.$number === 'string') return Number(v.$number);
  return value;
}

export const encodeRecord = (value: unknown): string => `${JSON.stringify(value, encode)}\n`;
export const decodeRecord = <T>(text: string): T => JSON.parse(text, decode) as T;

/**
 * The first place where two identities differ, as "<field>: <a> vs <b>", or null when they agree.
 * Objects are compared key by key, whatever the key order.
 */
export function identityDifference(a: unknown, b: unknown, at = 'identity'): string | null {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = identityDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
    return null;
  }
  if (a === b) return null;
  const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v).slice(0, 120));
  return `${at}: ${show(a)} vs ${show(b)}`;
}

/** A file name for a key (stems and ids are safe already; anything else is percent-encoded). */
const recordFile = (key: string) => `${encodeURIComponent(key).replace(/^\./, '%2E')}.json`;

/** Reads a shard folder's manifest; errors name the folder. */
export function readManifest(dir: string): ShardManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let m: ShardManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as ShardManifest;
  } catch (error) {
    throw new Error(`readManifest: ${file} must be a readable shard manifest, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  if (m?.format !== SHARD_FORMAT) throw new Error(`readManifest: ${file} must have format '${SHARD_FORMAT}', but has ${JSON.stringify(m?.format)}.`);
  return m;
}

/** The records of one shard folder: which items are done, and their values. */
export class ShardStore {
  private constructor(readonly dir: string, private manifest: ShardManifest) {}

  /**
   * Opens (or starts) shard `shard` of the run `identity` in `dir`, resuming when the folder holds
   * that same shard already; a folder holding anything else is an error.
   * @param assigned this shard's keys, in run order
   */
  static open(dir: string, shard: ShardSpec, identity: ShardIdentity, assigned: string[]): ShardStore {
    const where = `shard ${formatShard(shard)}`;
    if (fs.existsSync(path.join(dir, MANIFEST_FILE))) {
      const old = readManifest(dir);
      const diff = old.shard.index !== shard.index || old.shard.count !== shard.count
        ? `it holds shard ${formatShard(old.shard)}` : identityDifference(old.identity, identity);
      if (diff) throw new Error(`${where}: ${dir} must be empty or hold this shard of this run to resume it, but ${diff.startsWith('it holds') ? diff : `it holds another run (${diff})`}; use another --out, or delete the folder to start over.`);
    } else if (fs.existsSync(dir) && fs.readdirSync(dir).some((f) => !f.startsWith('.'))) { // dot files: the writer's own lock (.segrefiner.lock)
      throw new Error(`${where}: ${dir} must be empty or hold this shard of this run to resume it, but it has files and no ${MANIFEST_FILE}; use another --out.`);
    }
    fs.mkdirSync(path.join(dir, RECORDS_DIR), { recursive: true });
    const store = new ShardStore(dir, { format: SHARD_FORMAT, shard, identity, assigned, done: 0, complete: false, host: os.hostname(), backend: activeBackend()?.name ?? null, updated: '' });
    store.writeManifest();
    return store;
  }

  has(key: string): boolean {
    return fs.existsSync(path.join(this.dir, RECORDS_DIR, recordFile(key)));
  }

  read<T>(key: string): T {
    return readRecord<T>(this.dir, key);
  }

  /** Marks an item done with its value; call it after the item's outputs are written. */
  write(key: string, value: unknown): void {
    writeFileAtomic(path.join(this.dir, RECORDS_DIR, recordFile(key)), encodeRecord(value));
  }

  /** This shard's keys that have no record yet, in run order. */
  pending(): string[] {
    return this.manifest.assigned.filter((k) => !this.has(k));
  }

  /** Counts the records and rewrites the manifest; returns it. */
  finish(): ShardManifest {
    const pending = this.pending().length;
    this.manifest = { ...this.manifest, done: this.manifest.assigned.length - pending, complete: pending === 0 };
    this.writeManifest();
    return this.manifest;
  }

  private writeManifest(): void {
    this.manifest.updated = new Date().toISOString();
    writeFileAtomic(path.join(this.dir, MANIFEST_FILE), `${JSON.stringify(this.manifest, null, 2)}\n`);
  }
}

/** The record of `key` in a shard folder; errors name the file. */
export function readRecord<T>(dir: string, key: string): T {
  const file = path.join(dir, RECORDS_DIR, recordFile(key));
  try {
    return decodeRecord<T>(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`readRecord: ${file} must be a readable record of item '${key}', but reading failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Whether a shard folder has the record of `key`. */
export const hasRecord = (dir: string, key: string): boolean => fs.existsSync(path.join(dir, RECORDS_DIR, recordFile(key)));
