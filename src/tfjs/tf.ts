/**
 * The one TensorFlow.js module the project uses: import `tf` from here, never from a backend
 * package. `@tensorflow/tfjs-node` 4.22.0 depends on exactly `@tensorflow/tfjs` 4.22.0 and
 * requires it, so npm dedupes it to this same instance: only the backend differs. Even if a
 * version drift ever nested a second copy, tfjs-core keeps its engine and kernel registry on
 * the global object, so tfjs-node's backend would still register where this module looks.
 */
export * as tf from '@tensorflow/tfjs';
