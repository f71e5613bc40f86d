/**
 * Training progress: a one-line bar (step, loss, examples/s, ETA) redrawn in place on a terminal;
 * plain lines every `every` steps when stdout is not a TTY (CI logs, notebooks).
 */
export class Progress {
  private readonly start = Date.now();
  private lastPlain = -1;

  constructor(private readonly total: number, private readonly startStep: number, private readonly every: number,
    private readonly tty = Boolean(process.stdout.isTTY), private readonly write: (s: string) => void = (s) => { process.stdout.write(s); }) {}

  update(step: number, loss: number, iou: number, examplesPerSec: number): void {
    const done = step - this.startStep;
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = done > 0 ? ((this.total - step) * elapsed) / done : NaN;
    const text = `step ${step}/${this.total}  loss ${loss.toFixed(4)}  iou ${iou.toFixed(3)}  ${examplesPerSec.toFixed(2)} ex/s  ETA ${formatSeconds(eta)}`;
    if (this.tty) {
      const width = 24, filled = Math.round((width * step) / this.total);
      this.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}   `);
    } else if (step === this.total || step - this.lastPlain >= this.every) {
      this.lastPlain = step;
      this.write(`${text}\n`);
    }
  }

  /** A message on its own line (ends the bar's line first). */
  note(message: string): void {
    this.write(this.tty ? `\n${message}\n` : `${message}\n`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}
