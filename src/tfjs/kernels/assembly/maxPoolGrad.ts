/**
 * MaxPoolGrad's 2x2 / stride-2 scatter for one pair of input rows and the output row they pool
 * into, 4 channels per instruction, in place on the wasm backend's memory (memory-bound: one
 * read of x, y and dy, one write of dx).
 *
 * For each window and each group of 4 channels: e_k = (x_k == max) and not (e_0 | ... | e_(k-1)),
 * dx_k = dy & e_k. So dy goes to the first position (row-major) equal to the window's maximum,
 * the cpu backend's rule, without a branch; a NaN maximum matches nothing and the window gets 0.
 *
 * Addresses are bytes: x0/x1 and dx0/dx1 the window's top and bottom rows, y/dy the output row;
 * `channelBytes` is a multiple of 16 (at least 16), `windows` the output row's width.
 */
export function scatter2x2Row(x0: usize, x1: usize, y: usize, dy: usize, dx0: usize, dx1: usize, windows: i32, channelBytes: usize): void {
  // The loop inside a block rather than after an early return: V8 compiled the early-return form
  // of this function to slower code on the CNN's narrow rows.
  if (windows != 0) {
    // A window is two pixels of each input row: the right one is channelBytes past the left.
    const pairBytes = channelBytes << 1;
    do {
      let k: usize = 0;
      do {
        const max = v128.load(y + k);
        const g = v128.load(dy + k);
        // The top-left position: nothing taken yet.
        let taken = f32x4.eq(v128.load(x0 + k), max);
        v128.store(dx0 + k, v128.and(g, taken));
        let e = v128.andnot(f32x4.eq(v128.load(x0 + channelBytes + k), max), taken);
        v128.store(dx0 + channelBytes + k, v128.and(g, e));
        taken = v128.or(taken, e);
        e = v128.andnot(f32x4.eq(v128.load(x1 + k), max), taken);
        v128.store(dx1 + k, v128.and(g, e));
        taken = v128.or(taken, e);
        // The last position: what it takes needs no recording.
        e = v128.andnot(f32x4.eq(v128.load(x1 + channelBytes + k), max), taken);
        v128.store(dx1 + channelBytes + k, v128.and(g, e));
        k += 16;
      } while (k < channelBytes);
      x0 += pairBytes;
      x1 += pairBytes;
      dx0 += pairBytes;
      dx1 += pairBytes;
      y += channelBytes;
      dy += channelBytes;
    } while (--windows);
  }
}
