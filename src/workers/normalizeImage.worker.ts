/**
 * Piscina task: one image file of any format sharp reads (PNG, JPEG, WebP, GIF, TIFF, AVIF,
 * SVG; any size; colour or grey) to 28x28 uint8 grey pixels that look like Fashion-MNIST
 * (see frameLikeFashionMnist.ts for how). Errors name the path and say what was wrong.
 * The dataset's own format (28x28 8-bit grey PNG) takes a fast path without sharp.
 */
import { readFile } from 'node:fs/promises';
import { move } from 'piscina';
import sharp from 'sharp';
import { IMAGE_SIZE_PX } from '../dataset.js';
import { UndecodableError } from '../errors.js';
import { decodeGreyPng } from '../io/pngDecode.js';
import { frameLikeFashionMnist, toGrey } from '../images/frameLikeFashionMnist.js';

/**
 * Largest image decoded, in pixels (10,000 x 10,000): a camera photo fits; a small file that
 * claims enormous dimensions (an image bomb) is refused before any pixel memory is allocated.
 */
export const MAX_INPUT_PIXELS = 100_000_000;
/** Large images are shrunk by sharp to at most this size before framing in JS (4x the output). */
const WORK_SIZE_PX = 112;

// Each call handles one small image; libvips' own threads and cache only add overhead here.
sharp.concurrency(1);
sharp.cache(false);

export interface NormalizeImageTask {
  path: string;
}

/** Reads, decodes and frames one image file: 784 uint8 pixels, or an error naming the path. */
export async function normalizeImageFile(path: string): Promise<Uint8Array> {
  const input = await readInput(path);
  if (isDatasetPng(input)) return frameLikeFashionMnist(decodeDatasetPng(input, path), IMAGE_SIZE_PX, IMAGE_SIZE_PX);
  const { data, info } = await decode(input).catch(async (err: Error) => {
    throw new Error(await describeDecodeError(path, input, err));
  });
  const grey = toGrey(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
  return frameLikeFashionMnist(grey, info.width, info.height);
}

/** The Piscina task: the pixels are moved (not copied) back to the main thread. */
export default async function normalizeImage(task: NormalizeImageTask): Promise<Uint8Array> {
  return move(await normalizeImageFile(task.path)) as Uint8Array;
}

/**
 * True for the dataset's own format, a 28x28 8-bit grey non-interlaced PNG (IHDR fields at
 * fixed offsets). Those skip sharp: its per-call cost is far above the project's own decoder's.
 */
function isDatasetPng(input: Buffer): boolean {
  return (
    input.length > 29 &&
    input.readUInt32BE(0) === 0x89504e47 &&
    input.readUInt32BE(12) === 0x49484452 && // IHDR
    input.readUInt32BE(16) === IMAGE_SIZE_PX &&
    input.readUInt32BE(20) === IMAGE_SIZE_PX &&
    input[24] === 8 && // bit depth
    input[25] === 0 && // colour type: grey
    input[28] === 0 // not interlaced
  );
}

/**
 * The fast path's decode. A damaged file is an error here, not a reason to try sharp: sharp
 * reads only the rows it needs, so it would frame a zlib bomb or a corrupt file as an image.
 */
function decodeDatasetPng(input: Buffer, path: string): Uint8Array {
  const pixels = new Uint8Array(IMAGE_SIZE_PX * IMAGE_SIZE_PX);
  try {
    decodeGreyPng(input, path, pixels, 0);
  } catch (err) {
    if (err instanceof UndecodableError) throw new Error(`${path}: cannot decode: ${err.problem}. Export the image again, or leave it out.`);
    throw err;
  }
  return pixels;
}

/** Decodes with sharp to raw 8-bit pixels (any channel count), shrunk to WORK_SIZE_PX if larger. */
function decode(input: Buffer) {
  let image = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
  // only JPEGs commonly carry an EXIF orientation, and rotate() costs a pipeline stage
  if (input[0] === 0xff && input[1] === 0xd8) image = image.rotate();
  return image
    .resize(WORK_SIZE_PX, WORK_SIZE_PX, { fit: 'inside', withoutEnlargement: true })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: no such file (relative paths start at ${process.cwd()}).`);
    if (code === 'EISDIR') throw new Error(`${path}: is a directory, not an image. Pass image files, or a glob such as "${path}/**/*.png".`);
    if (code === 'EACCES') throw new Error(`${path}: permission denied; make the file readable.`);
    throw new Error(`${path}: cannot read (${(err as Error).message}).`);
  }
}

async function describeDecodeError(path: string, input: Buffer, err: Error): Promise<string> {
  if (/pixel limit/i.test(err.message)) {
    // header only: metadata() allocates no pixels, so it is safe without the limit
    const { width = 0, height = 0 } = await sharp(input, { limitInputPixels: false }).metadata().catch(() => ({ width: 0, height: 0 }));
    return (
      `${path}: ${width} x ${height} = ${width * height} pixels, over the limit of ${MAX_INPUT_PIXELS} ` +
      '(an image bomb?); not decoded. Shrink it first if it is a real image.'
    );
  }
  if (/unsupported image format/i.test(err.message)) {
    const head = [...input.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
    return `${path}: not an image sharp can read (file starts with ${head || 'nothing: it is empty'}); expected PNG, JPEG, WebP, GIF, TIFF, AVIF or SVG.`;
  }
  return `${path}: cannot decode (${err.message.trim()}); the file may be truncated or corrupt.`;
}
