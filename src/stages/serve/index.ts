/**
 * `serve`: a local web server for the trained models (see server.ts for what it serves). It runs
 * until Ctrl-C or SIGTERM, then stops taking connections, answers the requests in hand, and
 * stops its worker threads.
 */
import { access } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { PipelineConfig } from '../../config.js';
import { PipelineError } from '../../errors.js';
import { loadPooledPredictor, TASKS_PER_THREAD } from '../../models/pooledPredictor.js';
import { inferenceBatchSize } from '../../networks/evaluate.js';
import type { Stage, StageContext } from '../../stage.js';
import { createNormalizePool } from '../predict/newImages.js';
import { listModels, predictorCache } from './models.js';
import { buildServer } from './server.js';

/** Where the build puts the prediction page (scripts/build-web.mjs). */
export const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));

async function runServe(config: PipelineConfig, ctx: StageContext): Promise<void> {
  if (!(await access(`${WEB_DIR}predict.js`).then(() => true, () => false))) {
    throw new PipelineError(`The prediction page is not built (no ${WEB_DIR}predict.js). Run \`npm run build\`, or start with \`npm start -- --stage serve\`, which builds first.`);
  }
  const normalizePool = createNormalizePool(config.workers);
  // a thread starts its next batch while the main thread answers the last one (TASKS_PER_THREAD)
  const predictors = predictorCache((name) => loadPooledPredictor(config.artifactsDir, name, config), inferenceBatchSize(config), TASKS_PER_THREAD);
  const app = await buildServer({ artifactsDir: config.artifactsDir, webDir: WEB_DIR, bodyLimit: config.bodyLimit, normalizePool, predictors, warn: ctx.warn });
  try {
    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (err) {
      throw listenError(err as NodeJS.ErrnoException, config);
    }
    const { port } = app.server.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    const { models, best } = await listModels(config.artifactsDir);
    ctx.log(`serving on ${url}: the prediction page at ${url}/predict, the report at ${url}/report, the API at ${url}/api/predict`);
    ctx.log(models.length > 0
      ? `models: ${models.map((m) => (m.name === best ? `${m.name} (default)` : m.name)).join(', ')}`
      : 'no model is trained yet: the page will say so until one is (e.g. `npm start -- --stage mlp`)');
    ctx.log('press Ctrl-C to stop');
    if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    ctx.log('serve: stopping: answering the requests in hand');
  } finally {
    await app.close();
    await predictors.dispose();
    await normalizePool.destroy();
  }
}

function listenError(err: NodeJS.ErrnoException, config: PipelineConfig): Error {
  const where = `${config.host}:${config.port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new PipelineError(`Cannot listen on ${where}: the port is in use. Stop what holds it, or choose another with --port (0 picks a free one).`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new PipelineError(`Cannot listen on ${where}: ${config.host} is not an address of this host. Use --host 127.0.0.1 (this host only) or 0.0.0.0 (every interface).`);
    case 'EACCES':
      return new PipelineError(`Cannot listen on ${where}: ports below 1024 need privileges. Choose a port from 1024 up with --port.`);
    default:
      return err;
  }
}

/** `serve`: the report, the prediction page, the models and POST /api/predict on --host:--port. */
export const serve: Stage = {
  name: 'serve',
  inputs: () => [],
  outputs: () => [],
  runsUntilStopped: true,
  run: runServe,
};
