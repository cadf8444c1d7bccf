import type { Stage } from '../stage.js';
import { prepare } from './prepare/index.js';
import { load } from './load/index.js';
import { visualize } from './visualize.js';
import { split } from './split.js';
import { trees } from './trees/index.js';
import { mlp } from './mlp.js';
import { cnn } from './cnn.js';
import { evaluate } from './evaluate.js';
import { predict } from './predict/index.js';
import { report } from './report.js';

/** Every stage, in the order `--stage all` runs them (DESIGN.md's stage graph, flattened). */
export const STAGES: readonly Stage[] = [
  prepare,
  load,
  visualize,
  split,
  trees,
  mlp,
  cnn,
  evaluate,
  predict,
  report,
];
