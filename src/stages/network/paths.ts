import { join } from 'node:path';
import type { ArtifactPaths } from '../../io/paths.js';

/** Where one network's files go under the artifacts folder. */
export function networkPaths(paths: ArtifactPaths, name: string) {
  const checkpoint = join(paths.checkpoints, name);
  return {
    /** the best val_loss so far (Layers format) */
    checkpoint,
    /** weights, optimizer and progress after the last finished epoch, for --resume */
    trainState: join(checkpoint, 'train-state.bin'),
    /** the final best model (Layers format) */
    model: join(paths.models, name),
    history: join(paths.history, `${name}.json`),
    figure: join(paths.figures, `${name}-history.png`),
  };
}
