/** Runs `segrefiner …` in this process; returns the exit code and what it printed (stdout and stderr). */
import { main } from '../../src/cli/main';

export async function cliInProcess(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  console.error = console.log;
  try {
    return { code: await main(args), out: lines.join('\n') };
  } finally {
    Object.assign(console, { log, error });
  }
}
