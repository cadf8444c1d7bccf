/**
 * `npm run bench -- serve [--model NAME] [--count N] [--clients C] [--repeats R] [--page-images P] [--artifacts-dir DIR] [--data-dir DIR]`
 *
 * The serve stage against the CLI, on the real test images, in one run:
 * 1. Throughput. R times in turn (default 3), medians:
 *    - the CLI: `predict --input -` over N test image paths (default 10,000); its rate is the
 *      one it prints, from after its model is loaded to its last row (what a piped run sustains);
 *    - the API: a `serve` process, warmed with 500 requests, then N single-image
 *      `POST /api/predict` requests from C concurrent clients (default 8), sent by a separate
 *      process (bench/_serveClient.ts), over keep-alive connections: images/s, and the
 *      latency of every request (p50, p99 over all rounds). Every answer's class must be the
 *      CLI's for the same image.
 *    - the API again with wrk (Debian's `wrk`, where installed; bench/_post.lua), C connections
 *      for as long as the Node client took: the same requests from a client that costs the
 *      2-core host about a tenth of a core, where the Node client costs it nearly half of one.
 *      Its answers are not read, but any that is not 200 fails the bench.
 * 2. Latency of one client alone (1,000 requests, one at a time): p50, p99.
 * 3. The page, in headless Chromium: from navigation start to the first prediction shown, for
 *    one test image given as soon as the page has loaded, in a fresh browser context each time
 *    (no cache), R times, median; then P test images (default 200) through the file picker, whose
 *    classes must be the CLI's, with the top probability within 1e-3.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { dataPaths } from '../src/io/paths.js';
import { median } from './_measure.js';
import { benchTarget } from './_target.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const CLIENT = fileURLToPath(new URL('./_serveClient.js', import.meta.url));
// the build copies nothing from bench/: the script is read from the source tree
const WRK_SCRIPT = fileURLToPath(new URL('../../bench/_post.lua', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface CliRun {
  /** images/s as the CLI reports it (model loaded, input to last row) */
  rate: number;
  wallSeconds: number;
  rows: { name: string; label: number; probability: number }[];
}

interface ClientRun {
  seconds: number;
  latencies: number[];
  classes: number[];
}

/** `predict --input -` over `paths`. */
function cliRun(args: string[], paths: string[]): Promise<CliRun> {
  return new Promise((done, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const rate = /predicted in [\d.]+ s \((\d+) images\/s\)/.exec(stderr)?.[1];
      if (code !== 0 || !rate) return reject(new Error(`predict exited ${code}: ${stderr}`));
      const rows = stdout.trim().split('\n').slice(1).map((line) => {
        const [path, label, , probability] = line.split(',');
        return { name: basename(path!), label: Number(label), probability: Number(probability) };
      });
      done({ rate: Number(rate), wallSeconds: (performance.now() - started) / 1000, rows });
    });
    child.stdin.end(paths.join('\n'));
  });
}

interface WrkRun {
  rate: number;
  p50: string;
  p99: string;
}

/** wrk with `clients` connections for `seconds`; undefined where wrk is not installed. */
async function wrkRun(url: string, model: string, clients: number, seconds: number, pathsFile: string): Promise<WrkRun | undefined> {
  // wrk without its script still runs, sending GET / (a redirect it does not count as an error)
  await access(WRK_SCRIPT).catch(() => {
    throw new Error(`wrk's script ${WRK_SCRIPT} is missing: run the bench from the source tree's dist/ (npm run bench -- serve)`);
  });
  return new Promise((done, reject) => {
    const child = spawn('wrk', ['-t1', `-c${clients}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency', '-s', WRK_SCRIPT, url], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PATHS: pathsFile, MODEL: model },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? done(undefined) : reject(err)));
    child.on('close', (code) => {
      const rate = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
      if (code !== 0 || !rate) return reject(new Error(`wrk exited ${code}: ${out}`));
      if (/Non-2xx/.test(out)) return reject(new Error(`wrk got answers other than 200: ${out}`));
      done({ rate: Number(rate), p50: /^\s+50%\s+(\S+)/m.exec(out)![1]!, p99: /^\s+99%\s+(\S+)/m.exec(out)![1]! });
    });
  });
}

function clientRun(url: string, model: string, clients: number, count: number, files: string[]): Promise<ClientRun> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [CLIENT, url, model, String(clients), String(count), ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? done(JSON.parse(out) as ClientRun) : reject(new Error(`the client exited ${code}`))));
  });
}

/** Starts `serve` on a free port; resolves to its URL and the process. */
function startServer(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [MAIN, '--stage', 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const url = /serving on (http:\/\/\S+):/.exec(out)?.[1];
      if (url) done({ url, child });
    });
    child.on('close', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      count: { type: 'string', default: '10000' },
      clients: { type: 'string', default: '8' },
      repeats: { type: 'string', default: '3' },
      'page-images': { type: 'string', default: '200' },
      'artifacts-dir': { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const { artifactsDir, dataDir, model } = await benchTarget(values);
  const count = Number(values.count);
  const clients = Number(values.clients);
  const repeats = Number(values.repeats);
  const testDir = dataPaths(dataDir).testImages;
  const names = (await readdir(testDir)).filter((n) => n.endsWith('.png')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  const paths = Array.from({ length: count }, (_, i) => join(testDir, names[i % names.length]!));
  const files = names.map((n) => join(testDir, n));
  const cliArgs = ['--stage', 'predict', '--input', '-', '--model', model, '--artifacts-dir', artifactsDir];

  console.log(`serve bench: model ${model}, ${count} test images, ${clients} clients, ${repeats} rounds`);
  const server = await startServer(['--artifacts-dir', artifactsDir]);
  try {
    await clientRun(server.url, model, clients, 500, files);
    const pathsFile = join(await mkdtemp(join(tmpdir(), 'bench-serve-')), 'paths.txt');
    await writeFile(pathsFile, `${files.slice(0, Math.min(count, files.length)).join('\n')}\n`);
    const cli: CliRun[] = [];
    const api: ClientRun[] = [];
    const wrk: WrkRun[] = [];
    for (let r = 0; r < repeats; r++) {
      cli.push(await cliRun(cliArgs, paths));
      api.push(await clientRun(server.url, model, clients, count, files.slice(0, Math.min(count, files.length))));
      const c = cli.at(-1)!;
      const a = api.at(-1)!;
      const disagree = a.classes.filter((k, i) => k !== c.rows[i]!.label).length;
      if (disagree > 0) throw new Error(`round ${r + 1}: ${disagree} API answers differ from the CLI's rows`);
      const w = await wrkRun(server.url, model, clients, a.seconds, pathsFile);
      if (w) wrk.push(w);
      console.log(`  round ${r + 1}: CLI ${c.rate} images/s (whole command ${c.wallSeconds.toFixed(1)} s); API ${Math.round(count / a.seconds)} images/s${w ? `, with wrk ${Math.round(w.rate)} (p50 ${w.p50}, p99 ${w.p99})` : ''}`);
    }
    await rm(dirname(pathsFile), { recursive: true, force: true });
    const cliRate = median(cli.map((c) => c.rate));
    const apiRate = median(api.map((a) => count / a.seconds));
    const all = api.flatMap((a) => a.latencies);
    console.log(`CLI piped --input: ${Math.round(cliRate)} images/s (median of ${repeats})`);
    console.log(`API, ${clients} clients, one image per request: ${Math.round(apiRate)} images/s (median of ${repeats}), ${(apiRate / cliRate).toFixed(2)}x the CLI's rate`);
    console.log(`  latency over ${all.length} requests: p50 ${percentile(all, 50).toFixed(1)} ms, p99 ${percentile(all, 99).toFixed(1)} ms`);
    if (wrk.length > 0) {
      const wrkRate = median(wrk.map((w) => w.rate));
      console.log(`API, ${clients} wrk connections: ${Math.round(wrkRate)} images/s (median of ${wrk.length}), ${(wrkRate / cliRate).toFixed(2)}x the CLI's rate`);
    } else {
      console.log('wrk is not installed (apt-get install -y wrk): no figures from a lighter client');
    }
    const alone = await clientRun(server.url, model, 1, 1000, files);
    console.log(`API, 1 client: ${Math.round(1000 / alone.seconds)} images/s, latency p50 ${percentile(alone.latencies, 50).toFixed(1)} ms, p99 ${percentile(alone.latencies, 99).toFixed(1)} ms`);
    await measurePage(server.url, repeats, Number(values['page-images']), files, cli[0]!.rows);
  } finally {
    const closed = new Promise((done) => server.child.on('close', done));
    server.child.kill('SIGINT');
    console.log(`serve exited ${await closed} on SIGINT`);
  }
}

async function measurePage(url: string, repeats: number, count: number, files: string[], cliRows: CliRun['rows']): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const firsts: number[] = [];
    let backend = '';
    for (let r = 0; r < repeats; r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${url}/predict`);
      await page.setInputFiles('#files', files[0]!);
      await page.waitForSelector('.card[data-state="done"]', { timeout: 60_000 });
      firsts.push(Number(await page.evaluate('document.body.dataset.firstResultMs')));
      backend = await page.$eval('#status', (el) => el.textContent ?? '');
      if (r === repeats - 1) {
        await page.setInputFiles('#files', files.slice(0, count));
        await page.waitForFunction(`document.querySelectorAll('.card[data-state="done"]').length >= ${count + 1}`, undefined, { timeout: 300_000 });
        const cards = await page.$$eval('.card', (els) => els.map((el) => ({ ...(el as unknown as { dataset: Record<string, string> }).dataset })));
        const byName = new Map(cliRows.map((row) => [row.name, row]));
        let agree = 0;
        let maxDiff = 0;
        for (const card of cards.slice(0, count)) {
          const cli = byName.get(card.name!)!;
          const diff = Math.abs((JSON.parse(card.probabilities!) as number[])[cli.label]! - cli.probability);
          maxDiff = Math.max(maxDiff, diff);
          if (Number(card.label) === cli.label && diff <= 1e-3) agree++;
        }
        console.log(`page: ${agree} of ${count} test images give the CLI's class with the top probability within 1e-3 (largest difference ${maxDiff.toExponential(1)}, the CLI's rounding to 4 places included)`);
      }
      await context.close();
    }
    console.log(`page: first prediction ${Math.round(median(firsts))} ms after navigation start (median of ${repeats}: ${firsts.join(', ')} ms); ${backend}`);
  } finally {
    await browser.close();
  }
}
