/** Piscina entry point of a boosting fit's pool: one tree of a round (boost/treeTask.ts). */
export { default } from '../boost/treeTask.js';
