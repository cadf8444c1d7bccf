/**
 * The data-parallel Adam update (flatAdam.ts) over the shared memory the threads' arrays live in
 * (sharedUpdate.ts): four floats at a time, in float32 as tfjs computes Adam (the JavaScript loop
 * works in float64 with a conversion at each load and store, several times slower).
 *
 * `groups` x 4 floats from the byte addresses w, m, v (updated in place) and a, b (two shards'
 * gradients, averaged with shareA and shareB in the same pass), with flatAdam.ts's formula and
 * constants: g = a*shareA + b*shareB; m = m*beta1 + g*keep1; v = v*beta2 + g*g*keep2;
 * w = w*keepW + stepSize*m / (sqrt(v*inverse2) + epsilon), where keepW is AdamW's decoupled
 * decay 1 - lr*decay (exactly 1 for plain Adam: w*1 is w, so Adam's result is unchanged).
 */
export function adam(
  w: usize, m: usize, v: usize, a: usize, b: usize, groups: i32,
  shareA: f32, shareB: f32, beta1: f32, beta2: f32, keep1: f32, keep2: f32,
  stepSize: f32, inverse2: f32, epsilon: f32, keepW: f32,
): void {
  // Each constant in all 4 lanes once, outside the loop.
  const sA = f32x4.splat(shareA);
  const sB = f32x4.splat(shareB);
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const k1 = f32x4.splat(keep1);
  const k2 = f32x4.splat(keep2);
  const step = f32x4.splat(stepSize);
  const inv2 = f32x4.splat(inverse2);
  const eps = f32x4.splat(epsilon);
  const kW = f32x4.splat(keepW);
  if (groups != 0) {
    do {
      const g = f32x4.add(f32x4.mul(v128.load(a), sA), f32x4.mul(v128.load(b), sB));
      const mi = f32x4.add(f32x4.mul(v128.load(m), b1), f32x4.mul(g, k1));
      v128.store(m, mi);
      const vi = f32x4.add(f32x4.mul(v128.load(v), b2), f32x4.mul(f32x4.mul(g, g), k2));
      v128.store(v, vi);
      v128.store(w, f32x4.add(f32x4.mul(v128.load(w), kW), f32x4.div(f32x4.mul(step, mi), f32x4.add(f32x4.sqrt(f32x4.mul(vi, inv2)), eps))));
      w += 16;
      m += 16;
      v += 16;
      a += 16;
      b += 16;
    } while (--groups);
  }
}
