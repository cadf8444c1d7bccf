import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { darkPixels, decodePng } from '../../fixtures/index.js';
import { renderTrainingCurves, trainingCurvesSpec, type TrainingHistory } from '../../src/plots/trainingCurves.js';

const history: TrainingHistory = {
  epoch: [1, 2, 3],
  loss: [1.2, 0.8, 0.6],
  accuracy: [0.6, 0.7, 0.8],
  val_loss: [1.1, 0.9, 0.7],
  val_accuracy: [0.55, 0.65, 0.75],
};

/** The band across the top middle where the chart title sits. */
const TITLE_BAND = { x0: 250, x1: 550, y0: 0, y1: 30 };

describe('renderTrainingCurves', () => {
  it('renders a PNG of the default size, 800 x 450', async () => {
    const img = await decodePng(await renderTrainingCurves(history, 'MLP'));
    assert.deepEqual([img.width, img.height], [800, 450]);
  });

  it('renders a PNG of the size asked for', async () => {
    const img = await decodePng(await renderTrainingCurves(history, 'MLP', { size: { widthPx: 500, heightPx: 300 } }));
    assert.deepEqual([img.width, img.height], [500, 300]);
  });

  it('draws the title as text: dark pixels in the title band, none with a blank title', async () => {
    const titled = await decodePng(await renderTrainingCurves(history, 'MLP: loss and accuracy'));
    const blank = await decodePng(await renderTrainingCurves(history, ' '));
    assert.ok(darkPixels(titled, TITLE_BAND) > 300, `title ink ${darkPixels(titled, TITLE_BAND)}`);
    assert.equal(darkPixels(blank, TITLE_BAND), 0);
  });

  it('plots loss on the left axis and accuracy on the right, four series per epoch', () => {
    const spec = trainingCurvesSpec(history, 'MLP', { widthPx: 800, heightPx: 450 }) as unknown as {
      data: { values: { epoch: number; metric: string; set: string; value: number }[] };
      layer: { encoding: { y: { title: string; axis: { orient: string } } } }[];
      resolve: unknown;
    };
    assert.deepEqual(spec.layer.map((l) => [l.encoding.y.title, l.encoding.y.axis.orient]), [['loss', 'left'], ['accuracy', 'right']]);
    assert.deepEqual(spec.resolve, { scale: { y: 'independent' } });
    assert.equal(spec.data.values.length, 12);
    assert.deepEqual(spec.data.values.slice(0, 4), [
      { epoch: 1, metric: 'loss', set: 'train', value: 1.2 },
      { epoch: 1, metric: 'loss', set: 'validation', value: 1.1 },
      { epoch: 1, metric: 'accuracy', set: 'train', value: 0.6 },
      { epoch: 1, metric: 'accuracy', set: 'validation', value: 0.55 },
    ]);
  });

  it('rejects a history whose series have different lengths', async () => {
    await assert.rejects(renderTrainingCurves({ ...history, val_loss: [1.1] }, 'MLP'), {
      name: 'DataError',
      message:
        'Training history for "MLP" needs one value per epoch in every series (at least one epoch), but has ' +
        'epoch 3, loss 3, val_loss 1, accuracy 3, val_accuracy 3. Check the history file the training stage wrote.',
    });
  });
});

describe('trainingCurvesSpec step', () => {
  it('names the x axis after the step (boosting rounds), epoch by default', () => {
    const history = { epoch: [1, 2], loss: [1, 0.5], accuracy: [0.5, 0.7], val_loss: [1.1, 0.6], val_accuracy: [0.4, 0.6] };
    const xTitles = (step?: string) =>
      (trainingCurvesSpec(history, 'Boost', { widthPx: 800, heightPx: 450 }, step) as unknown as { layer: { encoding: { x: { title: string } } }[] }).layer.map((l) => l.encoding.x.title);
    assert.deepEqual(xTitles(), ['epoch', 'epoch']);
    assert.deepEqual(xTitles('round'), ['round', 'round']);
  });
});
