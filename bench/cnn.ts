/** `npm run bench -- cnn [flags]`: the study's CNN, training s/epoch and inference images/s (see _networks.ts), next to PyTorch's run of the same network. */
import { buildCnn } from '../src/networks/cnn.js';
import { benchNetwork } from './_networks.js';

export function run(args: string[]): Promise<void> {
  return benchNetwork('cnn', (seed) => buildCnn({ seed }), args);
}
