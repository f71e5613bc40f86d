/**
 * Why a long job (training) should stop before it is done: SIGINT (Ctrl-C), SIGTERM, or the npm
 * launcher dying (launcher_watch.ts). The first request asks the job to stop cleanly; a second
 * SIGINT/SIGTERM exits at once (the 'exit' handlers still run, so locks are released).
 * SIGHUP is left alone: `nohup` runs rely on ignoring it.
 */
import { watchLauncher } from './launcher_watch';

export interface StopRequest {
  /** A phrase for messages, e.g. "interrupted (SIGINT)". */
  reason: string;
  /** The exit code the command returns once stopped: 128 + signal number, or 1. */
  exitCode: number;
}

const SIGNALS: Record<'SIGINT' | 'SIGTERM', StopRequest> = {
  SIGINT: { reason: 'interrupted (SIGINT)', exitCode: 130 },
  SIGTERM: { reason: 'terminated (SIGTERM)', exitCode: 143 },
};

/**
 * Calls onStop with the first request; `log` tells the user what happens next. Returns a function
 * that removes the handlers.
 */
export function watchStopRequests(onStop: (request: StopRequest) => void, log: (message: string) => void = (m) => console.error(m)): () => void {
  let first: StopRequest | null = null;
  const request = (r: StopRequest, isSignal: boolean) => {
    if (first !== null) {
      if (!isSignal) return;
      log(`${r.reason} again: exiting now, without finishing the step.`);
      process.exit(first.exitCode);
    }
    first = r;
    log(`${r.reason}: stopping after the current step${isSignal ? ' (send it again to exit at once)' : ''}.`);
    onStop(r);
  };
  const handlers = Object.entries(SIGNALS).map(([signal, r]) => [signal, () => request(r, true)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  const stopWatching = watchLauncher((why) => request({ reason: why, exitCode: 1 }, false));
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    stopWatching();
  };
}
