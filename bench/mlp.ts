/** `npm run bench -- mlp [flags]`: the study's MLP, training s/epoch and inference images/s (see _networks.ts), next to PyTorch's run of the same network. */
import { buildMlp } from '../src/networks/mlp.js';
import { benchNetwork } from './_networks.js';

export function run(args: string[]): Promise<void> {
  return benchNetwork('mlp', (seed) => buildMlp({ seed }), args);
}
