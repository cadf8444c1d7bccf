/**
 * The dataset's own image format, a 28x28 8-bit grey non-interlaced PNG, decoded and framed
 * without sharp: its per-call cost is far above the project's own decoder's on these tiny files.
 * `predict --input` takes this path for such files in its decode pool; the serve stage sends
 * such uploads as bytes straight to the predictor thread, which takes it there.
 */
import { IMAGE_SIZE_PX, PIXELS_PER_IMAGE } from '../dataset.js';
import { UndecodableError } from '../errors.js';
import { decodeGreyPng } from '../io/pngDecode.js';
import { frameDecodedImage } from './frameLikeFashionMnist.js';

/** True for the dataset's own format (IHDR fields at fixed offsets); says nothing of the image data. */
export function isDatasetPng(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (
    bytes.length > 29 &&
    view.getUint32(0) === 0x89504e47 &&
    view.getUint32(12) === 0x49484452 && // IHDR
    view.getUint32(16) === IMAGE_SIZE_PX &&
    view.getUint32(20) === IMAGE_SIZE_PX &&
    bytes[24] === 8 && // bit depth
    bytes[25] === 0 && // colour type: grey
    bytes[28] === 0 // not interlaced
  );
}

/**
 * 784 framed pixels of an image in the dataset's format, or an Error naming it as `shown`. A
 * damaged file is an error here, not a reason to try sharp: sharp reads only the rows it needs,
 * so it would frame a zlib bomb or a corrupt file as an image.
 */
export function frameDatasetPng(bytes: Uint8Array, shown: string): Uint8Array {
  const pixels = new Uint8Array(PIXELS_PER_IMAGE);
  try {
    decodeGreyPng(bytes, shown, pixels, 0);
  } catch (err) {
    if (err instanceof UndecodableError) throw new Error(`${shown}: cannot decode: ${err.problem}. Export the image again, or leave it out.`);
    throw err;
  }
  return frameDecodedImage(pixels, IMAGE_SIZE_PX, IMAGE_SIZE_PX, 1);
}
