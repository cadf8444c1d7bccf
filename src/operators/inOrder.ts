import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Re-emits values in the order of their position `indexOf(value)` (0, 1, 2, ...), holding
 * early arrivals until the ones before them have passed. Use it after a `mergeMap` whose
 * results finish out of order; the mergeMap's concurrency bounds how many wait here.
 * Errors if the source completes while a position is still missing.
 *
 * @example
 * chunks$.pipe(decodeInPool(run, 4), inOrder((chunk) => chunk.index))
 */
export function inOrder<T>(indexOf: (value: T) => number): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const waiting = new Map<number, T>();
      let next = 0;
      return source.subscribe({
        next(value) {
          waiting.set(indexOf(value), value);
          while (waiting.has(next)) {
            const ready = waiting.get(next) as T;
            waiting.delete(next);
            next += 1;
            subscriber.next(ready);
          }
        },
        error: (err) => subscriber.error(err),
        complete() {
          if (waiting.size > 0) {
            subscriber.error(new RangeError(`inOrder: the source completed without position ${next}; ${waiting.size} later values were never emitted.`));
          } else {
            subscriber.complete();
          }
        },
      });
    });
}
