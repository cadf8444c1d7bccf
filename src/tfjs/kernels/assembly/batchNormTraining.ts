/**
 * The two per-element passes of BatchNorm in training that no stock kernel fuses:
 * - `centeredSums`: acc[c] += x - m[c] and acc[C + c] += (x - m[c])^2 over a run of pixels, the
 *   batch statistics in two reads of the activation where tf.moments makes six passes (Mean, Sub,
 *   Square, Mean, and their outputs). The sums are float32 over one call's pixels; the caller
 *   keeps calls short and adds their sums up in float64.
 * - `inputGrad`: dx = dx0 + (x - m) * b + c per channel, the last step of the input gradient.
 *
 * Addresses are bytes in the wasm backend's memory; `channelBytes` (C channels * 4) is a
 * positive multiple of 16; acc holds 2C floats. The loops test at the bottom (one branch per
 * step), so the channel loop runs once at least.
 */
export function centeredSums(x: usize, m: usize, acc: usize, pixels: i32, channelBytes: usize): void {
  const acc2 = acc + channelBytes;
  // Two pixels per step, the second's terms added to the first's sums before they are stored:
  // each lane still adds pixel p, then p + 1, with the same roundings, and the step reads and
  // writes acc half as often (bench/RESULTS.md).
  for (; pixels >= 2; pixels -= 2) {
    const x1 = x + channelBytes;
    let k: usize = 0;
    do {
      const mk = v128.load(m + k);
      const d0 = f32x4.sub(v128.load(x + k), mk);
      const d1 = f32x4.sub(v128.load(x1 + k), mk);
      v128.store(acc + k, f32x4.add(f32x4.add(v128.load(acc + k), d0), d1));
      v128.store(acc2 + k, f32x4.add(f32x4.add(v128.load(acc2 + k), f32x4.mul(d0, d0)), f32x4.mul(d1, d1)));
      k += 16;
    } while (k < channelBytes);
    x += channelBytes << 1;
  }
  if (pixels != 0) {
    let k: usize = 0;
    do {
      const d = f32x4.sub(v128.load(x + k), v128.load(m + k));
      v128.store(acc + k, f32x4.add(v128.load(acc + k), d));
      v128.store(acc2 + k, f32x4.add(v128.load(acc2 + k), f32x4.mul(d, d)));
      k += 16;
    } while (k < channelBytes);
  }
}

export function inputGrad(
  dx0: usize, x: usize, dx: usize, m: usize, b: usize, c: usize, pixels: i32, channelBytes: usize,
): void {
  if (pixels == 0) return;
  do {
    let k: usize = 0;
    do {
      const centered = f32x4.sub(v128.load(x + k), v128.load(m + k));
      v128.store(dx + k, f32x4.add(f32x4.add(v128.load(dx0 + k), f32x4.mul(centered, v128.load(b + k))), v128.load(c + k)));
      k += 16;
    } while (k < channelBytes);
    dx0 += channelBytes;
    x += channelBytes;
    dx += channelBytes;
  } while (--pixels);
}
