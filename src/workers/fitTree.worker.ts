/** Piscina entry point of the trees stage's pool: one tree, a decision tree's top or one of its subtrees (learn/fitTask.ts). */
export { default } from '../learn/fitTask.js';
