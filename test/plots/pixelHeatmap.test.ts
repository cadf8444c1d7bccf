import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePng } from '../../fixtures/index.js';
import { pixelHeatmapSpec, renderPixelHeatmap } from '../../src/plots/pixelHeatmap.js';

const ramp = Float64Array.from({ length: 784 }, (_, i) => (i % 28 === 14 ? 100 : 0));

describe('renderPixelHeatmap', () => {
  it('renders a PNG of the default size, 640 x 600', async () => {
    const img = await decodePng(await renderPixelHeatmap(ramp, 28, 'Gain per pixel', 'gain'));
    assert.deepEqual([img.width, img.height], [640, 600]);
  });

  it('has one cell per pixel, row 0 at the top, shaded from 0 to the largest value', () => {
    const spec = pixelHeatmapSpec(ramp, 28, 'Gain', 'gain', { widthPx: 640, heightPx: 600 }) as unknown as {
      data: { values: { row: number; col: number; value: number }[] };
      encoding: { color: { scale: { domain: number[] } } };
    };
    assert.equal(spec.data.values.length, 784);
    assert.deepEqual(spec.data.values[14 + 28 * 3], { row: 3, col: 14, value: 100 });
    assert.deepEqual(spec.encoding.color.scale.domain, [0, 100]);
  });

  it('a brighter column changes the picture where it is drawn', async () => {
    const a = await decodePng(await renderPixelHeatmap(ramp, 28, 'Gain', 'gain'));
    const b = await decodePng(await renderPixelHeatmap(new Float64Array(784).fill(1), 28, 'Gain', 'gain'));
    const differing = a.grey.reduce((n, v, i) => n + (Math.abs(v - b.grey[i]!) > 40 ? 1 : 0), 0);
    assert.ok(differing > 1000, `${differing} pixels differ`);
  });

  it('rejects values that are not side x side finite numbers', () => {
    assert.throws(() => pixelHeatmapSpec(new Float64Array(10), 28, 'Gain', 'gain', { widthPx: 640, heightPx: 600 }), {
      name: 'DataError',
      message: 'Heat map "Gain" needs 784 finite values (28 x 28, row-major), but has 10 values.',
    });
    const bad = new Float64Array(784);
    bad[5] = NaN;
    assert.throws(() => pixelHeatmapSpec(bad, 28, 'Gain', 'gain', { widthPx: 640, heightPx: 600 }), { message: /but has value 5 is NaN\.$/ });
  });
});
