import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  predictBoot28Png, predictBootLightBgPng, predictImageBomb, predictNotAnImage, predictPullover28Webp, predictTrouser84Jpg,
  serveTestImages, writeServeArtifacts,
} from '../../fixtures/index.js';
import { DEFAULTS, type PipelineConfig } from '../../src/config.js';
import { loadPooledPredictor, TASKS_PER_THREAD } from '../../src/models/pooledPredictor.js';
import { createNormalizePool } from '../../src/stages/predict/newImages.js';
import { serve, WEB_DIR } from '../../src/stages/serve/index.js';
import { predictorCache } from '../../src/stages/serve/models.js';
import { buildServer, type PredictRow } from '../../src/stages/serve/server.js';
import { createStageContext } from '../../src/stage.js';
import { start } from '../support/processes.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const noChromium = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)`;
const PHOTOS = [predictBootLightBgPng, predictTrouser84Jpg, predictPullover28Webp];
const TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };
const typeOf = (path: string) => TYPES[path.split('.').pop()!]!;

interface Response {
  status: number;
  body: string;
}

/** One request with its path sent as written (fetch would resolve `..` before sending). */
function send(base: string, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function postImage(base: string, path: string, query = ''): Promise<{ status: number; json: { rows?: PredictRow[]; error?: string; model?: string } }> {
  const r = await send(base, 'POST', `/api/predict?name=${encodeURIComponent(basename(path))}${query}`, await readFile(path), { 'content-type': typeOf(path) });
  return { status: r.status, json: JSON.parse(r.body) };
}

/** `predict --input -` on `paths`: its rows by file name. */
async function cliRows(dir: string, paths: string[]): Promise<Map<string, { label: number; probability: number }>> {
  const run = await start(MAIN, ['--stage', 'predict', '--artifacts-dir', dir, '--model', 'convnet', '--input', '-'], paths.join('\n')).exit;
  if (run.code !== 0) throw new Error(`predict exited ${run.code}: ${run.stderr}`);
  const rows = run.stdout.trim().split('\n').slice(1).map((line) => line.split(','));
  return new Map(rows.map(([path, label, , probability]) => [basename(path!), { label: Number(label), probability: Number(probability) }]));
}

/** The page's finished cards (done or error), once there are `count` of them. */
async function cards(page: Page, count: number): Promise<Record<string, string>[]> {
  await page.waitForFunction(`[...document.querySelectorAll('.card')].filter((c) => c.dataset.state !== 'pending').length >= ${count}`, undefined, { timeout: 60_000 });
  return page.$$eval('.card', (els) => els.map((el) => ({ ...(el as unknown as { dataset: Record<string, string> }).dataset })));
}

/** Gives `files` to the page as a drop on its drop zone, or as a paste. */
async function give(page: Page, how: 'drop' | 'paste', files: string[]): Promise<void> {
  const payload = await Promise.all(files.map(async (f) => ({ name: basename(f), type: typeOf(f), bytes: [...(await readFile(f))] })));
  const event = how === 'drop'
    ? "document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }))"
    : "document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt }))";
  await page.evaluate(`(() => {
    const dt = new DataTransfer();
    for (const f of ${JSON.stringify(payload)}) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    ${event};
  })()`);
}

describe('serve stage', () => {
  let dir: string;
  let base: string;
  const stop = new AbortController();
  let served: Promise<void>;
  let browser: Browser | undefined;
  const lines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serve-'));
    await writeServeArtifacts(dir);
    const config: PipelineConfig = { ...DEFAULTS, artifactsDir: dir, port: 0, workers: 2, bodyLimit: 100_000 };
    const listening = new Promise<string>((resolve) => {
      served = serve.run(config, createStageContext({
        log: (line) => {
          lines.push(line);
          const url = /^serving on (http:\/\/\S+):/.exec(line)?.[1];
          if (url) resolve(url);
        },
        warn: (line) => lines.push(line),
        signal: stop.signal,
      }));
      served.catch(() => resolve(''));
    });
    base = await listening;
    assert.ok(base, `the server did not start: ${lines.join('\n')}`);
    if (!noChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    stop.abort();
    await served;
    await rm(dir, { recursive: true, force: true });
  });

  it('says where it listens (127.0.0.1 unless told) and which models it has', () => {
    assert.match(lines[0]!, /^serving on http:\/\/127\.0\.0\.1:\d+: the prediction page at http:\/\/127\.0\.0\.1:\d+\/predict/);
    assert.equal(lines[1], 'models: boost, convnet (default)');
  });

  it('lists the trained models with their files, the best first choice', async () => {
    const list = JSON.parse((await send(base, 'GET', '/api/models')).body);
    assert.equal(list.best, 'convnet');
    assert.deepEqual(list.models.map((m: { name: string; format: string; url: string }) => [m.name, m.format, m.url]), [
      ['boost', 'xgboost-json', '/models/boost.json'],
      ['convnet', 'tfjs-layers', '/models/convnet/model.json'],
    ]);
    const modelJson = JSON.parse((await send(base, 'GET', '/models/convnet/model.json')).body);
    assert.equal(modelJson.format, 'layers-model');
  });

  it('the page frames and predicts like `predict --input -`: 50 test images, photos dropped, a picture pasted', { skip: noChromium }, async () => {
    const page = await browser!.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${base}/predict`);
    await page.setInputFiles('#files', serveTestImages);
    await give(page, 'drop', [...PHOTOS, predictNotAnImage]);
    await give(page, 'paste', [predictBoot28Png]);
    const shown = await cards(page, serveTestImages.length + PHOTOS.length + 2);
    const expected = await cliRows(dir, [...serveTestImages, ...PHOTOS, predictBoot28Png]);
    const done = shown.filter((c) => c.state === 'done');
    assert.equal(done.length, expected.size);
    for (const card of done) {
      const cli = expected.get(card.name!)!;
      const probs = JSON.parse(card.probabilities!) as number[];
      assert.equal(Number(card.label), cli.label, `${card.name}: page says ${card.label}, the CLI ${cli.label}`);
      assert.ok(Math.abs(probs[cli.label]! - cli.probability) <= 1e-3, `${card.name}: ${probs[cli.label]} against ${cli.probability}`);
      assert.equal(card.model, 'convnet');
    }
    const bad = shown.find((c) => c.name === 'not-an-image.png')!;
    assert.equal(bad.state, 'error');
    assert.match(bad.error!, /^not-an-image\.png: not a picture this browser can read/);
    assert.match(await page.$eval('#status', (el) => el.textContent ?? ''), /^Convnet runs on (wasm|webgl|cpu) in this browser/);
    assert.deepEqual(requests.filter((url) => !url.startsWith(base) && !url.startsWith('blob:') && !url.startsWith('data:')), []);
    await page.close();
  });

  it('POST /api/predict answers the rows of `predict --input`, with every probability', async () => {
    const images = [...serveTestImages.slice(0, 10), ...PHOTOS];
    const expected = await cliRows(dir, images);
    for (const image of images) {
      const { status, json } = await postImage(base, image);
      assert.equal(status, 200);
      assert.equal(json.model, 'convnet');
      const [row] = json.rows!;
      const cli = expected.get(basename(image))!;
      assert.equal(row!.path, basename(image));
      assert.equal(row!.class, cli.label);
      assert.equal(row!.probability, cli.probability);
      assert.equal(row!.probabilities.length, 10);
      assert.ok(Math.abs(row!.probabilities.reduce((a, b) => a + b) - 1) < 1e-5);
    }
  });

  it("takes a picture with the camera (Chromium's fake camera)", { skip: noChromium }, async () => {
    const camera = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
    try {
      const page = await camera.newPage();
      await page.goto(`${base}/predict`);
      await page.click('#camera-open');
      await page.waitForFunction("document.getElementById('camera-video').videoWidth > 0");
      await page.click('#camera-shot');
      const [card] = await cards(page, 1);
      assert.equal(card!.name, 'camera-1.png');
      assert.equal(card!.state, 'done');
      assert.equal(JSON.parse(card!.probabilities!).length, 10);
    } finally {
      await camera.close();
    }
  });

  it('a tree model predicts through the API from the page', { skip: noChromium }, async () => {
    const page = await browser!.newPage();
    await page.goto(`${base}/predict`);
    await page.waitForFunction("document.querySelectorAll('#model option').length > 0");
    await page.selectOption('#model', 'boost');
    await page.setInputFiles('#files', serveTestImages.slice(0, 3));
    const shown = await cards(page, 3);
    for (const card of shown) {
      const { json } = await postImage(base, serveTestImages.find((p) => basename(p) === card.name)!, '&model=boost');
      assert.equal(card.model, 'boost');
      assert.equal(Number(card.label), json.rows![0]!.class);
      assert.deepEqual(JSON.parse(card.probabilities!).map((p: number) => p.toFixed(6)), json.rows![0]!.probabilities.map((p) => p.toFixed(6)));
    }
    assert.match(await page.$eval('.caption', (el) => el.textContent ?? ''), /boost, on the server/);
    await page.close();
  });

  it('bad requests get a 4xx that says what to send, and the server stays up', async () => {
    const png = await readFile(predictBoot28Png);
    const cases: [string, Promise<Response>, number, RegExp][] = [
      ['not an image', send(base, 'POST', '/api/predict?name=notes.png', await readFile(predictNotAnImage), { 'content-type': 'image/png' }), 422, /^notes\.png: not an image sharp can read \(file starts with/],
      ['an image bomb', send(base, 'POST', '/api/predict?name=bomb.png', await readFile(predictImageBomb), { 'content-type': 'image/png' }), 422, /^bomb\.png: 50000 x 50000 = 2500000000 pixels, over the limit of 100000000 \(an image bomb\?\)/],
      ['too large', send(base, 'POST', '/api/predict', Buffer.alloc(100_001), { 'content-type': 'image/png' }), 413, /^The upload is larger than the limit of 100000 bytes: send a smaller image, or start serve with a larger --body-limit\.$/],
      ['JSON', send(base, 'POST', '/api/predict', png, { 'content-type': 'application/json' }), 415, /^Content-Type "application\/json" is not an image: send the image's bytes as the body, with Content-Type image\/png/],
      ['a video', send(base, 'POST', '/api/predict', png, { 'content-type': 'video/mp4' }), 415, /^Content-Type "video\/mp4" is not an image: send the image's bytes/],
      ['no body', send(base, 'POST', '/api/predict', undefined, {}), 415, /^No image in the request/],
      ['an empty image', send(base, 'POST', '/api/predict?name=empty.png', Buffer.alloc(0), { 'content-type': 'image/png' }), 422, /^empty\.png: empty \(0 bytes\), not an image\.$/],
      ['an unknown model', send(base, 'POST', '/api/predict?model=svm', png, { 'content-type': 'image/png' }), 400, /^Expected decision-tree \| random-forest \| boost \| mlp \| cnn \| convnet for model but received "svm"/],
      ['a model not trained', send(base, 'POST', '/api/predict?model=mlp', png, { 'content-type': 'image/png' }), 404, /^Model "mlp" is not trained yet .* Run `npm start -- --stage mlp` first\.$/],
      ['GET on the API', send(base, 'GET', '/api/predict'), 404, /^Nothing at GET \/api\/predict\. Pages: \/predict/],
    ];
    for (const [what, response, status, message] of cases) {
      const r = await response;
      assert.equal(r.status, status, `${what}: ${r.body}`);
      assert.match(JSON.parse(r.body).error, message, what);
    }
    const { status, json } = await postImage(base, predictBoot28Png);
    assert.equal(status, 200, 'the server still answers');
    assert.equal(json.rows![0]!.path, 'boot-28.png');
  });

  it("a damaged PNG in the dataset's format fails alone (422), not the uploads batched with it", async () => {
    const damaged = Buffer.from(await readFile(serveTestImages[0]!));
    damaged.fill(0xff, 41, 61); // inside the image data
    const expected = await cliRows(dir, serveTestImages.slice(1, 8));
    const [bad, ...good] = await Promise.all([
      send(base, 'POST', '/api/predict?name=damaged.png', damaged, { 'content-type': 'image/png' }),
      ...serveTestImages.slice(1, 8).map((image) => postImage(base, image)),
    ]);
    assert.equal(bad!.status, 422);
    assert.match(JSON.parse(bad!.body).error, /^damaged\.png: cannot decode: .*\. Export the image again, or leave it out\.$/);
    for (const [i, { status, json }] of good.entries()) {
      assert.equal(status, 200);
      assert.equal(json.rows![0]!.class, expected.get(basename(serveTestImages[i + 1]!))!.label);
    }
  });

  it('refuses paths outside the served folders, however they are written', async () => {
    const metrics = await readFile(join(dir, 'metrics.json'), 'latin1');
    const paths = [
      '/models/../metrics.json', '/models/%2e%2e/metrics.json', '/models/%2E%2E%2Fmetrics.json', '/models/..%2fmetrics.json',
      '/models/..%5cmetrics.json', '/models/%252e%252e/metrics.json', '/static/../../package.json', '/static/%2e%2e/%2e%2e/package.json',
      '/models/convnet/../../metrics.json', '/models//etc/passwd', '/static/..\\..\\package.json', '/models/%00../metrics.json',
    ];
    for (const path of paths) {
      const r = await send(base, 'GET', path);
      assert.ok(r.status === 403 || r.status === 404 || r.status === 400, `${path}: ${r.status}`);
      assert.ok(!r.body.includes('"evaluation"') && !r.body.includes('"dependencies"') && !r.body.includes('root:'), `${path} leaked a file`);
      assert.ok(JSON.parse(r.body).error, path);
    }
    assert.ok(metrics.includes('"evaluation"'), 'the check above looks for the right text');
  });
});

describe("serve's fast path for the dataset's format", () => {
  it('predicts 28x28 grey PNG uploads without the decode pool, and other images with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serve-fast-'));
    await writeServeArtifacts(dir);
    const normalizePool = createNormalizePool(1);
    const predictors = predictorCache((name) => loadPooledPredictor(dir, name, { workers: 1, backend: 'cpu' }), 64, TASKS_PER_THREAD);
    const app = await buildServer({ artifactsDir: dir, webDir: WEB_DIR, bodyLimit: 1_000_000, normalizePool, predictors, warn: assert.fail });
    try {
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const images = serveTestImages.slice(0, 5);
      const expected = await cliRows(dir, [...images, predictTrouser84Jpg]);
      for (const image of images) assert.equal((await postImage(base, image)).json.rows![0]!.class, expected.get(basename(image))!.label);
      assert.equal(normalizePool.completed, 0, 'no dataset PNG went through the decode pool');
      assert.equal((await postImage(base, predictTrouser84Jpg)).json.rows![0]!.class, expected.get(basename(predictTrouser84Jpg))!.label);
      assert.equal(normalizePool.completed, 1, 'the JPEG did');
    } finally {
      await app.close();
      await predictors.dispose();
      await normalizePool.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('serve from the command line', () => {
  it('stops cleanly on Ctrl-C (exit 0), and names a port in use', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serve-cli-'));
    try {
      const server = start(MAIN, ['--stage', 'serve', '--artifacts-dir', dir, '--port', '0']);
      await server.waitFor(/press Ctrl-C to stop/);
      const url = /serving on (http:\/\/\S+):/.exec(server.out())![1]!;
      assert.match(server.out(), /no model is trained yet: the page will say so until one is/);
      assert.equal((await send(url, 'GET', '/predict')).status, 200);
      assert.match(JSON.parse((await send(url, 'GET', '/report')).body).error, /^No report yet .* Run `npm start -- --stage report`, then reload\.$/);
      server.child.kill('SIGINT');
      const stopped = await server.exit;
      assert.equal(stopped.code, 0, server.out());
      assert.match(stopped.stdout, /serve: stopping: answering the requests in hand\n== serve done in/);

      const holder = createServer().listen(0, '127.0.0.1');
      await new Promise((resolve) => holder.once('listening', resolve));
      const port = (holder.address() as { port: number }).port;
      const busy = await start(MAIN, ['--stage', 'serve', '--artifacts-dir', dir, '--port', String(port)]).exit;
      holder.close();
      assert.equal(busy.code, 1);
      assert.equal(busy.stderr, `error: Cannot listen on 127.0.0.1:${port}: the port is in use. Stop what holds it, or choose another with --port (0 picks a free one).\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
