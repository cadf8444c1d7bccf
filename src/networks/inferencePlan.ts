/**
 * An inference-only forward pass of a Sequential model (or of one wrapped by withMirrorAverage),
 * built from its layers' weights, with one exact rewrite that the Layers API cannot do: a
 * BatchNormalization followed by a MaxPooling2D (the study's CNN blocks: Conv2D relu ->
 * BatchNorm -> MaxPool -> Dropout) is applied after the pooling, on a quarter of the values.
 *
 * Exactness: at inference BatchNorm is y = a * x + b per channel, with a = gamma /
 * sqrt(movingVariance + epsilon). When every a > 0 the map is increasing, so
 * max(a * x + b) = a * max(x) + b over each pooling window. A model with any a <= 0, or a
 * layer kind not handled here, gets no plan and runs through `predictOnBatch` as before.
 * On wasm the study CNN's inference takes less CPU this way than with predictOnBatch
 * (bench/RESULTS.md).
 */
import { tf } from '../tfjs/tf.js';
import { mirrorAveraged, mirrorAveragedTrunk } from './mirrorAverage.js';

/** A compiled forward pass; `dispose` frees the constants it precomputed. */
export interface InferencePlan {
  run(x: tf.Tensor): tf.Tensor;
  dispose(): void;
}

type Step = (x: tf.Tensor) => tf.Tensor;
type Config = Record<string, unknown>;
const FUSABLE = new Set(['linear', 'relu', 'relu6', 'elu', 'sigmoid']);

/** The plan for `model`, or undefined when it has a layer or setting this does not handle. */
export function compileInference(model: tf.LayersModel): InferencePlan | undefined {
  const trunk = mirrorAveragedTrunk(model);
  if (trunk) {
    const plan = compileInference(trunk);
    return plan && { run: mirrorAveraged(plan), dispose: () => plan.dispose() };
  }
  const layers = model.layers.filter((l) => l.getClassName() !== 'Dropout'); // identity at inference
  const steps: Step[] = [];
  const constants: tf.Tensor[] = [];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const c = layer.getConfig() as Config;
    const w = layer.getWeights();
    switch (layer.getClassName()) {
      case 'Conv2D': {
        if (c.dataFormat !== 'channelsLast' || !FUSABLE.has(c.activation as string)) return undefined;
        const [filter, bias] = w as [tf.Tensor4D, tf.Tensor1D | undefined];
        const opts = { strides: c.strides as [number, number], pad: c.padding as 'same' | 'valid', dilations: c.dilationRate as [number, number] };
        steps.push((x) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter, bias, activation: c.activation as 'relu', ...opts }));
        break;
      }
      case 'BatchNormalization': {
        const affine = batchNormAffine(c, w);
        if (!affine) return undefined;
        constants.push(affine.scale, affine.offset);
        const apply: Step = (x) => tf.add(tf.mul(x, affine.scale), affine.offset);
        const next = layers[i + 1];
        const pool = next?.getClassName() === 'MaxPooling2D' && affine.increasing ? poolStep(next.getConfig() as Config) : undefined;
        if (pool) {
          steps.push((x) => apply(pool(x)));
          i++; // the pooling is done
        } else {
          steps.push(apply);
        }
        break;
      }
      case 'MaxPooling2D': {
        const pool = poolStep(c);
        if (!pool) return undefined;
        steps.push(pool);
        break;
      }
      case 'Flatten':
        steps.push((x) => tf.reshape(x, [x.shape[0]!, -1]));
        break;
      case 'GlobalAveragePooling2D':
        if (c.dataFormat !== 'channelsLast') return undefined;
        steps.push((x) => tf.mean(x, [1, 2]));
        break;
      case 'Dense': {
        const softmax = c.activation === 'softmax';
        if (!softmax && !FUSABLE.has(c.activation as string)) return undefined;
        const [kernel, bias] = w as [tf.Tensor2D, tf.Tensor1D | undefined];
        steps.push((x) => {
          const y = tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel, bias, activation: softmax ? 'linear' : (c.activation as 'relu') });
          return softmax ? tf.softmax(y) : y;
        });
        break;
      }
      default:
        return undefined;
    }
  }
  return {
    run(x) {
      // each activation is freed as soon as the next exists, so a pass holds at most two
      // (a tidy around all steps would keep every one of them until the end)
      let t = x;
      for (const step of steps) {
        const next = tf.tidy(() => step(t));
        if (t !== x) t.dispose();
        t = next;
      }
      return t;
    },
    dispose: () => constants.forEach((t) => t.dispose()),
  };
}

function poolStep(c: Config): Step | undefined {
  if (c.dataFormat !== 'channelsLast') return undefined;
  return (x) => tf.maxPool(x as tf.Tensor4D, c.poolSize as [number, number], c.strides as [number, number], c.padding as 'same' | 'valid');
}

/** BatchNorm at inference as `x * scale + offset` per channel (last axis only), and whether every scale is > 0. */
function batchNormAffine(c: Config, weights: tf.Tensor[]) {
  if (c.axis !== -1 && c.axis !== 3) return undefined;
  const queue = [...weights];
  const gamma = c.scale ? queue.shift()! : undefined;
  const beta = c.center ? queue.shift()! : undefined;
  const [mean, variance] = queue as [tf.Tensor, tf.Tensor];
  return tf.tidy(() => {
    const inv = tf.rsqrt(tf.add(variance, c.epsilon as number));
    const scale = gamma ? tf.mul(gamma, inv) : inv;
    const offset = beta ? tf.sub(beta, tf.mul(mean, scale)) : tf.neg(tf.mul(mean, scale));
    return { scale, offset, increasing: (scale.dataSync() as Float32Array).every((s) => s > 0) };
  });
}
