/** `npm run bench -- mlp [flags]`: the study's MLP, training s/epoch and inference images/s (see _networks.ts). */
import { buildMlp } from '../src/networks/mlp.js';
import { benchNetwork } from './_networks.js';

/** PyTorch on this machine, as issue 5 measured it once: 12.3 s per epoch, 12,000 images/s inference (bench/pytorch_reference.py measures it now). */
const PYTORCH = { secondsPerEpoch: 12.3, imagesPerSecond: 12_000 };

export function run(args: string[]): Promise<void> {
  return benchNetwork('mlp', (seed) => buildMlp({ seed }), PYTORCH, args);
}
