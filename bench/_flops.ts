/**
 * Arithmetic of a forward pass, to turn images/s into GFLOP/s: the multiply-adds of the Dense
 * and Conv2D layers (2 FLOP each), read from the model's layer shapes. Bias, activation,
 * BatchNorm and pooling are left out: a few FLOP per output, under 1% of either study network.
 */
import { tf } from '../src/tfjs/tf.js';

/** FLOP of one image's forward pass through `model`'s Dense and Conv2D layers. */
export function forwardFlopsPerImage(model: tf.LayersModel): number {
  let multiplyAdds = 0;
  for (const layer of model.layers) {
    const kernel = layer.getWeights()[0];
    if (!kernel) continue;
    const output = layer.outputShape as number[];
    if (layer.getClassName() === 'Dense') {
      const [inputs, units] = kernel.shape as [number, number];
      multiplyAdds += inputs * units;
    } else if (layer.getClassName() === 'Conv2D') {
      // channels-last output [n, h, w, c]; every output value takes kh * kw * c_in multiply-adds
      const [kh, kw, cin] = kernel.shape as [number, number, number, number];
      multiplyAdds += output[1]! * output[2]! * output[3]! * kh * kw * cin;
    }
  }
  return 2 * multiplyAdds;
}

/**
 * GFLOP/s of a plain (untransposed) wasm matmul of 500x1000 by 1000x800, the fastest kernel
 * the forward passes use, measured for about `seconds` on this thread: the per-core rate the
 * inference figures are compared with, taken now because a shared machine changes it.
 */
export function plainMatMulGflops(seconds = 1): number {
  const [m, k, n] = [500, 1000, 800];
  const a = tf.randomUniform([m, k]);
  const b = tf.randomUniform([k, n]);
  const once = () => {
    const y = tf.matMul(a, b);
    y.dataSync();
    y.dispose();
  };
  try {
    once(); // packs b
    let runs = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      once();
      runs++;
    }
    return (2 * m * k * n * runs) / ((performance.now() - started) / 1000) / 1e9;
  } finally {
    tf.dispose([a, b]);
  }
}
