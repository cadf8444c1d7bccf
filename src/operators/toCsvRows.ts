import { map, type OperatorFunction } from 'rxjs';
import { NUM_CLASSES } from '../dataset.js';

/** A batch of items with the model's output: `probs` holds NUM_CLASSES probabilities per item. */
export interface PredictedBatch<T> {
  items: T[];
  probs: Float32Array;
}

/** A CSV row: the values csv-stringify writes, in column order. */
export type CsvRow = (string | number)[];

/** The predicted class (the first most probable on ties) and its probability, for item `i`. */
export function topClass(probs: Float32Array, i: number): { label: number; probability: number } {
  let label = 0;
  for (let c = 1; c < NUM_CLASSES; c++) if (probs[i * NUM_CLASSES + c]! > probs[i * NUM_CLASSES + label]!) label = c;
  return { label, probability: probs[i * NUM_CLASSES + label]! };
}

/**
 * Turns each predicted batch into its CSV rows, one per item, in item order: `format` gets
 * the item, its predicted class and that class's probability.
 *
 * @example
 * batches$.pipe(toCsvRows((path, label, p) => [path, label, CLASS_NAMES[label], p.toFixed(4)]))
 */
export function toCsvRows<T>(
  format: (item: T, label: number, probability: number) => CsvRow,
): OperatorFunction<PredictedBatch<T>, CsvRow[]> {
  return map(({ items, probs }) =>
    items.map((item, i) => {
      const { label, probability } = topClass(probs, i);
      return format(item, label, probability);
    }),
  );
}
