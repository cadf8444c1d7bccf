/**
 * Brings any image to the look of a Fashion-MNIST image: a light object, centred, its longer
 * side 28 px, on a black background. Pure functions over raw pixels, with no Node.js or DOM
 * dependency: `frameDecodedImage` is the one entry that both the CLI's normalizeImage worker
 * (after sharp decodes a file) and the browser's prediction page (after the browser decodes a
 * picture) call, so the two frame a picture the same way.
 *
 * Fashion-MNIST was made from product photos (dark-ish objects on white) by trimming the
 * background, resizing the longer edge to 28, centring on a 28x28 canvas and negating. This
 * follows the same steps:
 * 1. Alpha is composited onto white (transparent = the photo's background), colour becomes
 *    luma (Rec. 601).
 * 2. Light background: when more than half of the one-pixel border is light (> 127), the image
 *    is negated, so a dark shirt on white becomes a light shirt on black.
 * 3. An image already 28x28 is taken as is (it is framed like the dataset already).
 * 4. Otherwise the background level is the median of the border; pixels brighter than it by
 *    more than 5% of 255 (Fashion-MNIST's trim tolerance) form the object's bounding box. The
 *    box is scaled so its longer side is 28 px (aspect ratio kept, area-averaged), levels are
 *    shifted so the background is 0, and it is centred on a black 28x28 canvas.
 */
import { IMAGE_SIZE_PX, PIXEL_MAX } from '../dataset.js';

/**
 * Larger images are first shrunk to this size on their longer side (area-averaged): 4x the
 * output keeps enough detail to find and frame the object, at a bounded cost per image.
 */
export const WORK_SIZE_PX = 112;
/** Pixels closer than this to the background level are background (5% of 255). */
export const TRIM_TOLERANCE = Math.round(0.05 * PIXEL_MAX);
const LIGHT = 127;

/** Grey levels from raw interleaved pixels of 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels. */
export function toGrey(raw: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const n = width * height;
  if (raw.length !== n * channels || channels < 1 || channels > 4) {
    throw new RangeError(`Expected ${width}x${height} pixels of 1-4 channels but received ${raw.length} bytes for ${channels} channels.`);
  }
  if (channels === 1) return raw;
  const grey = new Uint8Array(n);
  const colour = channels >= 3;
  const hasAlpha = channels === 2 || channels === 4;
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    const luma = colour ? 0.299 * raw[p]! + 0.587 * raw[p + 1]! + 0.114 * raw[p + 2]! : raw[p]!;
    const alpha = hasAlpha ? raw[p + channels - 1]! / PIXEL_MAX : 1;
    grey[i] = Math.round(luma * alpha + PIXEL_MAX * (1 - alpha));
  }
  return grey;
}

/**
 * 28x28 uint8 pixels framed like Fashion-MNIST from decoded pixels of any size: to grey, shrunk
 * to at most WORK_SIZE_PX, then framed (see the module comment).
 */
export function frameDecodedImage(raw: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const grey = toGrey(raw, width, height, channels);
  const work = shrinkInside(grey, width, height, WORK_SIZE_PX);
  return frameLikeFashionMnist(work.pixels, work.width, work.height);
}

/**
 * `grey` shrunk so that its longer side is `maxSide` px (aspect ratio kept, area-averaged,
 * rounded to whole levels), or `grey` itself when it already fits.
 */
export function shrinkInside(grey: Uint8Array, width: number, height: number, maxSide: number): { pixels: Uint8Array; width: number; height: number } {
  if (Math.max(width, height) <= maxSide) return { pixels: grey, width, height };
  const scale = maxSide / Math.max(width, height);
  const w = Math.max(1, Math.min(maxSide, Math.round(width * scale)));
  const h = Math.max(1, Math.min(maxSide, Math.round(height * scale)));
  const small = resampleArea(grey, width, height, w, h);
  const pixels = new Uint8Array(w * h);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(PIXEL_MAX, Math.round(small[i]!));
  return { pixels, width: w, height: h };
}

/** True when more than half of the one-pixel border is light, i.e. a dark object on a light background. */
export function hasLightBorder(grey: Uint8Array, width: number, height: number): boolean {
  const border = borderValues(grey, width, height);
  return border.filter((v) => v > LIGHT).length * 2 > border.length;
}

/** 28x28 uint8 pixels framed like Fashion-MNIST (see the module comment for the steps). */
export function frameLikeFashionMnist(grey: Uint8Array, width: number, height: number): Uint8Array {
  const img = hasLightBorder(grey, width, height) ? grey.map((v) => PIXEL_MAX - v) : grey;
  if (width === IMAGE_SIZE_PX && height === IMAGE_SIZE_PX) return img;
  const background = median(borderValues(img, width, height));
  const box = objectBox(img, width, height, background);
  const out = new Uint8Array(IMAGE_SIZE_PX * IMAGE_SIZE_PX);
  if (!box) return out; // nothing but background: an empty (black) image
  const scale = IMAGE_SIZE_PX / Math.max(box.w, box.h);
  const tw = Math.max(1, Math.min(IMAGE_SIZE_PX, Math.round(box.w * scale)));
  const th = Math.max(1, Math.min(IMAGE_SIZE_PX, Math.round(box.h * scale)));
  const crop = new Float32Array(box.w * box.h);
  const gain = PIXEL_MAX / Math.max(1, PIXEL_MAX - background);
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) {
      crop[y * box.w + x] = Math.max(0, img[(box.y + y) * width + box.x + x]! - background) * gain;
    }
  }
  const small = resampleArea(crop, box.w, box.h, tw, th);
  const left = Math.floor((IMAGE_SIZE_PX - tw) / 2);
  const top = Math.floor((IMAGE_SIZE_PX - th) / 2);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) out[(top + y) * IMAGE_SIZE_PX + left + x] = Math.min(PIXEL_MAX, Math.round(small[y * tw + x]!));
  }
  return out;
}

function borderValues(grey: Uint8Array, width: number, height: number): number[] {
  const values: number[] = [];
  for (let x = 0; x < width; x++) {
    values.push(grey[x]!);
    if (height > 1) values.push(grey[(height - 1) * width + x]!);
  }
  for (let y = 1; y < height - 1; y++) {
    values.push(grey[y * width]!);
    if (width > 1) values.push(grey[y * width + width - 1]!);
  }
  return values;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Bounding box of pixels brighter than `background` by more than TRIM_TOLERANCE, or undefined. */
function objectBox(img: Uint8Array, width: number, height: number, background: number) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (img[y * width + x]! - background > TRIM_TOLERANCE) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * Area-averaging resample (each output pixel is the mean of the source area it covers, with
 * fractional edges), separable: rows first, then columns. Works for shrinking and enlarging.
 */
export function resampleArea(src: Float32Array | Uint8Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const rows = new Float32Array(dw * sh);
  for (let y = 0; y < sh; y++) resample1d(src, y * sw, 1, sw, rows, y * dw, 1, dw);
  const out = new Float32Array(dw * dh);
  for (let x = 0; x < dw; x++) resample1d(rows, x, dw, sh, out, x, dw, dh);
  return out;
}

function resample1d(
  src: Float32Array | Uint8Array, srcStart: number, srcStride: number, srcLen: number,
  dst: Float32Array, dstStart: number, dstStride: number, dstLen: number,
): void {
  const step = srcLen / dstLen; // source pixels per output pixel
  for (let i = 0; i < dstLen; i++) {
    const from = i * step;
    const to = from + step;
    let sum = 0;
    for (let s = Math.floor(from); s < Math.min(srcLen, Math.ceil(to)); s++) {
      const cover = Math.min(to, s + 1) - Math.max(from, s);
      sum += src[srcStart + s * srcStride]! * cover;
    }
    dst[dstStart + i * dstStride] = sum / step;
  }
}
