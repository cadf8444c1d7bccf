import { mergeMap, Subject } from 'rxjs';

/**
 * `fn` with at most `concurrency` calls running; later calls wait their turn in arrival order.
 * The serve stage gives its decode pool one upload per thread, so that an upload's time limit
 * counts its own decode and not its wait behind others (see runWithTimeout).
 */
export function withConcurrency<A, R>(concurrency: number, fn: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
  const calls = new Subject<{ arg: A; resolve(value: R): void; reject(err: unknown): void }>();
  calls.pipe(mergeMap(({ arg, resolve, reject }) => fn(arg).then(resolve, reject), concurrency)).subscribe();
  return (arg) => new Promise<R>((resolve, reject) => calls.next({ arg, resolve, reject }));
}
