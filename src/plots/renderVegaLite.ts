import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { svgToPng } from './svgToPng.js';

/** Size of a chart PNG in pixels. */
export interface ChartSize {
  widthPx: number;
  heightPx: number;
}

/**
 * Renders a Vega-Lite spec to a PNG: compile to Vega, run a headless View (no canvas needed),
 * export SVG, rasterise with sharp. Give the spec `width`, `height` and
 * `autosize: { type: 'fit', contains: 'padding' }` to get a PNG of exactly that size.
 */
export async function renderVegaLite(spec: TopLevelSpec): Promise<Buffer> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await svgToPng(await view.toSVG());
  } finally {
    view.finalize();
  }
}
