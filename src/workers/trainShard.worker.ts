/** Piscina entry point of data-parallel training: a shard's gradients, a range of the update, or an evaluation (parallel/shardTask.ts). */
export { default } from '../parallel/shardTask.js';
