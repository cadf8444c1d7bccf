import { createProgress, type Progress } from '../../progress.js';
import type { EpochLogs } from '../../networks/train.js';

/** One line per epoch, Keras-like: `epoch 3/500 12.3 s loss 0.4123 accuracy 0.8512 ...`. */
export function epochLine(epoch: number, epochs: number, logs: EpochLogs, improved: boolean): string {
  return (
    `epoch ${epoch}/${epochs} ${logs.seconds.toFixed(1)} s ` +
    `loss ${logs.loss.toFixed(4)} accuracy ${logs.accuracy.toFixed(4)} ` +
    `val_loss ${logs.val_loss.toFixed(4)} val_accuracy ${logs.val_accuracy.toFixed(4)}` +
    (improved ? ' (best, saved)' : '')
  );
}

/**
 * A batch progress bar per epoch on a terminal (stderr), erased when the epoch's line is
 * printed; nothing but the epoch lines when stderr is not a terminal (logs, CI).
 */
export function createEpochProgress(stream: NodeJS.WriteStream = process.stderr) {
  let bar: Progress | undefined;
  return {
    start(epoch: number, epochs: number, batches: number) {
      if (stream.isTTY) bar = createProgress(`epoch ${epoch}/${epochs}`, batches, { stream });
    },
    tick() {
      bar?.tick();
    },
    /** erases the bar so the epoch line (on stdout) replaces it */
    end() {
      if (bar) stream.write('\r\x1b[2K');
      bar = undefined;
    },
  };
}
