/** `npm run bench -- cnn [flags]`: the study's CNN, training s/epoch and inference images/s (see _networks.ts). */
import { buildCnn } from '../src/networks/cnn.js';
import { benchNetwork } from './_networks.js';

/** PyTorch on this machine, as issue 5 measured it once: 48.5-51.5 s per epoch (50.0 used), 2,100 images/s inference (bench/pytorch_reference.py measures it now). */
const PYTORCH = { secondsPerEpoch: 50.0, imagesPerSecond: 2_100 };

export function run(args: string[]): Promise<void> {
  return benchNetwork('cnn', (seed) => buildCnn({ seed }), PYTORCH, args);
}
