import { join } from 'node:path';
import { SAMPLE_ID } from '../dataset.js';

/** Files of the study's data layout (`data/Fashion_MNIST` by default). */
export function dataPaths(dataDir: string) {
  return {
    root: dataDir,
    trainImages: join(dataDir, 'images', 'train'),
    testImages: join(dataDir, 'images', 'test'),
    trainCsv: join(dataDir, 'train.csv'),
    testSampleCsv: join(dataDir, 'test_sample.csv'),
    testLabelsCsv: join(dataDir, 'test_labels.csv'),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;

/** Files under the artifacts folder (`artifacts` by default); see README "Artifacts". */
export function artifactPaths(artifactsDir: string) {
  const cache = join(artifactsDir, 'cache');
  return {
    root: artifactsDir,
    cacheDir: cache,
    /** uint8, N x 784, rows in train.csv order */
    trainPixels: join(cache, 'train-images.u8'),
    /** uint8, N labels 0..9 */
    trainLabels: join(cache, 'train-labels.u8'),
    /** int32 little-endian, the image id of each row */
    trainIds: join(cache, 'train-ids.i32'),
    testPixels: join(cache, 'test-images.u8'),
    /** uint8 labels from test_labels.csv (255 where unknown) */
    testLabels: join(cache, 'test-labels.u8'),
    testIds: join(cache, 'test-ids.i32'),
    /** source fingerprints and shapes; written last, so its presence means the cache is whole */
    cacheManifest: join(cache, 'manifest.json'),
    split: join(artifactsDir, 'split.json'),
    figures: join(artifactsDir, 'figures'),
    models: join(artifactsDir, 'models'),
    checkpoints: join(artifactsDir, 'checkpoints'),
    history: join(artifactsDir, 'history'),
    metrics: join(artifactsDir, 'metrics.json'),
    report: join(artifactsDir, 'report.html'),
    predictions: join(artifactsDir, 'predictions'),
  };
}
export type ArtifactPaths = ReturnType<typeof artifactPaths>;

/** Where a model's training history goes: its scores per epoch or round, and their figure. */
export function historyPaths(paths: ArtifactPaths, name: string) {
  return {
    history: join(paths.history, `${name}.json`),
    figure: join(paths.figures, `${name}-history.png`),
  };
}

/** Where one network's files go under the artifacts folder. */
export function networkPaths(paths: ArtifactPaths, name: string) {
  const checkpoint = join(paths.checkpoints, name);
  return {
    ...historyPaths(paths, name),
    /** the best val_loss so far (Layers format) */
    checkpoint,
    /** weights, optimizer and progress after the last finished epoch, for --resume */
    trainState: join(checkpoint, 'train-state.bin'),
    /** the final best model (Layers format) */
    model: join(paths.models, name),
  };
}

/** The boost stage's files besides its model. */
export function boostPaths(paths: ArtifactPaths) {
  return {
    ...historyPaths(paths, 'boost'),
    /** total split gain per pixel as a 28x28 heat map */
    importance: join(paths.figures, 'boost-importance.png'),
  };
}

/** The visualize stage's output files, under the figures folder. */
export function visualizeOutputs(artifactsDir: string) {
  const figures = artifactPaths(artifactsDir).figures;
  return {
    samples: join(figures, 'samples.png'),
    sampleImage: join(figures, `sample-${SAMPLE_ID}.png`),
    sampleText: join(figures, `sample-${SAMPLE_ID}.txt`),
  };
}
