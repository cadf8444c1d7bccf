import { TRAINING_DEFAULTS } from '../config.js';
import { buildCnn } from '../networks/cnn.js';
import { networkStage } from './network/index.js';

/** The study's convolutional network, trained, checkpointed and evaluated. */
export const cnn = networkStage({
  name: 'cnn',
  title: 'CNN',
  build: (seed) => buildCnn({ seed }),
  defaults: TRAINING_DEFAULTS.cnn,
});
