import { resolve } from 'node:path';
import { DEFAULTS } from '../src/config.js';
import { readEvaluation } from '../src/io/evaluation.js';
import { checkModelName, type ModelName } from '../src/models/registry.js';

/** What a bench that predicts runs on: `--artifacts-dir`, `--data-dir`, and `--model` (default: the best that `evaluate` recorded). */
export async function benchTarget(values: { model?: string; 'artifacts-dir'?: string; 'data-dir'?: string }): Promise<{ artifactsDir: string; dataDir: string; model: ModelName }> {
  const artifactsDir = resolve(values['artifacts-dir'] ?? DEFAULTS.artifactsDir);
  const dataDir = resolve(values['data-dir'] ?? DEFAULTS.dataDir);
  const model = values.model ? checkModelName(values.model, '--model') : (await readEvaluation(artifactsDir))?.best;
  if (!model) throw new Error(`No best model in ${artifactsDir}/metrics.json: run \`npm start -- --stage evaluate\` or pass --model NAME.`);
  return { artifactsDir, dataDir, model };
}
