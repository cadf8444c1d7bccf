/**
 * sums[r][co] += sum over pixels p of patches[p][r] * dy[p][co], for a few rows r (the study's
 * first convolution: 4 = 2x2 taps of 1 input channel): each patch value is broadcast to 4 lanes
 * and multiplied into 4 channels of dy at a time. The sums stay in memory, which stays in L1 cache
 * (rows x Co floats): one read of dy, and none of the transposes and packing the matrix-product
 * form needs.
 *
 * Addresses are bytes: patches [pixels, rows], dy [pixels, Co], sums [rows, Co], all float32;
 * `channelBytes` = Co * 4, a multiple of 16 (at least 16).
 */
export function accumulate(patches: usize, dy: usize, sums: usize, pixels: i32, rows: i32, channelBytes: usize): void {
  if (pixels != 0 && rows != 0) {
    do {
      let row = rows;
      let rowAt = sums;
      do {
        const xs = f32x4.splat(load<f32>(patches));
        patches += 4;
        let k: usize = 0;
        do {
          // sums + xs * dy, in this order: the float operations of the opcode version it replaced
          v128.store(rowAt + k, f32x4.add(v128.load(rowAt + k), f32x4.mul(xs, v128.load(dy + k))));
          k += 16;
        } while (k < channelBytes);
        rowAt += channelBytes;
      } while (--row);
      dy += channelBytes;
    } while (--pixels);
  }
}
