/**
 * The gradients of Relu and Square, each one SIMD pass over the activation where tfjs-core makes
 * two (dy * cast(step(x)) and dy * (x * 2)). Same float32 results, except that a NaN x gives
 * Relu's gradient 0 where step(NaN) gives NaN.
 *
 * Addresses are bytes in the wasm backend's memory; `groups` counts runs of 4 floats (the caller
 * does the last 0-3 elements). The loops test at the bottom (one branch per step) inside an
 * `if` for the no-group call: with an early `return` instead, V8 compiled the loop slower
 * (bench/RESULTS.md).
 */

/** dx = x > 0 ? dy : 0, as dy & (x > 0): the comparison's all-ones lanes keep dy, others give 0. */
export function relu(dy: usize, x: usize, dx: usize, groups: i32): void {
  if (groups != 0) {
    const end = (<usize>groups) << 4;
    let i: usize = 0;
    do {
      v128.store(dx + i, v128.and(v128.load(dy + i), f32x4.gt(v128.load(x + i), f32x4.splat(0))));
      i += 16;
    } while (i < end);
  }
}

/** dx = dy * (x + x): x + x is x * 2 exactly, without a constant to load. */
export function square(dy: usize, x: usize, dx: usize, groups: i32): void {
  if (groups != 0) {
    const end = (<usize>groups) << 4;
    let i: usize = 0;
    do {
      const v = v128.load(x + i);
      v128.store(dx + i, f32x4.mul(v128.load(dy + i), f32x4.add(v, v)));
      i += 16;
    } while (i < end);
  }
}
