/**
 * y = x * a + b with per-channel a and b (the channels are the last axis): FusedBatchNorm's forward
 * in one pass instead of a Multiply and an Add. Same float32 operations in the same order as those
 * two kernels, so the same values.
 *
 * Addresses are bytes in the wasm backend's memory; `channelBytes` is a multiple of 16.
 */
export function affine(x: usize, y: usize, a: usize, b: usize, pixels: i32, channelBytes: usize): void {
  for (; pixels > 0; pixels--) {
    for (let k: usize = 0; k < channelBytes; k += 16) {
      v128.store(y + k, f32x4.add(f32x4.mul(v128.load(x + k), v128.load(a + k)), v128.load(b + k)));
    }
    x += channelBytes;
    y += channelBytes;
  }
}
