import { rm } from 'node:fs/promises';
import type { PipelineConfig } from '../../config.js';
import { PipelineError } from '../../errors.js';
import { checkIdxPair, parseIdxImages, parseIdxLabels } from '../../io/idx.js';
import { dataPaths } from '../../io/paths.js';
import { createProgress } from '../../progress.js';
import type { Stage, StageContext } from '../../stage.js';
import { findIdx, type IdxSource } from './findIdx.js';
import { inspectLayout } from './layout.js';
import { layoutTempDir, writeLayout, type LayoutSource } from './writeLayout.js';

/** Parses and cross-checks the four IDX files; every error names the file. */
function parseSource(source: IdxSource): LayoutSource {
  const f = source.files;
  const set = (images: typeof f.trainImages, labels: typeof f.trainLabels) => {
    const parsed = { images: parseIdxImages(images.bytes, images.name), labels: parseIdxLabels(labels.bytes, labels.name) };
    checkIdxPair(parsed.images, parsed.labels, images.name, labels.name);
    return parsed;
  };
  return { train: set(f.trainImages, f.trainLabels), test: set(f.testImages, f.testLabels) };
}

/** Writes the layout from the IDX files unless --data-dir already holds a complete one. */
async function runPrepare(config: PipelineConfig, ctx: StageContext): Promise<void> {
  const paths = dataPaths(config.dataDir);
  await rm(layoutTempDir(config.dataDir), { recursive: true, force: true }); // left by an interrupted run
  const found = await inspectLayout(paths);
  if (found.state === 'complete') {
    ctx.log(`data layout at ${config.dataDir} is complete: skipped`);
    return;
  }
  if (found.state === 'incomplete') {
    throw new PipelineError(
      `${config.dataDir} exists but is not a complete data layout (${found.reason}). ` +
        'Remove it (or use another --data-dir) and run `npm start -- --stage prepare` again.',
    );
  }
  const source = await findIdx({ idxDir: config.idxDir, signal: ctx.signal });
  const parsed = parseSource(source);
  const total = parsed.train.images.count + parsed.test.images.count;
  const progress = createProgress('prepare', total);
  try {
    await writeLayout(config.dataDir, parsed, { workers: config.workers, progress, signal: ctx.signal });
  } catch (err) {
    throw ctx.signal.aborted ? ctx.signal.reason : err;
  }
  progress.done();
  ctx.log(`wrote ${parsed.train.images.count} train and ${parsed.test.images.count} test images to ${config.dataDir} (from ${source.origin})`);
}

/** `prepare`: the official IDX files turned into the study's PNG + CSV layout. */
export const prepare: Stage = {
  name: 'prepare',
  inputs: () => [],
  // The layout is written into its own temp folder and renamed into place, and that folder is
  // removed at the start of every run: no temp file of writeFileAtomic's in the user's data.
  outputs: () => [],
  run: runPrepare,
};
