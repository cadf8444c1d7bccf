import { buildCnn } from '../models/cnn.js';
import { networkStage } from './network/index.js';

/** The study's convolutional network, trained, checkpointed and evaluated. */
export const cnn = networkStage({
  name: 'cnn',
  title: 'CNN',
  build: (seed) => buildCnn({ seed }),
  // Patience covers the whole default run: with Keras's BatchNorm momentum (0.99) the moving
  // statistics need ~10 epochs to converge, and until then inference-mode val_loss rises while
  // training goes well (PLATFORM.md), so an early stop would keep epoch 1's weights.
  defaults: { epochs: 20, patience: 20 },
});
