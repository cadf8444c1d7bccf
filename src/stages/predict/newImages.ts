/**
 * `--input`: new images, one path per line on stdin (`-`) or a glob, through a pool of
 * normalizeImage workers and the model, as CSV rows on stdout as soon as each batch is done.
 *
 * Memory is bounded whatever the input's length: pullFrom reads a path only while fewer than a
 * window of paths are in flight (decoding, waiting for their batch, or being predicted), so
 * stdin is simply not read while the pipeline is full. In flight: at most (model workers + 1)
 * x batchSize + workers images of 784 bytes plus their paths (about 1.2 MB with 2 workers and
 * batch size 500), one 64 kB stdin chunk and a line of at most 4 kB (readLines skips longer
 * ones), and stdout's buffer (writes wait for 'drain').
 *
 * Time is bounded per input: only regular files up to `maxInputBytes` are read, and a read and
 * decode that takes longer than MAX_DECODE_MS is stopped (runWithTimeout) and reported.
 */
import { bufferTime, concatMap, filter, fromEvent, lastValueFrom, mergeMap, of, takeUntil } from 'rxjs';
import { CLASS_NAMES, PIXELS_PER_IMAGE } from '../../dataset.js';
import { displayPath } from '../../io/displayPath.js';
import type { Predictor } from '../../models/predictor.js';
import { inOrder } from '../../operators/inOrder.js';
import { pullFrom } from '../../operators/pullFrom.js';
import { toCsvRows } from '../../operators/toCsvRows.js';
import type { CsvSink } from './csvSink.js';
import type { NewInput } from './newInputs.js';
import { runWithTimeout, TaskTimeoutError } from './runWithTimeout.js';
import { WorkerPool } from '../../workerPool.js';
import type { NormalizeImageTask } from '../../images/normalizeTask.js';

/** Columns of the rows written to stdout. */
export const NEW_IMAGE_COLUMNS = ['path', 'class', 'label', 'probability'];
/** A partial batch is predicted after this long without filling up, so slow input still gets prompt rows. */
export const FLUSH_MS = 200;
/** Longest time one input may take to be read and decoded; no real image comes near it. */
export const MAX_DECODE_MS = 10_000;

export type NormalizePool = WorkerPool<NormalizeImageTask, Uint8Array>;

/** A pool of `workers` threads that read, decode and frame one image per task; the caller destroys it. */
export function createNormalizePool(workers: number): NormalizePool {
  return new WorkerPool({
    filename: new URL('../../workers/normalizeImage.worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
}

export interface NewImagesOptions {
  /** its threads (one task in flight per thread) */
  pool: NormalizePool;
  batchSize: number;
  /** where the rows go; ended once the last row is in */
  sink: CsvSink;
  /** one line per failed input (the message names the path and what was wrong) */
  onFailure(message: string): void;
  signal: AbortSignal;
  /** larger files are refused unread */
  maxInputBytes: number;
  /** told how many rows each write added */
  onRows?(count: number): void;
}

/** An input's pixels with its path as shown (control characters escaped), or why it failed. */
type Normalized = { seq: number; shown: string; pixels: Uint8Array } | { seq: number; error: string };

/** How a run over new images ended. */
export interface NewImagesResult {
  /** inputs read */
  total: number;
  failed: number;
  /** stdout was closed by its reader before the input ended (the rest was not read) */
  outputClosed: boolean;
}

/**
 * Predicts every input image into `opts.sink`, one row per image in input order; resolves to how
 * many inputs there were and how many failed (each told to `onFailure`, with no row).
 */
export async function predictNewImages(predictor: Predictor, inputs: AsyncIterable<NewInput>, opts: NewImagesOptions): Promise<NewImagesResult> {
  const { pool, sink } = opts;
  // one task per worker: Piscina runs a task with a time limit alone on its worker, so a second
  // one would only wait, and its wait would count against its limit
  const concurrency = pool.options.maxThreads;
  // enough for a batch filling, one per model worker, and the decodes in flight
  const { items$, release } = pullFrom(inputs, (predictor.concurrency + 1) * opts.batchSize + concurrency);
  let total = 0;
  let failed = 0;
  const normalize = async (input: NewInput, seq: number): Promise<Normalized> => {
    total += 1;
    if ('error' in input) return { seq, error: input.error };
    const shown = displayPath(input.path);
    try {
      return { seq, shown, pixels: await runWithTimeout(pool, { path: input.file ?? input.path, maxBytes: opts.maxInputBytes }, MAX_DECODE_MS) };
    } catch (err) {
      if (!(err instanceof TaskTimeoutError)) return { seq, error: (err as Error).message };
      return { seq, error: `${shown}: ${err.message} to read and decode; stopped. Convert it to a smaller PNG or JPEG.` };
    }
  };
  try {
    await lastValueFrom(
      items$.pipe(
        takeUntil(opts.signal.aborted ? of(true) : fromEvent(opts.signal, 'abort')),
        mergeMap(normalize, concurrency),
        inOrder((item) => item.seq),
        filter((item): item is Extract<Normalized, { pixels: Uint8Array }> => {
          if ('pixels' in item) return true;
          failed += 1;
          opts.onFailure(item.error);
          release(1);
          return false;
        }),
        bufferTime(FLUSH_MS, null, opts.batchSize),
        filter((batch) => batch.length > 0),
        mergeMap(async (batch, index) => {
          const pixels = new Uint8Array(batch.length * PIXELS_PER_IMAGE);
          batch.forEach((item, i) => pixels.set(item.pixels, i * PIXELS_PER_IMAGE));
          return { index, items: batch.map((item) => item.shown), probs: await predictor.predictBatch(pixels, batch.length) };
        }, predictor.concurrency),
        inOrder((batch) => batch.index),
        toCsvRows((shown, label, probability) => [shown, label, CLASS_NAMES[label]!, probability.toFixed(4)]),
        concatMap(async (rows) => {
          await sink.write(rows);
          release(rows.length);
          opts.onRows?.(rows.length);
        }),
      ),
      { defaultValue: undefined },
    );
    await sink.end();
  } catch (err) {
    // the reader of stdout has gone (`... | head`): stop reading input, as other tools do
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
    return { total, failed, outputClosed: true };
  }
  return { total, failed, outputClosed: false };
}
