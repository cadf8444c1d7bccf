import { TRAINING_DEFAULTS, type ConvnetSettings } from '../config.js';
import { buildConvnet, convnetMultiplyAdds } from '../networks/convnet.js';
import { ONE_CYCLE_DEFAULTS, oneCycleLearningRate, type StepSettings } from '../networks/schedule.js';
import type { AugmentOptions } from '../operators/augmentImages.js';
import { networkStage, type TrainingRecipe } from './network/index.js';

/** The most pixels `--augment shift` moves an image along each axis. */
export const AUGMENT_SHIFT_PX = 2;

/** The convnet's training recipe from its settings (see ConvnetSettings). */
export function convnetRecipe(s: ConvnetSettings): TrainingRecipe {
  const augment: AugmentOptions | undefined = s.augment.shift || s.augment.flip ? { shift: s.augment.shift ? AUGMENT_SHIFT_PX : 0, flip: s.augment.flip } : undefined;
  const fixed = { weightDecay: s.weightDecay, labelSmoothing: s.labelSmoothing };
  const mirrorAverage = s.testTimeFlip === 'on' || (s.testTimeFlip === 'auto' && s.augment.flip);
  const augmentText = augment ? [augment.shift ? `shifts up to ${augment.shift} px` : '', augment.flip ? 'flips' : ''].filter(Boolean).join(' and ') : 'none';
  return {
    augment,
    mirrorAverage,
    stepSettings: (totalSteps) =>
      s.schedule === 'one-cycle'
        ? (step): StepSettings => ({ ...fixed, learningRate: oneCycleLearningRate(step, { ...ONE_CYCLE_DEFAULTS, peak: s.maxLearningRate, totalSteps }) })
        : (): StepSettings => ({ ...fixed, learningRate: s.maxLearningRate }),
    describe:
      `augmentation: ${augmentText}; learning rate: ${s.schedule === 'one-cycle' ? `one cycle, peak ${s.maxLearningRate}` : `constant ${s.maxLearningRate}`}; ` +
      `${s.weightDecay > 0 ? `AdamW, weight decay ${s.weightDecay}` : 'Adam'}; label smoothing ${s.labelSmoothing}; ` +
      `test-time flips: ${mirrorAverage ? 'on' : 'off'}; ` +
      `${(convnetMultiplyAdds() / 1e6).toFixed(2)}M multiply-adds per image`,
    record: { ...s, augmentShiftPx: augment?.shift ?? 0, mirrorAverage, multiplyAdds: convnetMultiplyAdds() },
  };
}

/** The modern network: 3x3 convolutions with BatchNorm, global average pooling, trained the modern way. */
export const convnet = networkStage({
  name: 'convnet',
  title: 'Convnet',
  build: (seed) => buildConvnet({ seed }),
  defaults: TRAINING_DEFAULTS.convnet,
  recipe: (config) => convnetRecipe(config.convnet),
});
