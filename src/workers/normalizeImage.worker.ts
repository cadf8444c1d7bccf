/**
 * Piscina task: one image, a file or bytes uploaded to the serve stage, of any format sharp
 * reads (PNG, JPEG, WebP, GIF, TIFF, AVIF, SVG; any size; colour or grey) to 28x28 uint8 grey
 * pixels that look like Fashion-MNIST. sharp only decodes: the framing is
 * `frameDecodedImage`, the code the browser's prediction page runs too. Errors name the
 * image and say what was wrong. The dataset's own format (28x28 8-bit grey PNG) takes a fast
 * path without sharp (datasetPng.ts).
 */
import { move } from 'piscina';
import sharp, { type Metadata } from 'sharp';
import { displayPath } from '../io/displayPath.js';
import { readRegularFile } from '../io/readRegularFile.js';
import { frameDatasetPng, isDatasetPng } from '../images/datasetPng.js';
import { frameDecodedImage } from '../images/frameLikeFashionMnist.js';
import type { NormalizeImageTask } from '../images/normalizeTask.js';
import { wholeDecode } from '../images/wholeDecode.js';

/**
 * Largest image decoded, in pixels (10,000 x 10,000): a camera photo fits; a small file that
 * claims enormous dimensions (an image bomb) is refused before any pixel memory is allocated.
 */
export const MAX_INPUT_PIXELS = 100_000_000;
/**
 * Most memory one image may need when its decoder holds it whole (a progressive JPEG, an
 * interlaced PNG, a GIF: see wholeDecode.ts); each such decode takes about 1.3x this. Two workers
 * decoding at once then stay, with the process's own ~250 MB, under 1 GB: a 1 MB file can
 * otherwise claim 800 MB (10,000 x 10,000 16-bit RGBA, interlaced).
 */
export const MAX_WHOLE_DECODE_BYTES = 200_000_000;
/**
 * Larger images are shrunk by libvips to this size before the framing code shrinks them
 * further, so that a decode holds at most 4096 x 4096 pixels (64 MB as RGBA) whatever the
 * photo. Only such images can frame a level differently from the browser's page, which
 * shrinks them from full size.
 */
const DECODE_MAX_PX = 4096;

// Each call handles one small image; libvips' own threads and cache only add overhead here.
sharp.concurrency(1);
sharp.cache(false);

/** Reads, decodes and frames one image file: 784 uint8 pixels, or an error naming the path. */
export async function normalizeImageFile(path: string | Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const shown = displayPath(path);
  return normalizeImageBytes(readRegularFile(path, shown, maxBytes), shown);
}

/** Decodes and frames one image's bytes: 784 uint8 pixels, or an error naming it as `shown`. */
export async function normalizeImageBytes(input: Buffer, shown: string): Promise<Uint8Array> {
  // sharp's own words for this are "Input Buffer is empty"
  if (input.length === 0) throw new Error(`${shown}: empty (0 bytes), not an image.`);
  if (isDatasetPng(input)) return frameDatasetPng(input, shown);
  // metadata() reads the header only (no pixels), so it is safe without the pixel limit;
  // undefined when sharp cannot read it: decode() then fails and describeDecodeError names why
  const header = await sharp(input, { limitInputPixels: false }).metadata().catch(() => undefined);
  checkDecodeMemory(header, shown);
  // sharp throws at once for some inputs: the async wrapper turns that into a rejection too
  const { data, info } = await (async () => decode(input))().catch((err: Error) => {
    throw new Error(describeDecodeError(shown, input, header, err));
  });
  return frameDecodedImage(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
}

/** The Piscina task: the pixels are moved (not copied) back to the main thread. */
export default async function normalizeImage(task: NormalizeImageTask): Promise<Uint8Array> {
  const pixels = 'bytes' in task
    ? await normalizeImageBytes(Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength), task.name)
    : await normalizeImageFile(task.path, task.maxBytes);
  return move(pixels) as Uint8Array;
}

/** Decodes with sharp to raw 8-bit pixels (any channel count), shrunk to DECODE_MAX_PX if larger. */
function decode(input: Buffer) {
  let image = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
  // only JPEGs commonly carry an EXIF orientation, and rotate() costs a pipeline stage
  if (input[0] === 0xff && input[1] === 0xd8) image = image.rotate();
  return image
    .resize(DECODE_MAX_PX, DECODE_MAX_PX, { fit: 'inside', withoutEnlargement: true })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
}

/** Refuses, by its header alone, an image whose decoder would hold more than MAX_WHOLE_DECODE_BYTES. */
function checkDecodeMemory(header: Metadata | undefined, shown: string): void {
  // what is over the pixel limit is left to decode() to fail on and describeDecodeError to name
  if (!header || (header.width ?? 0) * (header.height ?? 0) > MAX_INPUT_PIXELS) return;
  const whole = wholeDecode(header);
  if (whole && whole.bytes > MAX_WHOLE_DECODE_BYTES) {
    throw new Error(
      `${shown}: a ${header.width} x ${header.height} ${whole.kind} is decoded whole, in ${whole.bytes} bytes of memory, ` +
        `over the limit of ${MAX_WHOLE_DECODE_BYTES}; not decoded. Save it as a baseline JPEG or a non-interlaced PNG, or shrink it.`,
    );
  }
}

function describeDecodeError(shown: string, input: Buffer, header: Metadata | undefined, err: Error): string {
  if (/pixel limit/i.test(err.message)) {
    const { width = 0, height = 0 } = header ?? {};
    return (
      `${shown}: ${width} x ${height} = ${width * height} pixels, over the limit of ${MAX_INPUT_PIXELS} ` +
      '(an image bomb?); not decoded. Shrink it first if it is a real image.'
    );
  }
  if (/unsupported image format/i.test(err.message)) {
    const head = [...input.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
    return `${shown}: not an image sharp can read (file starts with ${head || 'nothing: it is empty'}); expected PNG, JPEG, WebP, GIF, TIFF, AVIF or SVG.`;
  }
  return `${shown}: cannot decode (${err.message.trim()}); the file may be truncated or corrupt.`;
}
