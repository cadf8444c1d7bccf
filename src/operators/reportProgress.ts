import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { Progress } from '../progress.js';

/**
 * Ticks `progress` by `weight(value)` for each value passing through (1 by default), leaving
 * the stream unchanged; the caller prints the final line, since only it knows the summary.
 *
 * @example
 * decoded$.pipe(reportProgress(bar, (chunk) => chunk.items.length))
 */
export function reportProgress<T>(progress: Pick<Progress, 'tick'>, weight: (value: T) => number = () => 1): MonoTypeOperatorFunction<T> {
  return tap((value) => progress.tick(weight(value)));
}
