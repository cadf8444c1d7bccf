import { readFile } from 'node:fs/promises';
import { PipelineError } from '../errors.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import type { TrainProgress } from './train.js';
import { tf } from '../tfjs/tf.js';

/**
 * The resumable state after a finished epoch, in ONE file so that a single atomic write keeps
 * weights, optimizer moments and progress consistent: a little-endian uint32 header length, the
 * JSON header (progress and weight specs), then the model's weights (BatchNorm statistics
 * included) and the optimizer's weights (Adam: iterations, first and second moments).
 */
interface StateHeader {
  version: 1;
  progress: TrainProgress;
  model: tf.io.WeightsManifestEntry[];
  optimizer: tf.io.WeightsManifestEntry[];
  modelBytes: number;
}

/** Writes `path` atomically from the model and optimizer as they are now. */
export async function saveTrainState(
  path: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  progress: TrainProgress,
): Promise<void> {
  // Positional names: a model rebuilt in another process gets other layer names, same order.
  const modelWeights = await tf.io.encodeWeights(model.getWeights().map((tensor, i) => ({ name: `w${i}`, tensor })));
  const optimizerTensors = await optimizer.getWeights();
  const optimizerWeights = await tf.io.encodeWeights(optimizerTensors);
  // getWeights() returns the moment variables themselves plus a new iteration scalar: free only that.
  tf.dispose(optimizerTensors.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  const modelData = new Uint8Array(tf.io.CompositeArrayBuffer.join(modelWeights.data));
  const optimizerData = new Uint8Array(tf.io.CompositeArrayBuffer.join(optimizerWeights.data));
  const header: StateHeader = {
    version: 1,
    progress,
    model: modelWeights.specs,
    optimizer: optimizerWeights.specs,
    modelBytes: modelData.byteLength,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const file = new Uint8Array(4 + headerBytes.byteLength + modelData.byteLength + optimizerData.byteLength);
  new DataView(file.buffer).setUint32(0, headerBytes.byteLength, true);
  file.set(headerBytes, 4);
  file.set(modelData, 4 + headerBytes.byteLength);
  file.set(optimizerData, 4 + headerBytes.byteLength + modelData.byteLength);
  await writeFileAtomic(path, file);
}

/**
 * Restores weights and optimizer state saved by `saveTrainState` into `model` and `optimizer`
 * and returns the progress; undefined when `path` does not exist (nothing to resume).
 */
export async function loadTrainState(
  path: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
): Promise<TrainProgress | undefined> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const bytes = new Uint8Array(file);
  const headerLength = new DataView(bytes.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as StateHeader;
  const expected = model.getWeights().map((w) => w.shape.join('x')).join(',');
  const saved = header.model.map((s) => s.shape.join('x')).join(',');
  if (header.version !== 1 || saved !== expected) {
    throw new PipelineError(
      `The training state ${path} was saved for a different model (weights ${saved}, this model has ${expected}). ` +
        'Delete it, or run without --resume to start over.',
    );
  }
  const dataStart = 4 + headerLength;
  const modelData = bytes.slice(dataStart, dataStart + header.modelBytes).buffer;
  const optimizerData = bytes.slice(dataStart + header.modelBytes).buffer;
  const weights = tf.io.decodeWeights(modelData, header.model);
  model.setWeights(header.model.map((s) => weights[s.name]!));
  tf.dispose(Object.values(weights));
  const moments = tf.io.decodeWeights(optimizerData, header.optimizer);
  // setWeights makes variables that share these tensors' data (reference-counted), so free ours.
  await optimizer.setWeights(header.optimizer.map((s) => ({ name: s.name, tensor: moments[s.name]! })));
  tf.dispose(Object.values(moments));
  return header.progress;
}
