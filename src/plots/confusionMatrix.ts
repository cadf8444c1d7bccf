import type { TopLevelSpec } from 'vega-lite';
import { DataError } from '../errors.js';
import { chartFrame, renderVegaLite, type ChartSize } from './renderVegaLite.js';

/** Throws DataError unless `matrix` is square with one row and column per class name. */
function checkMatrix(matrix: number[][], classNames: string[], title: string): void {
  const n = classNames.length;
  const badRow = matrix.findIndex((row) => row.length !== n);
  if (n === 0 || matrix.length !== n || badRow !== -1) {
    const shape = badRow === -1 ? `${matrix.length} rows` : `row ${badRow} has ${matrix[badRow].length} columns`;
    throw new DataError(
      `Confusion matrix "${title}" must be ${n} x ${n} (one row and column per class name), but ${shape}. ` +
        'Rows are true classes, columns predicted classes.',
    );
  }
}

/**
 * The Vega-Lite spec behind `renderConfusionMatrix`: true class down, predicted class across,
 * cells shaded by count and labelled with it (white text on the dark cells).
 */
export function confusionMatrixSpec(matrix: number[][], classNames: string[], title: string, size: ChartSize): TopLevelSpec {
  checkMatrix(matrix, classNames, title);
  const values = matrix.flatMap((row, t) => row.map((count, p) => ({ true: classNames[t], predicted: classNames[p], count })));
  const max = Math.max(1, ...values.map((v) => v.count));
  // keep class order (not alphabetical) on both axes
  const axis = (field: 'true' | 'predicted', title: string) => ({
    field,
    type: 'ordinal' as const,
    sort: classNames,
    title,
  });
  return {
    ...chartFrame(title, size),
    data: { values },
    encoding: {
      x: { ...axis('predicted', 'predicted class'), axis: { labelAngle: -40, orient: 'bottom' } },
      y: axis('true', 'true class'),
    },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues', domain: [0, max] }, title: 'count' },
        },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/**
 * Renders a confusion matrix (rows true classes, columns predicted, in `classNames` order) as a
 * labelled heatmap PNG of `size` (default 700 x 640) with the count in every cell.
 */
export async function renderConfusionMatrix(
  matrix: number[][],
  classNames: string[],
  title: string,
  size: ChartSize = { widthPx: 700, heightPx: 640 },
): Promise<Buffer> {
  return renderVegaLite(confusionMatrixSpec(matrix, classNames, title, size));
}
