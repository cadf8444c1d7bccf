import type { BoostRound } from '../../boost/fitBoost.js';

/** What the stage prints once the fit is scored. */
export interface BoostResult {
  validAccuracy: number;
  /** null when the test labels are unknown */
  testAccuracy: number | null;
  validCount: number;
  testCount: number;
  fitSeconds: number;
  /** rounds run, and the best one (1-based): the model keeps rounds 1..bestRound */
  rounds: number;
  bestRound: number;
  trees: number;
}

/** A round's scores, printed every so many rounds while the fit runs. */
export function formatRounds(r: BoostRound): string {
  return `boost round ${r.round + 1}: train mlogloss ${r.train.mlogloss.toFixed(4)} accuracy ${r.train.accuracy.toFixed(4)}` +
    (r.valid ? `, valid mlogloss ${r.valid.mlogloss.toFixed(4)} accuracy ${r.valid.accuracy.toFixed(4)}` : '');
}

/** The CV line, as the trees stage prints its own. */
export function cvLine(scores: number[]): string {
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return `boost: ${scores.length}-fold CV accuracy ${scores.map((s) => s.toFixed(4)).join(' ')}, mean ${mean.toFixed(4)}`;
}

/** The result line: valid and test accuracy of the best round, and what the fit took. */
export function resultLine(r: BoostResult): string {
  return `boost: valid accuracy ${r.validAccuracy.toFixed(4)} (${r.validCount} images), ` +
    (r.testAccuracy === null ? 'test labels unknown' : `test accuracy ${r.testAccuracy.toFixed(4)} (${r.testCount} images)`) +
    `; fit ${r.fitSeconds.toFixed(1)} s, ${(r.fitSeconds / r.rounds).toFixed(3)} s/round, best round ${r.bestRound} of ${r.rounds}, ${r.trees} trees`;
}
