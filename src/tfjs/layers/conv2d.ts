/**
 * A Conv2D layer whose training pass is one FusedConv2D kernel (convolution, bias and relu in
 * one XNNPACK pass on wasm), with the gradient below. In training tfjs-layers calls
 * tf.fused.conv2d, which fuses only without a tape: with one it runs Conv2D, a broadcast Add
 * and Relu, two more full passes over the output (a noticeable part of a CNN step on wasm;
 * bench/RESULTS.md). The kernel is recorded on the tape under its own name, so its gradient is
 * the registered one, whose per-input closures run only for the inputs that need one: the
 * first layer's image input gets none.
 */
import { once, registerLayerClass, stockLayerClass } from './layerClasses.js';
import { tf } from '../tf.js';
import { tookPath } from '../kernels/kernelPaths.js';

/** The members of tfjs-layers' Conv2D this module reads. */
interface Conv2DLayer extends tf.layers.Layer {
  readonly rank: number;
  readonly strides: number[];
  readonly padding: 'same' | 'valid' | 'causal';
  readonly dataFormat: string;
  readonly dilationRate: number[];
  readonly activation: { getClassName(): string };
  readonly kernel: tf.LayerVariable;
  readonly bias: tf.LayerVariable | null;
}
type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type Conv2DClass = (new (args: Conv2DArgs) => Conv2DLayer) & { className: string };

/** Activations the kernel and the gradient below handle, by tfjs-layers class name. */
const FUSED: Readonly<Record<string, 'relu' | 'linear'>> = { relu: 'relu', linear: 'linear' };

let enabled = false;

const stockConv2d = once(() => stockLayerClass<Conv2DClass>(() => tf.layers.conv2d({ filters: 1, kernelSize: 1 })));

const fastConv2d = once((): Conv2DClass => class FastConv2D extends stockConv2d() {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const activation = FUSED[this.activation.getClassName()];
    const plain = this.rank === 2 && this.dataFormat === 'channelsLast' && this.padding !== 'causal' && this.dilationRate.every((d) => d === 1);
    const fused = enabled && kwargs.training === true && activation !== undefined && plain && x.rank === 4;
    if (kwargs.training === true) tookPath('Conv2D layer, training', fused ? 'fused convolution + bias + activation' : 'stock layer');
    if (!fused) return super.call(inputs, kwargs);
    const attrs = { strides: this.strides, pad: this.padding, dataFormat: 'NHWC', dilations: [1, 1], activation };
    const bias = this.bias?.read();
    return tf.engine().runKernel(
      'FusedConv2D', { x, filter: this.kernel.read(), ...(bias ? { bias } : {}) }, attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
  }
});

/**
 * FusedConv2D's gradient for stride-and-padding convolutions with a linear or relu activation
 * and an optional bias (what FastConv2D records): relu's gradient through the output (y > 0
 * exactly where the pre-activation is), then the stock input and filter gradient kernels and a
 * sum for the bias. tfjs-core registers none for this kernel (its fused op records its own).
 */
export const fusedConv2dGradConfig: tf.GradConfig = {
  kernelName: 'FusedConv2D',
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode, activation } = attrs as unknown as tf.FusedConv2DAttrs;
    if (activation !== 'relu' && activation !== 'linear') throw new Error(`No gradient for FusedConv2D with activation "${activation}".`);
    // the registered Relu gradient: the project's one-pass kernel on wasm
    const dz = activation === 'relu' ? (tf.getGradient('Relu').gradFunc(dy, [y], {}) as { x: () => tf.Tensor4D }).x() : (dy as tf.Tensor4D);
    const common = { strides, pad, dataFormat, dimRoundingMode };
    return {
      x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      bias: () => tf.sum(dz, [0, 1, 2]),
    };
  },
};

/** A Conv2D layer (`tf.layers.conv2d`'s arguments) with the fused training pass while it is enabled. */
export function conv2d(args: Conv2DArgs): tf.layers.Layer {
  return new (fastConv2d())(args);
}

/**
 * Turns the fused training pass on or off for every layer made by `conv2d`, and makes
 * deserialized models (the training threads' replicas) use that class for "Conv2D".
 */
export function enableFastConv2d(on: boolean): void {
  enabled = on;
  registerLayerClass(on ? fastConv2d() : stockConv2d());
}
