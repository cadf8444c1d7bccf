/** What an image's header says (sharp's `metadata()`), as far as the memory to decode it goes. */
export interface ImageHeader {
  format?: string;
  width?: number;
  height?: number;
  channels?: number;
  /** libvips' sample format: 'uchar' (8 bits), 'ushort' (16 bits), ... */
  depth?: string;
  /** an interlaced PNG or a progressive JPEG */
  isProgressive?: boolean;
}

/** An image its decoder must hold whole in memory, and how many bytes that takes at least. */
export interface WholeDecode {
  kind: string;
  bytes: number;
}

/**
 * The memory a decoder holds at once for `header`'s image when it cannot decode it row by row,
 * or undefined when it can: libvips streams a baseline JPEG, a non-interlaced PNG, WebP or TIFF
 * through the shrink whatever its size, so those need no more than the pixel limit allows.
 * - a progressive JPEG keeps every DCT coefficient of the image: 2 bytes per sample;
 * - an interlaced (Adam7) PNG fills the whole image pass by pass, at its own sample size;
 * - a GIF's frames are composed on an RGBA canvas of the whole image;
 * - HEIF and AVIF decode the whole picture at once.
 */
export function wholeDecode(header: ImageHeader): WholeDecode | undefined {
  const pixels = (header.width ?? 0) * (header.height ?? 0);
  const channels = header.channels ?? 4;
  const sampleBytes = header.depth === 'ushort' || header.depth === 'short' ? 2 : 1;
  switch (header.format) {
    case 'jpeg':
      return header.isProgressive ? { kind: 'progressive JPEG', bytes: pixels * channels * 2 } : undefined;
    case 'png':
      return header.isProgressive ? { kind: 'interlaced PNG', bytes: pixels * channels * sampleBytes } : undefined;
    case 'gif':
      return { kind: 'GIF', bytes: pixels * 4 };
    case 'heif':
      return { kind: 'HEIF/AVIF image', bytes: pixels * channels * sampleBytes };
    default:
      return undefined;
  }
}
