/**
 * A Dropout layer whose training mask comes from the project's seeded generator (random.ts,
 * mulberry32) written straight into one multiplier tensor, then one Multiply. tfjs-core draws
 * the mask through randomUniform (seedrandom's alea, one closure call per element, then a
 * tensor), Add, Floor and RealDiv: a sizeable part of a CNN step on wasm, most of it in
 * randomUniform (bench/RESULTS.md). Same distribution (each element kept with probability
 * 1 - rate and scaled by 1 / (1 - rate)); a seed gives the same mask every time, not the mask
 * tfjs would draw. The gradient is tfjs-core's for Multiply.
 */
import { fillBernoulli } from '../../random.js';
import { once, registerLayerClass, stockLayerClass } from './layerClasses.js';
import { tf } from '../tf.js';
import { tookPath } from '../kernels/kernelPaths.js';

interface DropoutLayer extends tf.layers.Layer {
  readonly rate: number;
  readonly noiseShape: number[] | undefined;
  /** set per step by the trainer (step.ts), undefined otherwise */
  seed: number | undefined;
}
type DropoutArgs = Parameters<typeof tf.layers.dropout>[0];
type DropoutClass = (new (args: DropoutArgs) => DropoutLayer) & { className: string };

let enabled = false;

const stockDropout = once(() => stockLayerClass<DropoutClass>(() => tf.layers.dropout({ rate: 0.5 })));

const fastDropout = once((): DropoutClass => class FastDropout extends stockDropout() {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const fast = enabled && kwargs.training === true && this.rate > 0 && this.rate < 1 && this.noiseShape == null && x.dtype === 'float32';
    if (kwargs.training === true) tookPath('Dropout layer, training', fast ? 'one-pass seeded mask' : 'stock layer');
    if (!fast) return super.call(inputs, kwargs);
    // like tfjs, a layer without a seed draws a fresh mask from Math.random
    const seed = this.seed ?? Math.floor(Math.random() * 2 ** 32);
    return tf.tidy(() => tf.mul(x, dropoutMultiplier(x.shape, 1 - this.rate, seed)));
  }
});

/** A tensor of `shape` holding 1 / keep with probability keep, else 0, drawn from `seed`. */
export function dropoutMultiplier(shape: number[], keep: number, seed: number): tf.Tensor {
  const values = new Float32Array(shape.reduce((n, d) => n * d, 1));
  const scale = Math.fround(1 / Math.fround(keep));
  fillBernoulli(values, keep, scale, seed);
  return tf.tensor(values, shape);
}

/** A Dropout layer (`tf.layers.dropout`'s arguments) with the fast mask while it is enabled. */
export function dropout(args: DropoutArgs): tf.layers.Layer {
  return new (fastDropout())(args);
}

/**
 * Turns the fast mask on or off for every layer made by `dropout`, and makes deserialized
 * models (the training threads' replicas) use that class for "Dropout" (or the stock one).
 */
export function enableFastDropout(on: boolean): void {
  enabled = on;
  registerLayerClass(on ? fastDropout() : stockDropout());
}
