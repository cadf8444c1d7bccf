/**
 * The one TensorFlow.js module the project uses: import `tf` from here, never from a backend
 * package. `@tensorflow/tfjs-node` re-exports this same `@tensorflow/tfjs` (it depends on the
 * exact version and npm dedupes it), and tfjs-core keeps its engine and kernel registry on the
 * global object, so every backend registers into this instance: only the backend differs.
 */
export * as tf from '@tensorflow/tfjs';
