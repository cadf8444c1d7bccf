/**
 * The per-element part of FusedBatchNorm's gradient in one SIMD pass over the activation, where
 * stock kernels make five (Sum, Sub, Multiply, Sum, Multiply):
 *   dx = dy * scaleInvStd, acc[c] += dy, acc[C + c] += dy * (x - mean[c]).
 * The sums are float32 over the pixels of one call; the caller keeps calls short (chunks of
 * pixels) and adds their sums up in float64.
 *
 * Addresses are bytes in the wasm backend's memory; `channelBytes` (C channels * 4) is a
 * positive multiple of 16; acc holds 2C floats. The loops test at the bottom (one branch per
 * step), so the channel loop runs once at least.
 */
export function gradStats(
  dy: usize, x: usize, dx: usize, mean: usize, s: usize, acc: usize, pixels: i32, channelBytes: usize,
): void {
  if (pixels == 0) return;
  // acc's second half, the sums of dy * (x - mean)
  const acc2 = acc + channelBytes;
  do {
    let k: usize = 0;
    do {
      const g = v128.load(dy + k);
      v128.store(dx + k, f32x4.mul(g, v128.load(s + k)));
      v128.store(acc + k, f32x4.add(v128.load(acc + k), g));
      v128.store(acc2 + k, f32x4.add(v128.load(acc2 + k), f32x4.mul(g, f32x4.sub(v128.load(x + k), v128.load(mean + k)))));
      k += 16;
    } while (k < channelBytes);
    dy += channelBytes;
    x += channelBytes;
    dx += channelBytes;
  } while (--pixels);
}
