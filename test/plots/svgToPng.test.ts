import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodePng } from '../../fixtures/index.js';
import { assertTextRenders, svgToPng } from '../../src/plots/svgToPng.js';

const svgToPngModule = fileURLToPath(new URL('../../src/plots/svgToPng.js', import.meta.url));

describe('svgToPng', () => {
  it('renders one pixel per SVG unit, opaque (no alpha channel)', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="50" height="20"><rect x="10" width="5" height="20" fill="black"/></svg>';
    const img = await decodePng(await svgToPng(svg));
    assert.deepEqual([img.width, img.height, img.channels], [50, 20, 3]);
    assert.equal(img.grey[5 * 50 + 12], 0, 'inside the black rect');
    assert.equal(img.grey[5 * 50 + 30], 255, 'transparent background became white');
  });

  it('finds a real font here: glyphs of different widths leave different ink', async () => {
    await assertTextRenders();
  });

  it('fails with advice when fontconfig finds no font (every glyph would be a box)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nofonts-'));
    try {
      const conf = join(dir, 'fonts.conf');
      await writeFile(conf, `<?xml version="1.0"?><fontconfig><dir>${dir}</dir><cachedir>${dir}</cachedir></fontconfig>`);
      // fontconfig reads its configuration once per process, so the check runs in a child
      const script = `import(${JSON.stringify(svgToPngModule)}).then((m) => m.assertTextRenders()).then(() => console.log('rendered'), (e) => console.log(e.message));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, FONTCONFIG_FILE: conf },
      });
      assert.match(
        stdout.trim(),
        /^Text in figures would render as boxes: fontconfig found no font for "sans-serif" \(ink of "WWWWWWWW" (\d+) vs "iiiiiiii" \1\)\. Install one \(`apt-get install fonts-dejavu-core`\), or point FONTCONFIG_FILE at a fonts\.conf that lists a font folder\.$/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
