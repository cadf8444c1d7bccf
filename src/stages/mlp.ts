import { TRAINING_DEFAULTS } from '../config.js';
import { buildMlp } from '../networks/mlp.js';
import { networkStage } from './network/index.js';

/** The study's multi-layer perceptron, trained, checkpointed and evaluated. */
export const mlp = networkStage({
  name: 'mlp',
  title: 'MLP',
  build: (seed) => buildMlp({ seed }),
  defaults: TRAINING_DEFAULTS.mlp,
});
