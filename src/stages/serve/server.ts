/**
 * The serve stage's HTTP server (fastify, with @fastify/static for files):
 * - `GET /predict`: the page that classifies a user's own pictures in the browser (dist/web/);
 * - `GET /report`: report.html;
 * - `GET /models/...`: the trained models' files (tfjs Layers model.json and weights, tree JSON);
 * - `GET /api/models`: which models are trained, and the best;
 * - `POST /api/predict`: one image's bytes in, its row as `predict --input` writes it out (JSON).
 *
 * Uploads are decoded and framed on the normalizeImage pool that `predict --input` uses, with
 * the same pixel and time limits, and predicted by that model's worker threads, in batches of
 * the uploads that arrive while those are busy; the event loop only moves bytes. An upload in
 * the dataset's own format (28x28 8-bit grey PNG, whose decode its header bounds) skips the
 * decode pool: the predictor thread decodes and frames it, with the same code. Every error is
 * JSON `{ error }` with a 4xx status that says what to send instead; files outside the served
 * folders are never read (@fastify/static refuses `..` in any encoding).
 */
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { CLASS_NAMES } from '../../dataset.js';
import { PipelineError } from '../../errors.js';
import { displayPath } from '../../io/displayPath.js';
import { artifactPaths } from '../../io/paths.js';
import { checkModelName, MODEL_NAMES, type ModelName } from '../../models/registry.js';
import { topClass } from '../../operators/toCsvRows.js';
import { runWithTimeout, TaskTimeoutError } from '../predict/runWithTimeout.js';
import { MAX_DECODE_MS, type NormalizePool } from '../predict/newImages.js';
import { isDatasetPng } from '../../images/datasetPng.js';
import { UndecodedUpload, type Upload } from './batcher.js';
import { type ModelList, modelListReader, MODELS_URL, type PredictorCache } from './models.js';
import { withConcurrency } from './withConcurrency.js';

export interface ServerOptions {
  artifactsDir: string;
  /** the built page: predict.html, its script bundle and the wasm backend's files */
  webDir: string;
  /** larger request bodies are refused with 413 */
  bodyLimit: number;
  /** decodes and frames uploads (one task per thread at a time) */
  normalizePool: NormalizePool;
  predictors: PredictorCache;
  /** one line per server error (5xx) */
  warn(line: string): void;
}

/** One row of `POST /api/predict`: the columns of `predict --input`, and every class's probability. */
export interface PredictRow {
  path: string;
  class: number;
  label: string;
  /** the predicted class's, rounded as `predict --input` writes it */
  probability: number;
  probabilities: number[];
}

/** The answer's shape, so fastify serializes it with a compiled serializer. */
const PREDICT_RESPONSE = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          class: { type: 'integer' },
          label: { type: 'string' },
          probability: { type: 'number' },
          probabilities: { type: 'array', items: { type: 'number' } },
        },
      },
    },
  },
} as const;

/** The content types POST /api/predict reads as an image's bytes. */
const IMAGE_TYPES = /^(image\/[\w.+-]+|application\/octet-stream)$/i;
/** What a wrong content type is told to send. */
const SEND_AN_IMAGE = "send the image's bytes as the body, with Content-Type image/png, image/jpeg (or another image/ type) or application/octet-stream";
/** The longest `name` query shown whole. */
const MAX_NAME_CHARS = 200;

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: opts.bodyLimit, logger: false });
  const modelList = modelListReader(opts.artifactsDir);
  const decode = withConcurrency(opts.normalizePool.options.maxThreads, (task: { bytes: Uint8Array; name: string }) =>
    runWithTimeout(opts.normalizePool, task, MAX_DECODE_MS));

  // images only: not fastify's JSON and text parsers
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onSend', (_req, reply, payload, done) => {
    // cross-origin isolation lets the page's wasm backend use threads (SharedArrayBuffer);
    // everything it loads is same-origin
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-embedder-policy', 'require-corp');
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });

  await app.register(fastifyStatic, { root: opts.webDir, prefix: '/static/', index: false });
  await app.register(fastifyStatic, { root: resolve(artifactPaths(opts.artifactsDir).models), prefix: MODELS_URL, index: false, decorateReply: false });

  app.get('/', async (_req, reply) => reply.redirect('/predict'));
  app.get('/predict', async (_req, reply) => reply.sendFile('predict.html'));
  app.get('/report', async (_req, reply) => {
    const dir = opts.artifactsDir;
    if (!(await exists(join(dir, 'report.html')))) {
      return reply.code(404).send({ error: `No report yet (no ${join(dir, 'report.html')}). Run \`npm start -- --stage report\`, then reload.` });
    }
    return reply.sendFile('report.html', resolve(dir));
  });
  app.get('/api/models', async () => modelList());

  app.post<{ Querystring: { model?: string; name?: string } }>('/api/predict', { schema: { response: { 200: PREDICT_RESPONSE } } }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) return reply.code(415).send({ error: `No image in the request: ${SEND_AN_IMAGE}.` });
    const name = showName(req.query.name ?? 'upload');
    let model: ModelName;
    try {
      model = req.query.model === undefined ? defaultModel(await modelList(), opts.artifactsDir) : checkModelName(req.query.model, 'the model query parameter');
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
    let predictOne;
    try {
      predictOne = await opts.predictors.get(model);
    } catch (err) {
      if (err instanceof PipelineError) return reply.code(404).send({ error: err.message });
      throw err;
    }
    // a copy of its own: the body is often a view of an 8 kB pool, which posting would clone whole
    const bytes = new Uint8Array(req.body);
    let upload: Upload;
    try {
      // the dataset's format goes to the predictor thread as it is, and is decoded there
      upload = isDatasetPng(bytes) ? { png: bytes, name } : { pixels: await decode({ bytes, name }) };
    } catch (err) {
      const message = err instanceof TaskTimeoutError ? `${name}: ${err.message} to decode; stopped. Convert it to a smaller PNG or JPEG.` : (err as Error).message;
      return reply.code(422).send({ error: message });
    }
    try {
      return { model, rows: [toRow(name, await predictOne(upload))] };
    } catch (err) {
      if (err instanceof UndecodedUpload) return reply.code(422).send({ error: err.message });
      throw err;
    }
  });

  app.setNotFoundHandler(async (req, reply) =>
    reply.code(404).send({ error: `Nothing at ${req.method} ${req.url}. Pages: /predict, /report; files: /models/...; API: GET /api/models, POST /api/predict.` }));
  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      opts.warn(`serve: ${err.stack ?? err.message}`);
      return reply.code(500).send({ error: 'Internal error; the server log has the details.' });
    }
    return reply.code(status).send({ error: clientErrorMessage(err, opts.bodyLimit, req.headers['content-type']) });
  });
  return app;
}

/** The row `predict --input` writes for these probabilities, with all of them. */
export function toRow(path: string, probs: Float32Array): PredictRow {
  const { label, probability } = topClass(probs, 0);
  return { path, class: label, label: CLASS_NAMES[label]!, probability: Number(probability.toFixed(4)), probabilities: Array.from(probs) };
}

/** The model of a request that names none: the list's default. */
function defaultModel({ best }: ModelList, artifactsDir: string): ModelName {
  if (best === null) {
    throw new PipelineError(`No model is trained yet (none in ${artifactPaths(artifactsDir).models}). Train one, e.g. \`npm start -- --stage mlp\`; the models are ${MODEL_NAMES.join(', ')}.`);
  }
  return best;
}

/** Fastify's own 4xx errors, in words that say what to send instead. */
function clientErrorMessage(err: FastifyError, bodyLimit: number, contentType = ''): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `The upload is larger than the limit of ${bodyLimit} bytes: send a smaller image, or start serve with a larger --body-limit.`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `Content-Type ${JSON.stringify(contentType)} is not an image: ${SEND_AN_IMAGE}.`;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The Content-Length header does not match the body: send the body whole.';
    case 'FST_ERR_BAD_URL':
      return `${err.message}: not a path this server has.`;
    default:
      if (err.statusCode === 403) return 'Forbidden: that path leaves the served folders.';
      return err.message;
  }
}

/** A `name` query as rows and errors show it: escaped as `predict --input` shows a path, and cut short. */
function showName(name: string): string {
  const shown = displayPath(name);
  return shown.length > MAX_NAME_CHARS ? `${shown.slice(0, MAX_NAME_CHARS)}...` : shown;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
