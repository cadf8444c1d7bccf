import { from, lastValueFrom, tap } from 'rxjs';
import { PIXELS_PER_IMAGE } from '../../dataset.js';
import { DATA_ERROR_CAUSE, DataError } from '../../errors.js';
import { chunkItems } from '../../operators/chunkItems.js';
import { decodeInPool } from '../../operators/decodeInPool.js';
import { reportProgress } from '../../operators/reportProgress.js';
import type { Progress } from '../../progress.js';
import { WorkerPool } from '../../workerPool.js';

/** Paths per pool task: large enough that messaging is noise, small enough to balance 2+ workers. */
export const PATHS_PER_TASK = 500;

export type DecodePool = WorkerPool<string[], Uint8Array>;

/**
 * A pool of `workers` decode threads, started at once: create it before other slow work (the
 * CSV checks) so the threads boot meanwhile. The caller destroys it, so the process can exit.
 */
export function createDecodePool(workers: number): DecodePool {
  return new WorkerPool({
    filename: new URL('../../workers/decode.worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
}

export interface DecodeOptions {
  /** paths per pool task (default PATHS_PER_TASK) */
  chunkSize?: number;
  progress?: Pick<Progress, 'tick'>;
  signal?: AbortSignal;
}

/**
 * The pool task for one chunk of paths, as a function: a DataError for bad input (the error's
 * class is lost crossing the worker boundary; its cause marks bad input). Once `signal` fires,
 * chunks not yet started are refused with its reason, but none that runs is cut short: aborting
 * a Piscina task terminates its thread, and a thread terminated inside inflate takes the process
 * down on Node 20. A chunk takes a few tens of milliseconds.
 */
export function decodeChunks(pool: DecodePool, signal?: AbortSignal): (paths: string[]) => Promise<Uint8Array> {
  return async (paths) => {
    signal?.throwIfAborted();
    try {
      return await pool.run(paths);
    } catch (err) {
      throw (err as Error).cause === DATA_ERROR_CAUSE ? new DataError((err as Error).message) : err;
    }
  };
}

/**
 * Decodes every PNG in `paths` into one buffer (paths.length x 784, in path order): paths in
 * chunks through the pool, two chunks in flight per thread so none waits for its next task.
 * Bad input rejects with a DataError naming the file; `signal` with its reason.
 */
export async function decodeImages(paths: string[], pool: DecodePool, opts: DecodeOptions = {}): Promise<Uint8Array> {
  const pixels = new Uint8Array(paths.length * PIXELS_PER_IMAGE);
  await lastValueFrom(
    from(paths).pipe(
      chunkItems(opts.chunkSize ?? PATHS_PER_TASK),
      decodeInPool(decodeChunks(pool, opts.signal), pool.maxThreads * 2),
      tap((chunk) => pixels.set(chunk.pixels, chunk.start * PIXELS_PER_IMAGE)),
      reportProgress(opts.progress ?? { tick: () => undefined }, (chunk) => chunk.items.length),
    ),
    { defaultValue: undefined },
  );
  return pixels;
}
