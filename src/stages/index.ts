import type { StageEntry } from '../stage.js';

/** Every stage, in the order `--stage all` runs them (docs/ARCHITECTURE.md shows what flows between them). */
export const STAGES: readonly StageEntry[] = [
  {
    name: 'prepare',
    summary: 'write the study layout (PNGs + CSVs) from the official IDX files',
    load: async () => (await import('./prepare/index.js')).prepare,
  },
  {
    name: 'load',
    summary: 'decode every PNG into the pixel cache (reused while the data is unchanged)',
    load: async () => (await import('./load/index.js')).load,
  },
  {
    name: 'visualize',
    summary: 'figures of 15 random training images and of image 8703 (png + its pixel values)',
    load: async () => (await import('./visualize.js')).visualize,
  },
  {
    name: 'split',
    summary: 'stratified 80/20 train/valid split with --seed -> split.json',
    load: async () => (await import('./split.js')).split,
  },
  {
    name: 'trees',
    summary: 'decision tree and random forest: 5-fold stratified CV, fit, valid/test accuracy (models/*.json)',
    load: async () => (await import('./trees/index.js')).trees,
  },
  {
    name: 'boost',
    summary: 'gradient-boosted trees (XGBoost JSON): early stopping on valid, curves, importance per pixel; --cv for 5-fold CV',
    load: async () => (await import('./boost/index.js')).boost,
  },
  {
    name: 'mlp',
    summary: 'train the multi-layer perceptron (checkpoints, early stopping, curves, accuracy)',
    load: async () => (await import('./mlp.js')).mlp,
  },
  {
    name: 'cnn',
    summary: 'train the convolutional network (checkpoints, early stopping, curves, accuracy)',
    load: async () => (await import('./cnn.js')).cnn,
  },
  {
    name: 'convnet',
    summary: 'train the modern network: 3x3 convolutions, BatchNorm, global average pooling; augmentation, one-cycle AdamW',
    load: async () => (await import('./convnet.js')).convnet,
  },
  {
    name: 'evaluate',
    summary: 'results table of every trained model, per-class scores, confusion matrices (metrics.json, figures/)',
    load: async () => (await import('./evaluate.js')).evaluate,
  },
  {
    name: 'predict',
    summary: 'best model (or --model) predicts the test images into predictions/<model>_test.csv; --input: new images to stdout',
    load: async () => (await import('./predict/index.js')).predict,
  },
  {
    name: 'report',
    summary: 'report.html: data checks, figures, split, CV, curves, results, confusion matrices, errors',
    load: async () => (await import('./report.js')).report,
  },
  {
    name: 'serve',
    summary: 'local web server: the report, a page that runs the networks on your own pictures in the browser, the models, POST /api/predict',
    notInAll: true,
    load: async () => (await import('./serve/index.js')).serve,
  },
];
