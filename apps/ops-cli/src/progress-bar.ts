/**
 * A terminal progress bar with rate and ETA for long CLI work. Writes to stderr so --json
 * output on stdout stays clean; silent when disabled or when stderr is not a terminal.
 */
export class ProgressBar {
  private done_ = 0;
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(private readonly label: string, private total: number, private readonly enabled: boolean) {}

  setTotal(total: number): void {
    this.total = total;
  }

  tick(n = 1): void {
    this.done_ += n;
    const now = Date.now();
    if (now - this.lastDraw > 200 || this.done_ >= this.total) {
      this.lastDraw = now;
      this.draw();
    }
  }

  done(): void {
    this.draw();
    if (this.enabled && process.stderr.isTTY) process.stderr.write('\n');
  }

  render(): string {
    const elapsed = Math.max(0.001, (Date.now() - this.started) / 1000);
    const rate = this.done_ / elapsed;
    const fraction = this.total > 0 ? Math.min(1, this.done_ / this.total) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const eta = rate > 0 && this.total > this.done_ ? (this.total - this.done_) / rate : 0;
    return `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done_}/${this.total} ${(fraction * 100).toFixed(0)}% ${rate.toFixed(0)}/s ETA ${formatSeconds(eta)}`;
  }

  private draw(): void {
    if (!this.enabled || !process.stderr.isTTY) return;
    process.stderr.write(`\r${this.render()}`);
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}
