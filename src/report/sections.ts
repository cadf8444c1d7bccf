/** The report's sections, in the study's order; each turns ReportInputs into HTML. */
import { basename } from 'node:path';
import { MODELS, modelSpec } from '../models/registry.js';
import { escapeHtml, figure, missing, table } from './html.js';
import type { ReportInputs } from './inputs.js';

const f4 = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : '-');
const pre = (lines: string[]) => `<pre>${escapeHtml(lines.join('\n'))}</pre>`;
const fig = (inputs: ReportInputs, key: string, caption: string, stage: string) => {
  const uri = inputs.figures.get(key);
  return uri ? figure(uri, caption) : missing(`Figure "${caption}"`, stage);
};

export interface Section {
  id: string;
  title: string;
  render(inputs: ReportInputs): string;
}

export const SECTIONS: Section[] = [
  {
    id: 'data',
    title: 'Data checks',
    render: (i) => (i.dataChecks
      ? `<p>Array shapes (train images, train labels, test images), then the smallest and largest pixel value scaled to [0, 1]:</p>${pre(i.dataChecks)}`
      : missing('The pixel cache', 'load')),
  },
  {
    id: 'look',
    title: 'A look at the images',
    render: (i) =>
      fig(i, 'samples', '15 random training images (label : name)', 'visualize') +
      fig(i, 'sample', 'Training image 8703, enlarged', 'visualize') +
      (i.sampleText ? `<p>Image 8703's pixel values (0..255):</p>${pre([i.sampleText.trimEnd()])}` : ''),
  },
  {
    id: 'split',
    title: 'Train / validation split',
    render: (i) => (i.splitTable ? `<p>Stratified 80/20 split of the 60,000 training images:</p>${pre(i.splitTable)}` : missing('The split', 'split')),
  },
  {
    id: 'trees',
    title: 'Trees: cross-validation',
    render: (i) => {
      // every model whose stage cross-validated it
      const rows = MODELS.filter((m) => Array.isArray(i.metrics[m.name]?.cvScores)).map((m) => {
        const e = i.metrics[m.name]!;
        const folds = (e.cvScores as number[]).map((s) => s.toFixed(4)).join(' ');
        return [m.name, folds, f4(e.cvMean), f4(modelSpec(m.name).study?.cvMean)];
      });
      return rows.length ? table(['model', '5-fold accuracies', 'CV mean', 'study CV mean'], rows) : missing('Tree results', 'trees');
    },
  },
  {
    id: 'curves',
    title: 'Training curves',
    render: (i) => MODELS.filter((m) => m.history).map((m) => fig(i, `${m.name}-history`, `${m.title}: loss and accuracy per ${m.history}`, m.stage)).join(''),
  },
  {
    id: 'importance',
    title: 'Gradient boosting: what it looks at',
    render: (i) => fig(i, 'boost-importance', 'Total split gain per pixel over every tree: the pixels the boosted model relies on', 'boost'),
  },
  {
    id: 'results',
    title: 'Results',
    render: ({ evaluation: e }) => {
      if (!e) return missing('The comparison', 'evaluate');
      const rows = e.table.map((r) => [
        r.model, f4(r.cvMean), f4(r.validAccuracy), f4(r.testAccuracy), r.fitSeconds === null ? '-' : r.fitSeconds.toFixed(1), f4(modelSpec(r.model).study?.validAccuracy),
      ]);
      const notes = e.missing.map((m) => `<p class="missing">${escapeHtml(m.message)}</p>`).join('');
      return table(['model', 'CV mean', 'valid accuracy', 'test accuracy', 'fit (s)', 'study valid accuracy'], rows, e.table.findIndex((r) => r.model === e.best)) +
        `<p>Best by validation accuracy: <strong>${escapeHtml(e.best)}</strong>.</p>${notes}`;
    },
  },
  {
    id: 'classes',
    title: 'Per-class scores of the best model',
    render: ({ evaluation: e }) => {
      const scores = e?.models[e.best];
      if (!e || !scores) return missing('Per-class scores', 'evaluate');
      const rows = scores.perClass.map((c) => [`${c.label} ${c.name}`, f4(c.precision), f4(c.recall), f4(c.f1), String(c.support)]);
      rows.push(['macro average', f4(scores.macro.precision), f4(scores.macro.recall), f4(scores.macro.f1), '']);
      return `<p>${escapeHtml(e.best)} on the ${e.scoredOn === 'test' ? 'test' : 'validation'} images:</p>` + table(['class', 'precision', 'recall', 'F1', 'support'], rows);
    },
  },
  {
    id: 'confusion',
    title: 'Confusion matrices',
    render: (i) => {
      const shown = MODELS.filter((m) => i.figures.has(`confusion-${m.name}`));
      return shown.length
        ? shown.map((m) => figure(i.figures.get(`confusion-${m.name}`)!, `${m.title}: rows true class, columns predicted`)).join('')
        : missing('Confusion matrices', 'evaluate');
    },
  },
  {
    id: 'errors',
    title: 'Misclassified test images',
    render: (i) => fig(i, 'misclassified', `The best model's first misclassified images (true class → predicted)`, 'evaluate'),
  },
  {
    id: 'outputs',
    title: 'Predictions',
    render: (i) => {
      if (i.predictions.length === 0) return missing('The submission CSV', 'predict');
      const submission = `${i.evaluation?.best}_test.csv`;
      const item = (p: string) => `<li><code>${escapeHtml(p)}</code>${basename(p) === submission ? ': the submission (best model)' : ''}</li>`;
      return `<ul>${i.predictions.map(item).join('')}</ul>`;
    },
  },
];
