import type { TopLevelSpec } from 'vega-lite';
import { DataError } from '../errors.js';
import { chartFrame, renderVegaLite, type ChartSize } from './renderVegaLite.js';

/** Per-epoch metrics of one network's training, as Keras' `History.history` (plus `epoch`). */
export interface TrainingHistory {
  epoch: number[];
  loss: number[];
  accuracy: number[];
  val_loss: number[];
  val_accuracy: number[];
}

const SERIES = [
  { key: 'loss', metric: 'loss', set: 'train' },
  { key: 'val_loss', metric: 'loss', set: 'validation' },
  { key: 'accuracy', metric: 'accuracy', set: 'train' },
  { key: 'val_accuracy', metric: 'accuracy', set: 'validation' },
] as const;

const LOSS_COLOUR = '#1f77b4';
const ACCURACY_COLOUR = '#ff7f0e';

/** Throws DataError unless every series has one value per epoch. */
function checkHistory(history: TrainingHistory, title: string): void {
  const n = history.epoch.length;
  const lengths = SERIES.map((s) => history[s.key].length);
  if (n === 0 || lengths.some((len) => len !== n)) {
    const found = ['epoch', ...SERIES.map((s) => s.key)].map((k) => `${k} ${history[k as keyof TrainingHistory].length}`);
    throw new DataError(
      `Training history for "${title}" needs one value per epoch in every series (at least one epoch), ` +
        `but has ${found.join(', ')}. Check the history file the training stage wrote.`,
    );
  }
}

/** One line layer on its own y axis: `metric` for train (solid) and validation (dashed). */
function metricLayer(metric: 'loss' | 'accuracy', orient: 'left' | 'right', colour: string, points: boolean, step: string) {
  return {
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line' as const, point: points ? { color: colour, filled: true } : false, color: colour, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: step, axis: { tickMinStep: 1 } },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: metric,
        scale: { zero: false },
        axis: { orient, titleColor: colour, labelColor: colour },
      },
      strokeDash: {
        field: 'set',
        type: 'nominal' as const,
        title: null,
        scale: { domain: ['train', 'validation'], range: [[1, 0], [6, 4]] },
        legend: {
          orient: 'bottom' as const,
          symbolType: 'stroke',
          symbolStrokeWidth: 2,
          symbolStrokeColor: '#444',
          // points make Vega-Lite fill the legend symbols and drop their stroke: a stroke
          // symbol would be invisible, so draw it as an unfilled line explicitly
          encode: { symbols: { update: { stroke: { value: '#444' }, fill: { value: 'transparent' } } } },
          symbolSize: 400,
          labelFontSize: 12,
        },
      },
    },
  };
}

/**
 * The Vega-Lite spec behind `renderTrainingCurves`: loss (left axis, blue) and accuracy (right
 * axis, orange) over epochs, train solid and validation dashed, as the study's twin-axis plots.
 */
export function trainingCurvesSpec(history: TrainingHistory, title: string, size: ChartSize, step = 'epoch'): TopLevelSpec {
  checkHistory(history, title);
  const values = history.epoch.flatMap((epoch, i) =>
    SERIES.map((s) => ({ epoch, metric: s.metric, set: s.set, value: history[s.key][i] })),
  );
  // Points make a short history visible (one epoch would otherwise draw nothing).
  const points = history.epoch.length <= 30;
  return {
    ...chartFrame(title, size),
    data: { values },
    layer: [metricLayer('loss', 'left', LOSS_COLOUR, points, step), metricLayer('accuracy', 'right', ACCURACY_COLOUR, points, step)],
    resolve: { scale: { y: 'independent' } },
  };
}

/**
 * Renders one model's training curves as a PNG of `size` (default 800 x 450): train/val loss
 * on the left axis, train/val accuracy on the right, over epochs (or boosting rounds: `step`
 * names the x axis).
 */
export async function renderTrainingCurves(
  history: TrainingHistory,
  title: string,
  { size = { widthPx: 800, heightPx: 450 }, step = 'epoch' }: { size?: ChartSize; step?: string } = {},
): Promise<Buffer> {
  return renderVegaLite(trainingCurvesSpec(history, title, size, step));
}
