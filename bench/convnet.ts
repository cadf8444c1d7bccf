/**
 * `npm run bench -- convnet [flags]`: the convnet trained as its stage trains it (all 48,000
 * training rows, augmentation, one-cycle AdamW, label smoothing: the stage's defaults), training
 * s/epoch and inference images/s (see _networks.ts), next to PyTorch's run of the same net and
 * recipe in the same run.
 */
import { DEFAULTS } from '../src/config.js';
import { buildConvnet, CONVNET_STAGES } from '../src/networks/convnet.js';
import { convnetRecipe } from '../src/stages/convnet.js';
import { benchNetwork } from './_networks.js';

export function run(args: string[]): Promise<void> {
  const training = convnetRecipe(DEFAULTS.convnet);
  const s = DEFAULTS.convnet;
  return benchNetwork('convnet', (seed) => buildConvnet({ seed }), args, {
    training,
    pytorch: {
      stages: CONVNET_STAGES,
      maxLearningRate: s.maxLearningRate,
      weightDecay: s.weightDecay,
      labelSmoothing: s.labelSmoothing,
      shift: training.augment?.shift ?? 0,
      flip: training.augment?.flip ?? false,
    },
  });
}
