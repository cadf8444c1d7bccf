import { readFile } from 'node:fs/promises';
import { PipelineError } from '../errors.js';
import { writeJsonAtomic } from './atomicWrite.js';

/**
 * split.json: row indexes into the train pixel cache. `train` keeps the order the stratified
 * shuffle produced (as scikit-learn's train_test_split returns it), so Keras-style
 * `validation_split=0.2` takes the last 20% of `train`.
 */
export interface SplitFile {
  seed: number;
  validFraction: number;
  train: number[];
  valid: number[];
}

export function writeSplit(path: string, split: SplitFile): Promise<void> {
  return writeJsonAtomic(path, split);
}

export async function readSplit(path: string): Promise<SplitFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new PipelineError(`No split at ${path}. Run \`npm start -- --stage split\` first, or use --stage all.`);
  }
  return JSON.parse(text) as SplitFile;
}
