import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { writeReportArtifacts } from '../../fixtures/index.js';
import { DEFAULTS } from '../../src/config.js';
import { MODEL_NAMES } from '../../src/models/registry.js';
import { report } from '../../src/stages/report.js';
import { createStageContext } from '../../src/stage.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];

describe('report stage', () => {
  let dir: string;
  const lines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-'));
    await writeReportArtifacts(dir);
    await report.run({ ...DEFAULTS, artifactsDir: dir }, createStageContext({ log: (l) => lines.push(l), signal: new AbortController().signal }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes one page with every figure inlined and says where it is', async () => {
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 14);
    assert.doesNotMatch(html, /src="(?!data:)/);
    assert.match(html, /\(60, 28, 28\) \(60,\) \(60, 28, 28\)/); // data checks from the cache
    assert.deepEqual(lines, [`report: ${join(dir, 'report.html')}`, `submission CSV: ${join(dir, 'predictions', 'cnn_test.csv')}`]);
    assert.match(html, /cnn_test\.csv<\/code>: the submission \(best model\)/);
    assert.doesNotMatch(html, /class="missing"/);
  });

  it('names the parts whose stage has not run', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'report-empty-'));
    try {
      await report.run({ ...DEFAULTS, artifactsDir: empty }, createStageContext({ log: () => undefined, signal: new AbortController().signal }));
      const html = await readFile(join(empty, 'report.html'), 'utf8');
      const notes = html.match(/<p class="missing">.*?<\/p>/g) ?? [];
      const stages = notes.map((n) => /--stage ([a-z]+)/.exec(n)?.[1]);
      assert.deepEqual(stages, ['load', 'visualize', 'visualize', 'split', 'trees', 'boost', 'mlp', 'cnn', 'convnet', 'boost', 'evaluate', 'evaluate', 'evaluate', 'evaluate', 'predict']);
      assert.equal(notes[0], '<p class="missing">The pixel cache not available yet: run <code>npm start -- --stage load</code>.</p>');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('loads every image and lists every model in a real browser', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium)` }, async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(join(dir, 'report.html')).href;
      await page.goto(url, { waitUntil: 'load' });
      const widths = await page.$$eval('img', (imgs) => imgs.map((img) => (img as { naturalWidth: number }).naturalWidth));
      assert.equal(widths.length, 14);
      assert.ok(widths.every((w) => w > 0), `natural widths ${widths.join(', ')}`);
      const models = await page.$$eval('#results tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
      assert.deepEqual(models, [...MODEL_NAMES]);
      assert.equal(await page.$eval('#results tr.best td', (td) => td.textContent), 'cnn');
      assert.deepEqual(requests.filter((r) => r !== url && !r.startsWith('data:')), []);
    } finally {
      await browser.close();
    }
  });
});
