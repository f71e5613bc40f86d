/**
 * metrics.jsonl, the run's log: one JSON record per line, appended as training goes. A killed trainer
 * leaves records of steps after its last checkpoint, and maybe a torn last line. The resumed run
 * replays those steps, so on resume the log is cut back to the checkpoint's step first: each logged
 * step then has exactly one train record, and the torn line does not end up mid-file (where
 * parseMetricsJsonl refuses it).
 */
import * as fs from 'fs';
import { writeFileAtomic } from '../util/atomic_write';

export function appendMetricsRecord(file: string, record: Record<string, unknown>): void {
  fs.appendFileSync(file, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
}

export interface TruncatedLog {
  /** Records dropped because their step is after the checkpoint's. */
  afterStep: number;
  /** Lines dropped because they do not parse as a JSON object (a torn write). */
  unreadable: number;
}

/**
 * Cuts the log back to `step`: drops records whose step is greater and lines that do not parse;
 * keeps everything else in order. Rewrites the file atomically, and only if something changes.
 * A missing file is left missing.
 */
export function truncateMetricsLog(file: string, step: number): TruncatedLog {
  if (!fs.existsSync(file)) return { afterStep: 0, unreadable: 0 };
  const kept: string[] = [];
  let afterStep = 0, unreadable = 0;
  const text = fs.readFileSync(file, 'utf8');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = parseRecord(line);
    if (record === null) unreadable++;
    else if (typeof record.step === 'number' && record.step > step) afterStep++;
    else kept.push(line);
  }
  // a last record without its newline would glue the next append onto it
  if (afterStep + unreadable > 0 || (text !== '' && !text.endsWith('\n'))) writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
  return { afterStep, unreadable };
}

function parseRecord(line: string): Record<string, unknown> | null {
  try {
    const r = JSON.parse(line) as unknown;
    return typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
