import { Observable } from 'rxjs';

/** A source that reads ahead at most `window` items, and the function that frees them. */
export interface PulledSource<T> {
  items$: Observable<T>;
  /** marks `n` emitted items as done, letting the source read `n` more */
  release(n: number): void;
}

/**
 * Emits items from an async iterable (lines of stdin, a fast-glob stream) but never more than
 * `window` ahead of what the consumer has `release`d. RxJS has no backpressure: `from()` would
 * drain the iterable as fast as it yields and buffer it all; here the iterable is simply not
 * asked for its next item while the window is full, so a pull-based stream (a Readable's
 * async iterator) stops reading and memory stays bounded however long the input is.
 * Unsubscribing stops the reading and closes the iterator.
 *
 * @example
 * const { items$, release } = pullFrom(readLines(process.stdin), 1000);
 * items$.pipe(mergeMap(work, 8), tap(() => release(1)))
 */
export function pullFrom<T>(iterable: AsyncIterable<T>, window: number): PulledSource<T> {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`Expected a positive integer for window but received ${JSON.stringify(window)}.`);
  }
  let credit = window;
  let wake: (() => void) | undefined;
  const release = (n: number) => {
    credit += n;
    wake?.();
  };
  const items$ = new Observable<T>((subscriber) => {
    const iterator = iterable[Symbol.asyncIterator]();
    let stopped = false;
    (async () => {
      while (!stopped) {
        if (credit <= 0) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        const step = await iterator.next();
        if (stopped) return;
        if (step.done) return subscriber.complete();
        credit -= 1;
        subscriber.next(step.value);
      }
    })().catch((err: unknown) => subscriber.error(err));
    return () => {
      stopped = true;
      wake?.();
      void iterator.return?.();
    };
  });
  return { items$, release };
}
