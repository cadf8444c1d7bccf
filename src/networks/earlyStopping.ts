/**
 * Early stopping on val_loss as Keras's `EarlyStopping(monitor='val_loss', patience)` and
 * `ModelCheckpoint(save_best_only=True)` decide it: an epoch improves when its val_loss is
 * strictly below the best so far; training stops once `patience` epochs in a row did not.
 */
export interface EarlyStoppingState {
  /** best val_loss so far; null before the first epoch (JSON has no Infinity) */
  best: number | null;
  /** 1-based epoch of `best`; 0 before the first epoch */
  bestEpoch: number;
  /** epochs since the last improvement */
  wait: number;
}

export const INITIAL_EARLY_STOPPING: EarlyStoppingState = { best: null, bestEpoch: 0, wait: 0 };

/** Records epoch `epoch`'s val_loss; says whether it is the new best and whether to stop now. */
export function observeValLoss(
  state: EarlyStoppingState,
  epoch: number,
  valLoss: number,
  patience: number,
): { state: EarlyStoppingState; improved: boolean; stop: boolean } {
  const improved = state.best === null ? !Number.isNaN(valLoss) : valLoss < state.best;
  const next = improved ? { best: valLoss, bestEpoch: epoch, wait: 0 } : { ...state, wait: state.wait + 1 };
  return { state: next, improved, stop: next.wait >= patience };
}
