import sharp from 'sharp';
import { IMAGE_SIZE_PX } from '../dataset.js';
import { ConfigError } from '../errors.js';
import { FONT_FAMILY, svgToPng } from './svgToPng.js';

/** One greyscale image to show: `sizePx` x `sizePx` uint8 pixels, row-major, 0 black. */
export interface GridImage {
  pixels: Uint8Array;
  title: string;
}

/** Layout of `renderImageGrid`; every field has a default. */
export interface ImageGridOptions {
  /** images per row (default: all in one row, at most 5) */
  columns?: number;
  /** each source pixel becomes a `scale` x `scale` block (default 4) */
  scale?: number;
  /** side of the square source images (default 28) */
  sizePx?: number;
  /** title font size in px (default 14) */
  fontSizePx?: number;
}

/** White space around the grid and between cells, in px. */
export const GRID_MARGIN_PX = 10;

/** Escapes text for an SVG text node (titles may contain `&` or `<`). */
function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The image scaled up with nearest-neighbour (crisp pixel blocks), as a PNG data URI. */
async function scaledDataUri(pixels: Uint8Array, sizePx: number, scale: number): Promise<string> {
  const png = await sharp(pixels, { raw: { width: sizePx, height: sizePx, channels: 1 } })
    .resize(sizePx * scale, sizePx * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * Renders images in a grid, each with its title above it, as a PNG. Pixels are scaled up before
 * they go into the SVG, at exactly their displayed size, so the rasteriser never resamples them
 * and every source pixel stays a sharp block.
 *
 * Size: width = 2 m + c s + (c - 1) m, height = 2 m + r (t + s) + (r - 1) m, where m is
 * GRID_MARGIN_PX, s = sizePx * scale, t = round(1.5 * fontSizePx), c columns and r rows.
 */
export async function renderImageGrid(images: GridImage[], options: ImageGridOptions = {}): Promise<Buffer> {
  const sizePx = options.sizePx ?? IMAGE_SIZE_PX;
  const scale = options.scale ?? 4;
  const fontSizePx = options.fontSizePx ?? 14;
  const columns = options.columns ?? Math.min(images.length, 5);
  if (images.length === 0) throw new ConfigError('images', 'at least one image', images.length);
  if (!Number.isInteger(scale) || scale < 1) throw new ConfigError('scale', 'a positive integer', scale);
  if (!Number.isInteger(columns) || columns < 1) throw new ConfigError('columns', 'a positive integer', columns);
  const bad = images.findIndex((im) => im.pixels.length !== sizePx * sizePx);
  if (bad !== -1) {
    throw new ConfigError(`the pixels of image ${bad} ("${images[bad].title}")`, `${sizePx * sizePx} values`, images[bad].pixels.length);
  }
  const side = sizePx * scale;
  const titleH = Math.round(1.5 * fontSizePx);
  const rows = Math.ceil(images.length / columns);
  const width = 2 * GRID_MARGIN_PX + columns * side + (columns - 1) * GRID_MARGIN_PX;
  const height = 2 * GRID_MARGIN_PX + rows * (titleH + side) + (rows - 1) * GRID_MARGIN_PX;
  const uris = await Promise.all(images.map((im) => scaledDataUri(im.pixels, sizePx, scale)));
  const cells = images.map((im, i) => {
    const x = GRID_MARGIN_PX + (i % columns) * (side + GRID_MARGIN_PX);
    const y = GRID_MARGIN_PX + Math.floor(i / columns) * (titleH + side + GRID_MARGIN_PX);
    return (
      `<text x="${x + side / 2}" y="${y + fontSizePx}" text-anchor="middle" font-family="${FONT_FAMILY}" ` +
      `font-size="${fontSizePx}" fill="#111">${escapeXml(im.title)}</text>` +
      `<image x="${x}" y="${y + titleH}" width="${side}" height="${side}" xlink:href="${uris[i]}"/>`
    );
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}">` +
    `<rect width="${width}" height="${height}" fill="white"/>${cells.join('')}</svg>`;
  return svgToPng(svg);
}
