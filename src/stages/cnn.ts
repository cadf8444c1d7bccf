import { buildCnn } from '../models/cnn.js';
import { networkStage } from './network/index.js';

/** The study's convolutional network, trained, checkpointed and evaluated. */
export const cnn = networkStage({
  name: 'cnn',
  summary: 'train the convolutional network (checkpoints, early stopping, curves, accuracy)',
  title: 'CNN',
  build: (seed) => buildCnn({ seed }),
});
