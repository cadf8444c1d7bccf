import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PipelineError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomicWrite.js';
import { tf } from '../tfjs/tf.js';

/** TensorFlow.js Layers format file names, as `model.save('file://dir')` writes them. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * A `tf.io` handler that writes `dir/model.json` + `dir/weights.bin` (tfjs-node's `file://`
 * is not available here). Both are written atomically, weights first; model.json records the
 * weights' SHA-256, so a save cut between the two files is detected on load.
 */
export function layersDirSaver(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      await writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
      await writeJsonAtomic(join(dir, MODEL_JSON), {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        weightsSha256: sha256(weights),
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** The matching load handler; throws a PipelineError naming the folder when files are missing or torn. */
export function layersDirLoader(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, MODEL_JSON);
      let json: tf.io.ModelJSON & { weightsSha256?: string };
      let weights: Buffer;
      try {
        json = JSON.parse(await readFile(jsonPath, 'utf8'));
        weights = await readFile(join(dir, WEIGHTS_BIN));
      } catch (err) {
        throw new PipelineError(
          `Cannot read the TensorFlow.js model in ${dir} (${(err as Error).message}). ` +
            `Train it with \`npm start -- --stage ${basename(dir)}\`.`,
        );
      }
      if (json.weightsSha256 !== undefined && json.weightsSha256 !== sha256(weights)) {
        throw new PipelineError(
          `${join(dir, WEIGHTS_BIN)} does not match ${jsonPath} (a save was interrupted). ` +
            `Delete ${dir} and train again with \`npm start -- --stage ${basename(dir)}\`.`,
        );
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: new Uint8Array(weights).buffer,
      };
    },
  };
}

/** Saves `model` (architecture and every weight, BatchNorm statistics included) into `dir`. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(layersDirSaver(dir));
}

/** Loads a model saved by `saveLayersModel` (or by tfjs-node's `file://`). */
export function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(layersDirLoader(dir));
}
