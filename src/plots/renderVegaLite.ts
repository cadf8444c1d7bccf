import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FONT_FAMILY, svgToPng } from './svgToPng.js';

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

/**
 * The top-level fields every chart of the project shares: schema, title, exact pixel size
 * (see `renderVegaLite`), white background and the font that `svgToPng` checked is installed.
 */
export function chartFrame(title: string, size: ChartSize) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: size.widthPx,
    height: size.heightPx,
    autosize: { type: 'fit' as const, contains: 'padding' as const },
    padding: 10,
    background: 'white',
    config: { font: FONT_FAMILY, title: { fontSize: 16 }, axis: { labelFontSize: 12, titleFontSize: 13 } },
  };
}
