import { buildMlp } from '../models/mlp.js';
import { networkStage } from './network/index.js';

/** The study's multi-layer perceptron, trained, checkpointed and evaluated. */
export const mlp = networkStage({
  name: 'mlp',
  summary: 'train the multi-layer perceptron (checkpoints, early stopping, curves, accuracy)',
  title: 'MLP',
  build: (seed) => buildMlp({ seed }),
});
