import type { Stage } from '../stage.js';

/** Every stage, in the order `--stage all` runs them (DESIGN.md's stage graph, flattened). */
export const STAGES: readonly Stage[] = [
];
