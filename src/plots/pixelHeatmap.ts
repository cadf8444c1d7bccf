import type { TopLevelSpec } from 'vega-lite';
import { DataError } from '../errors.js';
import { chartFrame, renderVegaLite, type ChartSize } from './renderVegaLite.js';

/** Throws DataError unless `values` fill a `side` x `side` image of finite values. */
function checkValues(values: ArrayLike<number>, side: number, title: string): void {
  const bad = Array.prototype.findIndex.call(values, (v: number) => !Number.isFinite(v));
  if (values.length !== side * side || bad !== -1) {
    const why = bad === -1 ? `${values.length} values` : `value ${bad} is ${values[bad]}`;
    throw new DataError(`Heat map "${title}" needs ${side * side} finite values (${side} x ${side}, row-major), but has ${why}.`);
  }
}

/**
 * The Vega-Lite spec behind `renderPixelHeatmap`: one square per pixel, row 0 at the top, shaded
 * from pale (0) to dark (the largest value), so it reads like the images it describes.
 */
export function pixelHeatmapSpec(values: ArrayLike<number>, side: number, title: string, legend: string, size: ChartSize): TopLevelSpec {
  checkValues(values, side, title);
  const cells = Array.from(values, (value, i) => ({ row: Math.floor(i / side), col: i % side, value }));
  const max = Math.max(Number.MIN_VALUE, ...Array.from(values));
  const axis = (field: 'row' | 'col', name: string) => ({
    field,
    type: 'ordinal' as const,
    title: name,
    axis: { values: Array.from({ length: Math.ceil(side / 7) }, (_, i) => i * 7), labelAngle: 0 },
  });
  return {
    ...chartFrame(title, size),
    data: { values: cells },
    mark: { type: 'rect' },
    encoding: {
      x: axis('col', 'pixel column'),
      y: axis('row', 'pixel row'),
      color: { field: 'value', type: 'quantitative', scale: { scheme: 'inferno', reverse: true, domain: [0, max] }, title: legend },
    },
  };
}

/**
 * Renders per-pixel values (`side` x `side`, row-major) as a heat map PNG of `size` (default 640
 * x 600), such as a model's importance per pixel.
 */
export async function renderPixelHeatmap(
  values: ArrayLike<number>,
  side: number,
  title: string,
  legend: string,
  size: ChartSize = { widthPx: 640, heightPx: 600 },
): Promise<Buffer> {
  return renderVegaLite(pixelHeatmapSpec(values, side, title, legend, size));
}
