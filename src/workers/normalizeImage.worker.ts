/**
 * Piscina task: one image file of any format sharp reads (PNG, JPEG, WebP, GIF, TIFF, AVIF,
 * SVG; any size; colour or grey) to 28x28 uint8 grey pixels that look like Fashion-MNIST
 * (see frameLikeFashionMnist.ts for how). Errors name the path and say what was wrong.
 * The dataset's own format (28x28 8-bit grey PNG) takes a fast path without sharp.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { move } from 'piscina';
import sharp from 'sharp';
import { IMAGE_SIZE_PX } from '../dataset.js';
import { displayPath } from '../io/displayPath.js';
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
  /** bytes when the name is not valid UTF-8 (fs takes either) */
  path: string | Uint8Array;
  /** larger files are refused unread (`--max-input-bytes`) */
  maxBytes: number;
}

/** Reads, decodes and frames one image file: 784 uint8 pixels, or an error naming the path. */
export async function normalizeImageFile(path: string | Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const shown = displayPath(path);
  const input = readInput(path, shown, maxBytes);
  const fast = isDatasetPng(input) ? decodeDatasetPng(input, shown) : undefined;
  if (fast) return frameLikeFashionMnist(fast, IMAGE_SIZE_PX, IMAGE_SIZE_PX);
  // sharp throws at once for some inputs: the async wrapper turns that into a rejection too
  const { data, info } = await (async () => decode(input))().catch(async (err: Error) => {
    throw new Error(await describeDecodeError(shown, input, err));
  });
  const grey = toGrey(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
  return frameLikeFashionMnist(grey, info.width, info.height);
}

/** The Piscina task: the pixels are moved (not copied) back to the main thread. */
export default async function normalizeImage(task: NormalizeImageTask): Promise<Uint8Array> {
  return move(await normalizeImageFile(task.path, task.maxBytes)) as Uint8Array;
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

/** The fast path's decode; undefined when the file is damaged, so sharp reports it. */
function decodeDatasetPng(input: Buffer, path: string): Uint8Array | undefined {
  const pixels = new Uint8Array(IMAGE_SIZE_PX * IMAGE_SIZE_PX);
  try {
    decodeGreyPng(input, path, pixels, 0);
    return pixels;
  } catch {
    return undefined;
  }
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

/**
 * The file's bytes, refused with a message naming it unless it is a regular file of at most
 * `maxBytes` (only `maxBytes + 1` bytes are ever read, in case it grows). stat comes first so
 * that a device is never opened (opening one can have effects of its own); O_NONBLOCK makes the
 * open of a path swapped for a FIFO since return at once instead of waiting for a writer, which
 * would hold a thread the process needs to exit; fstat then checks what was really opened.
 * Synchronous: the pool gives each task a worker of its own (it can be stopped), so there is
 * nothing to overlap, and each call saves a round trip through libuv's thread pool.
 */
function readInput(path: string | Uint8Array, shown: string, maxBytes: number): Buffer {
  const name = typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
  let fd: number | undefined;
  try {
    checkReadable(statSync(name), shown, maxBytes);
    fd = openSync(name, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = fstatSync(fd);
    checkReadable(info, shown, maxBytes);
    const input = readAtMost(fd, info.size, maxBytes);
    if (input.length > maxBytes) throw new InputError(tooLarge(shown, `more than ${maxBytes} bytes (it grew while read)`, maxBytes));
    if (input.length === 0) throw new InputError(`${shown}: empty file (0 bytes), not an image.`);
    return input;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new Error(describeReadError(shown, err as NodeJS.ErrnoException));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A refusal already worded for the user, as opposed to a system error still to be described. */
class InputError extends Error {}

function checkReadable(info: Stats, shown: string, maxBytes: number): void {
  if (info.isDirectory()) throw new InputError(`${shown}: is a directory, not an image. Pass image files, or a glob such as "${shown}/**/*.png".`);
  if (!info.isFile()) throw new InputError(`${shown}: is ${fileKind(info)}, not an image file; only regular files are read.`);
  if (info.size > maxBytes) throw new InputError(tooLarge(shown, `${info.size} bytes`, maxBytes));
}

const tooLarge = (shown: string, size: string, maxBytes: number) =>
  `${shown}: ${size}, over the limit of ${maxBytes} bytes (--max-input-bytes); refused. Shrink the image, or raise the limit.`;

function fileKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Up to `maxBytes + 1` bytes of `fd`: the one extra byte tells a file over the limit from one
 * exactly at it. `sizeHint` (fstat's size) sizes the first read; a file that reports 0 (as
 * /proc files do) or grows is read on in larger steps until its end or the limit.
 */
function readAtMost(fd: number, sizeHint: number, maxBytes: number): Buffer {
  const limit = maxBytes + 1;
  let buffer = Buffer.allocUnsafe(Math.min(limit, sizeHint + 1));
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (filled === limit) break;
      const larger = Buffer.allocUnsafe(Math.min(limit, Math.max(2 * filled, 65_536)));
      buffer.copy(larger, 0, 0, filled);
      buffer = larger;
    }
    const bytesRead = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function describeReadError(shown: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return `${shown}: no such file (relative paths start at ${displayPath(process.cwd())}).`;
  if (err.code === 'EACCES') return `${shown}: permission denied; make the file readable.`;
  if (err.code === 'ENOTDIR') return `${shown}: a part of the path before the file name is not a directory.`;
  // the system's message repeats the path as it is: shown escaped like the rest
  return `${shown}: cannot read (${displayPath(err.message)}).`;
}

async function describeDecodeError(shown: string, input: Buffer, err: Error): Promise<string> {
  if (/pixel limit/i.test(err.message)) {
    // header only: metadata() allocates no pixels, so it is safe without the limit
    const { width = 0, height = 0 } = await sharp(input, { limitInputPixels: false }).metadata().catch(() => ({ width: 0, height: 0 }));
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
