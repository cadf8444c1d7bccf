/**
 * Progress for long work on stderr: a redrawn bar on a terminal, a plain line every 10%
 * otherwise (CI logs, pipes), so logs stay short and readable.
 */
export interface Progress {
  /** records `n` more items done */
  tick(n?: number): void;
  /** prints the final line (with an optional suffix such as a rate) */
  done(suffix?: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** minimum ms between terminal redraws */
  intervalMs?: number;
}

const BAR_WIDTH = 30;

export function createProgress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const intervalMs = opts.intervalMs ?? 100;
  const started = performance.now();
  let done = 0;
  let lastDraw = 0;
  let lastDecile = -1;

  const line = () => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const secs = (performance.now() - started) / 1000;
    const filled = Math.round(frac * BAR_WIDTH);
    const bar = tty ? ` [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]` : '';
    return `${label}${bar} ${done}/${total} (${(frac * 100).toFixed(0)}%) ${secs.toFixed(1)} s`;
  };

  return {
    tick(n = 1) {
      done += n;
      if (tty) {
        const now = performance.now();
        if (now - lastDraw >= intervalMs) {
          lastDraw = now;
          stream.write(`\r${line()}`);
        }
      } else {
        const decile = total > 0 ? Math.floor((done / total) * 10) : 10;
        if (decile > lastDecile && decile < 10) {
          lastDecile = decile;
          stream.write(`${line()}\n`);
        }
      }
    },
    done(suffix = '') {
      stream.write(`${tty ? '\r' : ''}${line()}${suffix ? ` ${suffix}` : ''}\n`);
    },
  };
}
