/**
 * The live progress line of `npm run bench`: one line on stderr, rewritten in place (`\r`
 * and erase-to-end), showing the step, what runs and the elapsed time. Only on a terminal:
 * when stderr is not a TTY or under CI it prints nothing (logs stay clean), so tables on
 * stdout are never interleaved with it in a file.
 */
import { isCi } from './environment.js';

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export class Progress {
  readonly enabled: boolean;
  private text = '';
  private readonly started = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param total steps the run has (child processes, for the bench)
   * @param stream where the line goes (stderr)
   */
  constructor(private readonly total: number, private readonly stream: ProgressStream = process.stderr, env: NodeJS.ProcessEnv = process.env) {
    this.enabled = stream.isTTY === true && !isCi(env);
    if (this.enabled) {
      // Refresh the elapsed time while a child runs; unref'd so it never keeps Node alive.
      this.timer = setInterval(() => this.draw(), 1000);
      this.timer.unref();
    }
  }

  /** Shows step `done + 1` of `total`: `what` is running now. */
  update(done: number, what: string): void {
    this.text = `[${Math.min(done + 1, this.total)}/${this.total}] ${what}`;
    this.draw();
  }

  /** Erases the line before other output is printed (call, print, then update again). */
  clear(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }

  /** Erases the line and stops refreshing. */
  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private draw(): void {
    if (!this.enabled || !this.text) return;
    const s = Math.floor((Date.now() - this.started) / 1000);
    const elapsed = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    this.stream.write(`\r\x1b[K${this.text} (${elapsed} elapsed)`);
  }
}
