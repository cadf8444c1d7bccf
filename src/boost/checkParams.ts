/**
 * Checks BoostParams before a fit starts, so a bad value is a ConfigError naming the parameter
 * and the range, not a failure rounds later.
 */
import { ConfigError } from '../errors.js';
import type { BoostParams } from './model.js';

/**
 * The most leaves a tree may have. Each thread keeps a histogram slot per leaf (784 features x
 * 4 KB, 3.2 MB), so this bounds a thread's slots at about 400 MB.
 */
export const MAX_LEAVES = 127;

const integerIn = (min: number, max: number) => (v: number) => Number.isInteger(v) && v >= min && v <= max;
const fraction = (v: number) => Number.isFinite(v) && v > 0 && v <= 1;
const atLeastZero = (v: number) => Number.isFinite(v) && v >= 0;

const CHECKS: { [K in keyof BoostParams]: [(v: number) => boolean, string] } = {
  rounds: [integerIn(1, 100_000), 'an integer in [1, 100000]'],
  learningRate: [(v) => Number.isFinite(v) && v > 0, 'a number > 0'],
  maxLeaves: [integerIn(2, MAX_LEAVES), `an integer in [2, ${MAX_LEAVES}]`],
  maxDepth: [integerIn(0, 64), 'an integer in [0, 64] (0: no limit)'],
  lambda: [atLeastZero, 'a number >= 0'],
  minChildWeight: [atLeastZero, 'a number >= 0'],
  minDataInLeaf: [integerIn(1, 2 ** 31 - 1), 'an integer >= 1'],
  subsample: [fraction, 'a number in (0, 1]'],
  colsampleBytree: [fraction, 'a number in (0, 1]'],
  earlyStoppingRounds: [integerIn(0, 100_000), 'an integer in [0, 100000] (0: no early stopping)'],
  seed: [integerIn(0, 2 ** 32 - 1), 'an integer in [0, 4294967295]'],
};

/**
 * What `name` must be ("an integer in [2, 127]"), or undefined when `value` is in its range: the
 * command line checks each flag with this, naming the flag.
 */
export function boostParamProblem(name: keyof BoostParams, value: unknown): string | undefined {
  const [ok, expected] = CHECKS[name];
  return typeof value === 'number' && ok(value) ? undefined : expected;
}

/** Throws a ConfigError for the first parameter out of its range. */
export function checkBoostParams(params: BoostParams): void {
  for (const name of Object.keys(CHECKS) as (keyof BoostParams)[]) {
    const expected = boostParamProblem(name, params[name]);
    if (expected !== undefined) throw new ConfigError(name, expected, params[name]);
  }
}
