import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { darkPixels, decodePng } from '../../fixtures/index.js';
import { confusionMatrixSpec, renderConfusionMatrix } from '../../src/plots/confusionMatrix.js';

const names = ['Shirt', 'Coat', 'Bag'];
const matrix = [
  [50, 8, 0],
  [6, 60, 1],
  [0, 2, 70],
];

describe('renderConfusionMatrix', () => {
  it('renders a PNG of the default size, 700 x 640', async () => {
    const img = await decodePng(await renderConfusionMatrix(matrix, names, 'Tree'));
    assert.deepEqual([img.width, img.height], [700, 640]);
  });

  it('draws the title as text: dark pixels in the title band, none with a blank title', async () => {
    const band = { x0: 200, x1: 500, y0: 0, y1: 30 };
    const titled = await decodePng(await renderConfusionMatrix(matrix, names, 'Tree: confusion matrix'));
    const blank = await decodePng(await renderConfusionMatrix(matrix, names, ' '));
    assert.ok(darkPixels(titled, band) > 300, `title ink ${darkPixels(titled, band)}`);
    assert.equal(darkPixels(blank, band), 0);
  });

  it('writes each count in its cell (a changed count changes the picture)', async () => {
    const changed = matrix.map((row) => [...row]);
    changed[0][2] = 7; // 0 -> 7 keeps the colour scale (max 70) and so every cell's shade
    const a = await decodePng(await renderConfusionMatrix(matrix, names, 'Tree'));
    const b = await decodePng(await renderConfusionMatrix(changed, names, 'Tree'));
    const differing = a.grey.reduce((n, v, i) => n + (Math.abs(v - b.grey[i]) > 40 ? 1 : 0), 0);
    assert.ok(differing > 10 && differing < 400, `${differing} pixels differ: only the one cell's digits should`);
  });

  it('keeps class order on both axes and labels cells with counts', () => {
    const spec = confusionMatrixSpec(matrix, names, 'Tree', { widthPx: 700, heightPx: 640 }) as unknown as {
      data: { values: { true: string; predicted: string; count: number }[] };
      encoding: { x: { sort: string[] }; y: { sort: string[] } };
      layer: { mark: { type: string }; encoding: { text?: { field: string } } }[];
    };
    assert.deepEqual(spec.encoding.x.sort, names);
    assert.deepEqual(spec.encoding.y.sort, names);
    assert.deepEqual(spec.data.values[1], { true: 'Shirt', predicted: 'Coat', count: 8 });
    assert.deepEqual(spec.layer.map((l) => l.mark.type), ['rect', 'text']);
    assert.equal(spec.layer[1].encoding.text?.field, 'count');
  });

  it('rejects a matrix that does not match the class names', async () => {
    await assert.rejects(renderConfusionMatrix([[1, 2], [3]], ['a', 'b'], 'Tree'), {
      name: 'DataError',
      message:
        'Confusion matrix "Tree" must be 2 x 2 (one row and column per class name), but row 1 has 1 columns. ' +
        'Rows are true classes, columns predicted classes.',
    });
  });
});
