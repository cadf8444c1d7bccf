import { bufferCount, map, pipe, type OperatorFunction } from 'rxjs';

/** A run of consecutive source items; `start` is the position of `items[0]` in the source. */
export interface Chunk<T> {
  index: number;
  start: number;
  items: T[];
}

/**
 * Groups items into chunks of `size` (the last may be smaller), each knowing its position, so
 * results that come back out of order can still be placed. One pool task per chunk keeps
 * messaging cheap when items are as small as a file path.
 *
 * @example
 * from(paths).pipe(chunkItems(500)) // {index: 0, start: 0, items: paths[0..499]}, ...
 */
export function chunkItems<T>(size: number): OperatorFunction<T, Chunk<T>> {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Expected a positive integer for chunk size but received ${JSON.stringify(size)}.`);
  }
  return pipe(
    bufferCount(size),
    map((items, index) => ({ index, start: index * size, items })),
  );
}
