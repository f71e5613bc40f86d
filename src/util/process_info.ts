/**
 * What one process can learn about another from its pid: whether it is alive, and on Linux its parent,
 * its name and its start time (/proc/<pid>/stat). The start time tells a live process apart from a
 * later one that reuses a dead process's pid. Elsewhere the /proc readers return null.
 */
import * as fs from 'fs';

export interface ProcStat {
  /** The executable's name as the kernel keeps it (at most 15 characters), e.g. 'node', 'sh'. */
  comm: string;
  /** One letter: R running, S sleeping, Z zombie (exited, not yet reaped by its parent), ... */
  state: string;
  ppid: number;
  /** Clock ticks after boot at which the process started (field 22), as a string: it can exceed 2^53 in theory. */
  startTicks: string;
}

/** Parses /proc/<pid>/stat; null where there is no /proc or no such process. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
  const open = text.indexOf('('), close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const fields = text.slice(close + 2).split(' '); // fields[0] is field 3 (state)
  return { comm: text.slice(open + 1, close), state: fields[0], ppid: Number(fields[1]), startTicks: fields[19] };
}

/** The start time of a process (see ProcStat.startTicks); null where /proc cannot tell. */
export function processStartTicks(pid: number): string | null {
  return readProcStat(pid)?.startTicks ?? null;
}

/**
 * True while a process with this pid runs on this machine. A zombie (killed, not yet reaped) does not
 * count, nor, given `startTicks` (from processStartTicks), a later process that reuses the pid.
 */
export function isProcessAlive(pid: number, startTicks: string | null = null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false; // kill(0 or -n) would signal a process group
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
  } catch (error) {
    // EPERM: it exists but belongs to another user
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcStat(pid);
  if (stat === null) return !fs.existsSync('/proc/self/stat'); // without /proc the signal check is all there is
  return stat.state !== 'Z' && (startTicks === null || stat.startTicks === startTicks);
}
