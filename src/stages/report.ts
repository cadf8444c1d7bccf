import { writeFileAtomic } from '../io/atomicWrite.js';
import { artifactPaths } from '../io/paths.js';
import { page, section } from '../report/html.js';
import { readReportInputs, type ReportInputs } from '../report/inputs.js';
import { SECTIONS } from '../report/sections.js';
import type { Stage } from '../stage.js';

/** The report page: one self-contained HTML string. */
export function renderReport(inputs: ReportInputs): string {
  const body = SECTIONS.map((s) => section(s.id, s.title, s.render(inputs))).join('\n');
  return page('Fashion-MNIST: trees, MLP and CNN', SECTIONS, body);
}

/** `report`: artifacts/report.html, every figure inlined; parts whose stage has not run say so. */
export const report: Stage = {
  name: 'report',
  summary: 'report.html: data checks, figures, split, CV, curves, results, confusion matrices, errors',
  inputs: (c) => [{ path: artifactPaths(c.artifactsDir).metrics, producer: 'evaluate' }],
  outputs: (c) => [artifactPaths(c.artifactsDir).report],
  async run(c, ctx) {
    const paths = artifactPaths(c.artifactsDir);
    const inputs = await readReportInputs(c.artifactsDir);
    await writeFileAtomic(paths.report, renderReport(inputs));
    ctx.log(`report: ${paths.report}`);
    for (const csv of inputs.predictions) ctx.log(`submission CSV: ${csv}`);
  },
};
