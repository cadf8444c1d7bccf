/**
 * The project's subclasses of tfjs-layers classes (faster training passes, same class names):
 * tfjs-layers does not export its layer classes, so they are reached through an instance, and
 * a subclass is registered under the stock name so that models rebuilt from JSON (the
 * training threads' replicas) get it too. Saved models name the stock class, so any tfjs
 * loads them.
 */
import { tf } from '../tf.js';

/** `make`'s result, made on the first call and kept (classes are built lazily, not at import). */
export function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** The class of the layer `make` returns (call it lazily: it builds a throwaway layer). */
export function stockLayerClass<C>(make: () => tf.layers.Layer): C {
  return Object.getPrototypeOf(make()).constructor as C;
}

/** Makes deserialization build `cls` for its class name (the stock name, for the subclasses). */
export function registerLayerClass(cls: unknown): void {
  tf.serialization.registerClass(cls as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}
