import { basename } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { artifactPaths } from '../io/paths.js';
import { page, section } from '../report/html.js';
import { readReportInputs, type ReportInputs } from '../report/inputs.js';
import { SECTIONS } from '../report/sections.js';
import type { Stage } from '../stage.js';

/** The report page: one self-contained HTML string. */
export function renderReport(inputs: ReportInputs): string {
  const body = SECTIONS.map((s) => section(s.id, s.title, s.render(inputs))).join('\n');
  return page('Fashion-MNIST: trees, boosting, MLP and CNN', SECTIONS, body);
}

/** `report`: artifacts/report.html, every figure inlined; parts whose stage has not run say so. */
export const report: Stage = {
  name: 'report',
  inputs: (c) => [{ path: artifactPaths(c.artifactsDir).metrics, producer: 'evaluate' }],
  outputs: (c) => [artifactPaths(c.artifactsDir).root],
  async run(c, ctx) {
    const paths = artifactPaths(c.artifactsDir);
    const inputs = await readReportInputs(c.artifactsDir);
    await writeFileAtomic(paths.report, renderReport(inputs));
    ctx.log(`report: ${paths.report}`);
    // the submission is the best model's predictions (others may exist from --model runs)
    const best = inputs.evaluation?.best;
    const submission = inputs.predictions.find((p) => basename(p) === `${best}_test.csv`);
    if (submission) ctx.log(`submission CSV: ${submission}`);
    else if (inputs.predictions.length > 0) ctx.log(`predictions: ${inputs.predictions.join(', ')}`);
  },
};
