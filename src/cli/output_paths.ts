/**
 * Output paths of the commands that write, checked before any work starts: an output never replaces
 * an input (real paths are compared, so a symlink or `./x/../x` does not get around it), a file
 * output is not a folder and has the extension of what is written into it, a folder output is a
 * folder, and both can really be written (a probe file is created and removed: permission bits say
 * nothing for root or a read-only mount).
 */
import * as fs from 'fs';
import * as path from 'path';
import { acquireFileLock, FileLock } from '../util/file_lock';
import { UsageError } from './usage_error';

/** A command-line path with the flag that gave it, for messages. */
export interface FlagPath {
  flag: string;
  path: string;
}

/**
 * The real path of `p` even when it does not exist yet: the real path of its deepest existing
 * ancestor, joined with the rest.
 */
export function realPathOf(p: string): string {
  const missing: string[] = [];
  let at = path.resolve(p);
  while (!fs.existsSync(at)) {
    const parent = path.dirname(at);
    if (parent === at) break;
    missing.unshift(path.basename(at));
    at = parent;
  }
  return path.join(fs.realpathSync(at), ...missing);
}

/** Refuses an output that is one of the inputs (file or folder), by real path. */
export function assertOutputIsNotInput(command: string, out: FlagPath, inputs: FlagPath[], usage: string): void {
  const outReal = realPathOf(out.path);
  for (const input of inputs) {
    if (realPathOf(input.path) === outReal) {
      throw new UsageError(`segrefiner ${command}: --${out.flag} must differ from --${input.flag} (the input would be overwritten), but both are ${outReal}.`, usage);
    }
  }
}

/** Creates `dir` if needed and checks a file can be created in it. */
function assertWritableFolder(dir: string, what: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new Error(`${what}: the folder ${dir} must exist or be creatable, but creating it failed: ${(error as Error).message}`, { cause: error });
  }
  const probe = path.join(dir, `.segrefiner-write-probe-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
  } catch (error) {
    throw new Error(`${what}: the folder ${dir} must be writable, but writing a file into it failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Checks an output file before the work: not a folder, one of `extensions` (lower case, with the
 * dot), its folder created and writable.
 */
export function prepareOutputFile(command: string, out: FlagPath, extensions: readonly string[]): void {
  const what = `segrefiner ${command}: --${out.flag} ${out.path}`;
  const ext = path.extname(out.path).toLowerCase();
  if (!extensions.includes(ext)) throw new Error(`${what} must end in ${extensions.join(' or ')} (that is what is written), but ends in '${ext || '(none)'}'.`);
  if (fs.existsSync(out.path) && !fs.statSync(out.path).isFile()) throw new Error(`${what} must be a file path, but it is an existing folder or special file.`);
  assertWritableFolder(path.dirname(path.resolve(out.path)), what);
}

/** Checks an output folder before the work: not an existing file, created, writable. */
export function prepareOutputFolder(command: string, out: FlagPath): void {
  const what = `segrefiner ${command}: --${out.flag} ${out.path}`;
  if (fs.existsSync(out.path) && !fs.statSync(out.path).isDirectory()) throw new Error(`${what} must be a folder, but it is an existing file.`);
  assertWritableFolder(out.path, what);
}

/** Checks that each input exists as a file or a folder, before outputs are created. */
export function assertInputsExist(command: string, inputs: FlagPath[], kind: 'file' | 'folder'): void {
  for (const input of inputs) {
    const stat = fs.statSync(input.path, { throwIfNoEntry: false });
    const ok = kind === 'file' ? stat?.isFile() : stat?.isDirectory();
    if (!ok) throw new Error(`segrefiner ${command}: --${input.flag} ${input.path} must be an existing ${kind}, but it ${stat ? `is not a ${kind}` : 'does not exist'}.`);
  }
}

/** The lock file a command holds in its output folder while it writes there. */
export const OUTPUT_LOCK_FILE = '.segrefiner.lock';

/**
 * Locks an output folder for this process: two commands writing one folder would mix their results
 * silently (each file is whole, but from either run). A second writer is refused, naming the first;
 * a lock left by a killed process is taken over. Release it when the writing is done.
 */
export function lockOutputFolder(command: string, out: FlagPath): FileLock {
  try {
    return acquireFileLock(path.join(out.path, OUTPUT_LOCK_FILE), `the output folder ${out.path}`);
  } catch (error) {
    throw new Error(`segrefiner ${command}: --${out.flag} ${out.path} must not be written by another command at the same time, but ${(error as Error).message.replace(/^acquireFileLock: /, '')}`, { cause: error });
  }
}
