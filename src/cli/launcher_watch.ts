/**
 * Noticing that the npm process which launched us died. `npx segrefiner train` (also `npm exec`,
 * `npm run train`) runs the CLI two processes down: npm → `sh -c segrefiner ...` → node. `kill -9` on
 * npm kills npm alone: sh keeps waiting on node, and node would train on with no one left to stop it.
 * So under npm (it sets `npm_command` in our environment) we watch the chain from our parent up to the
 * first ancestor that is not a shell, and report when one of them is gone.
 *
 * Only under npm: a trainer started from a shell with `nohup ... &` is meant to outlive that shell.
 * Without /proc (not Linux) only our direct parent is watched, through a change of process.ppid.
 */
import { isProcessAlive, readProcStat } from '../util/process_info';

/** Process names that are shells npm runs commands through, not the launcher itself. */
const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'ksh', 'mksh', 'busybox']);

interface Watched {
  pid: number;
  name: string;
  startTicks: string | null;
}

/** True when npm launched this process (npx, npm exec, npm run). */
export function launchedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.npm_command);
}

/**
 * The processes from our parent up to the launcher (the first one that is not a shell), on Linux;
 * elsewhere just the parent, named by pid.
 */
export function launcherChain(): Watched[] {
  const chain: Watched[] = [];
  let pid = process.ppid;
  while (pid > 1 && chain.length < 8) {
    const stat = readProcStat(pid);
    if (stat === null) return chain.length ? chain : [{ pid: process.ppid, name: 'parent', startTicks: null }];
    chain.push({ pid, name: stat.comm, startTicks: stat.startTicks });
    if (!SHELLS.has(stat.comm)) break;
    pid = stat.ppid;
  }
  return chain;
}

/**
 * Polls, when launchedByNpm, whether the launcher chain is intact; calls onGone once with a sentence
 * naming the process that died. Returns a function that stops watching. The timer does not keep
 * the process alive.
 */
export function watchLauncher(onGone: (why: string) => void, everyMs = 1000): () => void {
  if (!launchedByNpm()) return () => undefined;
  const chain = launcherChain(), parentAtStart = process.ppid;
  const timer = setInterval(() => {
    const gone = chain.find((p) => !isProcessAlive(p.pid, p.startTicks));
    if (!gone && process.ppid === parentAtStart) return;
    clearInterval(timer);
    const who = gone ?? { pid: parentAtStart, name: 'parent' };
    onGone(`its launcher died (process ${who.pid}, ${who.name}, of the npm chain that started it)`);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
