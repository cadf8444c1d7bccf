import { mergeMap, type OperatorFunction } from 'rxjs';
import type { Chunk } from './chunkItems.js';

/** A chunk with its decoded pixels (items.length x 784, in item order). */
export interface DecodedChunk<T> extends Chunk<T> {
  pixels: Uint8Array;
}

/**
 * Decodes each chunk with `decode` (a worker pool's `run`, in practice), at most `concurrency`
 * at a time. RxJS has no backpressure: this limit is what keeps 70,000 paths from becoming
 * thousands of queued pool tasks. Results arrive in completion order; each carries its chunk's
 * `start` so the caller can place it. A failed decode errors the stream.
 *
 * @example
 * from(paths).pipe(chunkItems(500), decodeInPool((p) => pool.run(p), 4))
 */
export function decodeInPool<T>(
  decode: (items: T[]) => Promise<Uint8Array>,
  concurrency: number,
): OperatorFunction<Chunk<T>, DecodedChunk<T>> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`Expected a positive integer for concurrency but received ${JSON.stringify(concurrency)}.`);
  }
  return mergeMap(async (chunk) => ({ ...chunk, pixels: await decode(chunk.items) }), concurrency);
}
