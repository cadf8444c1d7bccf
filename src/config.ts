import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { boostParamProblem } from './boost/checkParams.js';
import { BOOST_DEFAULTS, type BoostParams } from './boost/model.js';
import { ConfigError, PipelineError } from './errors.js';
import type { BackendName } from './tfjs/backend.js';

export type { BackendName };
const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/**
 * Default `--epochs` / `--patience` of the network stages, chosen so that mlp + cnn fit the
 * 40-minute budget on the reference 2-core machine (README, "Training defaults"); the study's
 * 500 / 50 stay one flag away.
 */
export const TRAINING_DEFAULTS = {
  // The MLP's val_loss levels off by epoch 15 (valid accuracy ~0.89); its minutes go to the CNN.
  mlp: { epochs: 15, patience: 5, batchSize: 500 },
  // The CNN's patience covers its whole default run: with Keras's BatchNorm momentum (0.99)
  // the moving statistics need ~10 epochs to converge, and until then inference-mode val_loss
  // rises while training goes well (docs/ARCHITECTURE.md), so an early stop would keep epoch 1's weights.
  cnn: { epochs: 25, patience: 25, batchSize: 500 },
  // One cycle over all its epochs: an early stop would cut the cycle before its rate anneals.
  // Batch 128 steps 3.9x as often as 500 for the same epoch time; 20 epochs scored higher than
  // 15 and, with the Winograd kernels, take less time than 15 took before (bench/RESULTS.md).
  convnet: { epochs: 20, patience: 20, batchSize: 128 },
} as const;
const { mlp: MLP, cnn: CNN, convnet: CONVNET } = TRAINING_DEFAULTS;

/** How the convnet stage trains (the study's networks train as the study did, with none of this). */
export interface ConvnetSettings {
  /** training images are shifted by up to AUGMENT_SHIFT_PX pixels, flipped left to right, both, or neither */
  augment: { shift: boolean; flip: boolean };
  /** one-cycle: rise to `maxLearningRate` and anneal over the run; constant: `maxLearningRate` throughout */
  schedule: 'one-cycle' | 'constant';
  maxLearningRate: number;
  /** AdamW's decoupled weight decay (0: Adam) */
  weightDecay: number;
  /** 0: one-hot targets */
  labelSmoothing: number;
  /** the saved model averages each image's prediction with its mirror's; auto: when training flips */
  testTimeFlip: 'auto' | 'on' | 'off';
}

const SCHEDULES: readonly ConvnetSettings['schedule'][] = ['one-cycle', 'constant'];
const TEST_TIME_FLIPS: readonly ConvnetSettings['testTimeFlip'][] = ['auto', 'on', 'off'];

/** A flag whose value is one of `values`. */
function oneOf<T extends string>(name: string, values: readonly T[]): (raw: string, flag: string) => T {
  return (raw, flag) => {
    if (!values.includes(raw as T)) throw new ConfigError(name, values.join(' | '), raw, flag);
    return raw as T;
  };
}

/** The boost stage's settings: the learner's parameters (its seed is --seed) and whether to cross-validate. */
export type BoostSettings = Omit<BoostParams, 'seed'> & {
  /** also score 5-fold stratified CV of the training rows at these settings */
  cv: boolean;
};

/** Everything a run can be told, validated once at startup. */
export interface PipelineConfig {
  /** `all` or one stage name */
  stage: string;
  dataDir: string;
  artifactsDir: string;
  seed: number;
  /** where `prepare` looks first for the four IDX files */
  idxDir: string | undefined;
  /** size of worker pools (decode, trees, training shards) */
  workers: number;
  /** forced tfjs backend; undefined picks the fastest that loads */
  backend: BackendName | undefined;
  /** undefined: each network's own default (see the mlp and cnn stages) */
  epochs: number | undefined;
  patience: number | undefined;
  /** undefined: each network's own training default, and INFERENCE_BATCH_SIZE for prediction */
  batchSize: number | undefined;
  resume: boolean;
  /** model for `predict`; undefined means the best by validation accuracy */
  model: string | undefined;
  /** `-` for paths on stdin, or a glob; undefined predicts the test set */
  input: string | undefined;
  /** `predict --input`: larger image files are refused unread */
  maxInputBytes: number;
  /** Redis URL of the job queue: predict sends its shards there; undefined runs on this machine */
  queue: string | undefined;
  /** predict --queue: images per shard job (rounded up to whole batches) */
  shardSize: number;
  /** worker: how long (ms) a job stays locked to a worker that stops renewing it */
  lockDurationMs: number;
  /** serve: the address the server listens on */
  host: string;
  /** serve: its port (0: any free one) */
  port: number;
  /** serve: larger request bodies (uploaded images) are refused */
  bodyLimit: number;
  boost: BoostSettings;
  convnet: ConvnetSettings;
}

/** Where a flag's value goes: a field of the config, or of a stage's own settings. */
type FlagKey = Exclude<keyof PipelineConfig, 'boost' | 'convnet'> | `boost.${keyof BoostSettings}` | `convnet.${keyof ConvnetSettings}`;

interface FlagSpec {
  key: FlagKey;
  type: 'string' | 'boolean';
  help: string;
  parse?: (raw: string, flag: string) => unknown;
}

const positiveInt = (name: string) => (raw: string, flag: string) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(name, 'a positive integer', raw, flag);
  }
  return n;
};
const numberIn = (name: string, min: number, max: number, expected: string) => (raw: string, flag: string) => {
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!(n >= min && n <= max)) throw new ConfigError(name, expected, raw, flag);
  return n;
};
const nonNegativeInt = (name: string) => (raw: string, flag: string) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
    throw new ConfigError(name, 'a non-negative integer', raw, flag);
  }
  return n;
};

const portNumber = (raw: string, flag: string) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65_535) throw new ConfigError('port', 'a port number from 0 to 65535', raw, flag);
  return n;
};

export const DEFAULTS: PipelineConfig = {
  stage: 'all',
  dataDir: 'data/Fashion_MNIST',
  artifactsDir: 'artifacts',
  seed: 87,
  idxDir: undefined,
  workers: Math.max(1, Math.min(availableParallelism(), 8)),
  backend: undefined,
  epochs: undefined,
  patience: undefined,
  batchSize: undefined,
  resume: false,
  model: undefined,
  input: undefined,
  // 50 MB: far above any real photo, far below what could exhaust memory with the decodes in flight
  maxInputBytes: 50_000_000,
  queue: undefined,
  // a few seconds of work per shard: enough that queue overhead is noise, small enough to spread
  shardSize: 10_000,
  // BullMQ's default: a killed worker's job is taken back within about twice this
  lockDurationMs: 30_000,
  // this machine only: serving to others is a choice made with --host
  host: '127.0.0.1',
  port: 8080,
  // 5 MB: a phone photo as JPEG fits; the pixel limit still applies to what it decodes to
  bodyLimit: 5_000_000,
  boost: { ...withoutSeed(BOOST_DEFAULTS), cv: false },
  convnet: { augment: { shift: false, flip: true }, schedule: 'one-cycle', maxLearningRate: 0.005, weightDecay: 0.01, labelSmoothing: 0.1, testTimeFlip: 'auto' },
};

/** `--augment shift,flip` (either, both) or `none`. */
function parseAugment(raw: string, flag: string): ConvnetSettings['augment'] {
  const parts = raw.split(',').map((p) => p.trim());
  const known = raw === 'none' || (parts.length > 0 && parts.every((p) => p === 'shift' || p === 'flip'));
  if (!known) throw new ConfigError('augment', '"shift", "flip", "shift,flip" or "none"', raw, flag);
  return { shift: parts.includes('shift'), flip: parts.includes('flip') };
}

/** `redis://HOST:PORT[/DB]` or `rediss://...` (TLS). */
export function parseQueueUrl(raw: string, flag: string): string {
  let protocol = '';
  try {
    protocol = new URL(raw).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new ConfigError('queue', 'a Redis URL such as redis://HOST:6379 (redis: or rediss:)', raw, flag);
  return raw;
}

function withoutSeed({ seed: _seed, ...rest }: BoostParams): Omit<BoostParams, 'seed'> {
  return rest;
}

/** A flag of the boost stage, checked by the learner's own range for `param`. */
function boostFlag(param: Exclude<keyof BoostParams, 'seed'>, help: string): FlagSpec {
  return {
    key: `boost.${param}`,
    type: 'string',
    help: `boost: ${help}`,
    parse: (raw, flag) => {
      const value = raw.trim() === '' ? NaN : Number(raw);
      const expected = boostParamProblem(param, value);
      if (expected !== undefined) throw new ConfigError(param, expected, raw, flag);
      return value;
    },
  };
}

/** CLI flags, in the order `--help` lists them. */
export const FLAGS: Record<string, FlagSpec> = {
  stage: { key: 'stage', type: 'string', help: 'stage to run, or "all" for every stage in order' },
  'data-dir': { key: 'dataDir', type: 'string', help: 'the study layout: images/, train.csv, test_sample.csv' },
  'artifacts-dir': { key: 'artifactsDir', type: 'string', help: 'where cache, models, figures, metrics and predictions go' },
  seed: { key: 'seed', type: 'string', help: 'seed for split, folds, shuffles and initial weights', parse: nonNegativeInt('seed') },
  'idx-dir': { key: 'idxDir', type: 'string', help: 'folder with the four official IDX files (.gz or not), tried first by prepare' },
  workers: { key: 'workers', type: 'string', help: 'worker threads for decoding, trees and training', parse: positiveInt('workers') },
  backend: { key: 'backend', type: 'string', help: 'force a TensorFlow.js backend: tensorflow | wasm | cpu (default: fastest that loads)', parse: oneOf('backend', BACKENDS) },
  epochs: { key: 'epochs', type: 'string', help: `maximum training epochs of the networks (default: mlp ${MLP.epochs}, cnn ${CNN.epochs}, convnet ${CONVNET.epochs}; the study: 500)`, parse: positiveInt('epochs') },
  patience: { key: 'patience', type: 'string', help: `early-stopping patience in epochs on val_loss (default: mlp ${MLP.patience}, cnn ${CNN.patience}, convnet ${CONVNET.patience}; the study: 50)`, parse: positiveInt('patience') },
  'batch-size': { key: 'batchSize', type: 'string', help: "training and prediction batch size (default: each network's own; 500 for prediction)", parse: positiveInt('batchSize') },
  resume: { key: 'resume', type: 'boolean', help: 'continue mlp/cnn training from the last finished epoch' },
  model: { key: 'model', type: 'string', help: 'model used by predict (default: best validation accuracy)' },
  input: { key: 'input', type: 'string', help: 'predict: "-" reads image paths from stdin, or a glob such as "dir/**/*.png"' },
  queue: { key: 'queue', type: 'string', help: 'predict: send the work to queue workers on this Redis (redis://HOST:PORT); worker: take jobs from it (else REDIS_URL)', parse: parseQueueUrl },
  'shard-size': { key: 'shardSize', type: 'string', help: 'predict --queue: images per shard job (rounded up to whole batches)', parse: positiveInt('shardSize') },
  'lock-duration': { key: 'lockDurationMs', type: 'string', help: 'worker: ms before a job held by an unresponsive worker (killed, lost host) is given to another', parse: positiveInt('lockDurationMs') },
  host: { key: 'host', type: 'string', help: 'serve: the address to listen on (0.0.0.0: every interface, reachable from other hosts)' },
  port: { key: 'port', type: 'string', help: 'serve: the port to listen on (0: any free port)', parse: portNumber },
  'body-limit': { key: 'bodyLimit', type: 'string', help: 'serve: largest upload accepted by POST /api/predict, in bytes', parse: positiveInt('bodyLimit') },
  'max-input-bytes': { key: 'maxInputBytes', type: 'string', help: 'predict --input: larger image files are refused unread', parse: positiveInt('maxInputBytes') },
  rounds: boostFlag('rounds', 'the most boosting rounds (each adds one tree per class)'),
  'learning-rate': boostFlag('learningRate', "shrinkage of every tree's leaf values (XGBoost's eta)"),
  'max-leaves': boostFlag('maxLeaves', 'the most leaves per tree (trees grow leaf-wise, best split first)'),
  'max-depth': boostFlag('maxDepth', 'the deepest a leaf may be, root at 0 (0: no limit)'),
  lambda: boostFlag('lambda', 'L2 regularisation of leaf values'),
  'min-child-weight': boostFlag('minChildWeight', 'the least sum of hessians in a leaf'),
  'min-data-in-leaf': boostFlag('minDataInLeaf', 'the least training rows in a leaf'),
  subsample: boostFlag('subsample', "fraction of the training rows each round's trees see"),
  'colsample-bytree': boostFlag('colsampleBytree', 'fraction of the pixels each tree may split on'),
  'early-stopping-rounds': boostFlag('earlyStoppingRounds', 'stop when the valid mlogloss has not improved for this many rounds (0: never)'),
  cv: { key: 'boost.cv', type: 'boolean', help: 'boost: also run 5-fold stratified CV of the training rows at these settings (5 more fits)' },
  augment: { key: 'convnet.augment', type: 'string', help: 'convnet: vary training images by "shift" (up to 2 px), "flip" (left-right), both ("shift,flip") or "none"', parse: parseAugment },
  schedule: { key: 'convnet.schedule', type: 'string', help: 'convnet: learning-rate schedule, one-cycle | constant', parse: oneOf('schedule', SCHEDULES) },
  'max-learning-rate': { key: 'convnet.maxLearningRate', type: 'string', help: "convnet: the one-cycle's peak learning rate (the rate throughout with --schedule constant)", parse: numberIn('maxLearningRate', Number.MIN_VALUE, 1, 'a number in (0, 1]') },
  'weight-decay': { key: 'convnet.weightDecay', type: 'string', help: "convnet: AdamW's decoupled weight decay (0: Adam)", parse: numberIn('weightDecay', 0, 1, 'a number in [0, 1]') },
  'label-smoothing': { key: 'convnet.labelSmoothing', type: 'string', help: 'convnet: label smoothing of the training targets (0: none)', parse: numberIn('labelSmoothing', 0, 0.5, 'a number in [0, 0.5]') },
  'test-time-flip': {
    key: 'convnet.testTimeFlip',
    type: 'string',
    help: "convnet: the saved model averages each image's prediction with its mirror's, auto (when --augment flips) | on | off",
    parse: oneOf('testTimeFlip', TEST_TIME_FLIPS),
  },
};

/** The object that holds `key` in `config`, and the field's name there. */
function holderOf(config: PipelineConfig, key: FlagKey): [Record<string, unknown>, string] {
  const [head, field] = key.split('.') as [string, string | undefined];
  return field === undefined ? [config as unknown as Record<string, unknown>, head] : [config[head as 'boost' | 'convnet'] as unknown as Record<string, unknown>, field];
}

/** The value at `key` of `config`. */
function valueAt(config: PipelineConfig, key: FlagKey): unknown {
  const [holder, field] = holderOf(config, key);
  return holder[field];
}

/** Sets `key` of `config` (whose stage settings are its own copies) to `value`. */
function setAt(config: PipelineConfig, key: FlagKey, value: unknown): void {
  const [holder, field] = holderOf(config, key);
  holder[field] = value;
}

/**
 * `--epochs -1` as `--epochs=-1`: parseArgs calls a value that starts with a dash ambiguous and
 * prints three lines about it, while the flag's own check says in one line what is wrong. A
 * following known flag (`--model --resume`) stays a flag, so its missing value is reported.
 */
function attachDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const spec = arg.startsWith('--') ? FLAGS[arg.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '-' && !isFlag(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function isFlag(arg: string): boolean {
  return arg === '-h' || arg === '--help' || (arg.startsWith('--') && arg.slice(2).split('=')[0]! in FLAGS);
}

/** parseArgs' errors as one line that names the flag or argument and what to do. */
function commandLineError(err: NodeJS.ErrnoException): PipelineError {
  const named = /'([^']+)'/.exec(err.message)?.[1]?.split(' ')[0] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new PipelineError(`Unknown flag ${named}. Run \`npm start -- --help\` for the flags.`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new PipelineError(`${named} needs a value, as in ${named}=VALUE (see --help).`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new PipelineError(`Unexpected argument "${named}": every value follows its flag, as in --stage trees (see --help).`);
    default:
      return new PipelineError(`Cannot read the command line: ${err.message.split('\n')[0]} (see --help).`);
  }
}

/** Parses and validates argv (without node and script); throws a PipelineError naming the flag. */
export function loadConfig(argv: string[]): PipelineConfig & { help: boolean } {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([flag, spec]) => [flag, { type: spec.type }]),
  ) as Record<string, { type: 'string' | 'boolean' }>;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: attachDashValues(argv), options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw commandLineError(err as NodeJS.ErrnoException);
  }
  const config: PipelineConfig = { ...DEFAULTS, boost: { ...DEFAULTS.boost }, convnet: { ...DEFAULTS.convnet } };
  for (const [flag, spec] of Object.entries(FLAGS)) {
    const raw = values[flag];
    if (raw === undefined) continue;
    setAt(config, spec.key, spec.parse && typeof raw === 'string' ? spec.parse(raw, `--${flag}`) : raw);
  }
  return { ...config, help: values.help === true };
}

/** A default as its flag would be written. */
function showDefault(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const on = Object.entries(value).filter(([, v]) => v === true).map(([k]) => k);
  return on.length > 0 ? on.join(',') : 'none';
}

/** The `--help` lines for flags, each with its default. */
export function flagHelp(): string[] {
  return Object.entries(FLAGS).map(([flag, spec]) => {
    const def = valueAt(DEFAULTS, spec.key);
    const shown = def === undefined ? '' : ` (default: ${showDefault(def)})`;
    return `  --${flag.padEnd(21)} ${spec.help}${shown}`;
  });
}
