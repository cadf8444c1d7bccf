/** `npm run bench -- mlp [flags]`: the study's MLP, training s/epoch and inference images/s (see _networks.ts). */
import { buildMlp } from '../src/models/mlp.js';
import { benchNetwork } from './_networks.js';

/** PyTorch on this machine: 12.3 s per epoch, 12,000 images/s inference. */
const PYTORCH = { secondsPerEpoch: 12.3, imagesPerSecond: 12_000 };

export function run(args: string[]): Promise<void> {
  return benchNetwork('mlp', (seed) => buildMlp({ seed }), PYTORCH, args);
}
