import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { IMAGE_SIZE_PX, NUM_CLASSES, PIXELS_PER_IMAGE, TRAIN_COUNT } from '../dataset.js';
import { DataError } from '../errors.js';

/** Magic numbers of the IDX format: unsigned byte data, 3 dimensions (images) or 1 (labels). */
export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;
const IMAGES_HEADER_BYTES = 16;
const LABELS_HEADER_BYTES = 8;
/**
 * The most bytes a gzipped IDX file may inflate to: the largest Fashion-MNIST file (60,000
 * train images). A small file that inflates to gigabytes (a zlib bomb) stops there.
 */
export const MAX_IDX_BYTES = IMAGES_HEADER_BYTES + TRAIN_COUNT * PIXELS_PER_IMAGE;

const gunzipAsync = promisify(gunzip);

/** Images of one IDX file: `count` x 28 x 28 uint8, row-major. */
export interface IdxImages {
  count: number;
  pixels: Uint8Array;
}

/** Labels of one IDX file, each 0..9. */
export interface IdxLabels {
  count: number;
  labels: Uint8Array;
}

/**
 * Reads an IDX file, gunzipping it when it starts with the gzip magic (the official files are
 * gzipped; a user's copy may not be). Gunzip runs on libuv's thread pool, so several files
 * decompress in parallel.
 */
export async function readIdxBytes(path: string): Promise<Uint8Array> {
  const bytes = await readFile(path);
  return isGzip(bytes) ? gunzipIdx(bytes, path) : bytes;
}

/** Gunzips IDX bytes, up to MAX_IDX_BYTES, naming `file` when they are not valid gzip. */
export async function gunzipIdx(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: MAX_IDX_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(
        `Cannot gunzip ${file}: it inflates to more than ${MAX_IDX_BYTES} bytes, the size of the largest Fashion-MNIST ` +
          'IDX file (60,000 images), so it is not one (a zlib bomb?). Download the file again.',
      );
    }
    throw new DataError(`Cannot gunzip ${file}: ${(err as Error).message}. Download the file again.`);
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function header(bytes: Uint8Array, file: string, need: number, magic: number): DataView {
  if (bytes.length < need) {
    throw new DataError(`${file} is too short for an IDX header (${bytes.length} bytes, need ${need}). Download the file again.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0);
  if (found !== magic) {
    const what = magic === IDX_IMAGES_MAGIC ? 'images' : 'labels';
    throw new DataError(`${file} has IDX magic number ${found}, expected ${magic} (${what}). Check that the right file has this name.`);
  }
  return view;
}

/** Parses an images IDX file (magic 2051, count x 28 x 28); throws DataError naming `file`. */
export function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  const view = header(bytes, file, IMAGES_HEADER_BYTES, IDX_IMAGES_MAGIC);
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  if (rows !== IMAGE_SIZE_PX || cols !== IMAGE_SIZE_PX) {
    throw new DataError(`${file} holds ${rows}x${cols} images, expected ${IMAGE_SIZE_PX}x${IMAGE_SIZE_PX}. Use the Fashion-MNIST IDX files.`);
  }
  const expected = IMAGES_HEADER_BYTES + count * PIXELS_PER_IMAGE;
  if (bytes.length !== expected) {
    throw new DataError(`${file} declares ${count} images (${expected} bytes) but holds ${bytes.length} bytes. Download the file again.`);
  }
  return { count, pixels: bytes.subarray(IMAGES_HEADER_BYTES) };
}

/** Parses a labels IDX file (magic 2049, count labels 0..9); throws DataError naming `file`. */
export function parseIdxLabels(bytes: Uint8Array, file: string): IdxLabels {
  const view = header(bytes, file, LABELS_HEADER_BYTES, IDX_LABELS_MAGIC);
  const count = view.getUint32(4);
  const expected = LABELS_HEADER_BYTES + count;
  if (bytes.length !== expected) {
    throw new DataError(`${file} declares ${count} labels (${expected} bytes) but holds ${bytes.length} bytes. Download the file again.`);
  }
  const labels = bytes.subarray(LABELS_HEADER_BYTES);
  const bad = labels.findIndex((l) => l >= NUM_CLASSES);
  if (bad >= 0) {
    throw new DataError(`${file} has label ${labels[bad]} at index ${bad}, expected 0..${NUM_CLASSES - 1}. Use the Fashion-MNIST IDX files.`);
  }
  return { count, labels };
}

/** Throws DataError unless an images file and its labels file hold the same number of items. */
export function checkIdxPair(images: IdxImages, labels: IdxLabels, imagesFile: string, labelsFile: string): void {
  if (images.count !== labels.count) {
    throw new DataError(
      `${imagesFile} holds ${images.count} images but ${labelsFile} holds ${labels.count} labels. ` +
        'Use the matching pair of IDX files.',
    );
  }
}
