import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { removeStaleTempFiles, tempFileWriter, tempPathFor, writeFileAtomic } from '../../src/io/atomicWrite.js';

describe('writeFileAtomic', () => {
  it('writes text given in pieces, in order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'model.json');
    await writeFileAtomic(path, ['{"a":', '[1,2', ']}'].values());
    assert.equal(await readFile(path, 'utf8'), '{"a":[1,2]}');
    assert.deepEqual(await readdir(dir), ['model.json']);
  });

  it('keeps the old file, and leaves no temp file, when making the pieces fails part-way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'model.json');
    await writeFile(path, 'old');
    function* pieces() {
      yield '{"half":';
      throw new Error('interrupted');
    }
    await assert.rejects(writeFileAtomic(path, pieces()), { message: 'interrupted' });
    assert.equal(await readFile(path, 'utf8'), 'old');
    assert.deepEqual(await readdir(dir), ['model.json']);
  });
});

describe('removeStaleTempFiles (issue 16)', () => {
  it('reads the writer\'s process id from a temp file name, and nothing from other names', () => {
    assert.equal(tempFileWriter(basename(tempPathFor('/a/metrics.json'))), process.pid);
    assert.equal(tempFileWriter('.model.json.4242.17.tmp'), 4242);
    for (const name of ['model.json', '.model.json.tmp', 'notes.4242.1.tmp', '.x.4242.tmp', '.x.42a.1.tmp']) assert.equal(tempFileWriter(name), undefined, name);
  });

  it('removes the temp files of processes that are gone, keeping a running one\'s and everything else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stale-'));
    const other = join(dir, 'other');
    const models = join(dir, 'models');
    await mkdir(other);
    await mkdir(models);
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // exited: its id names no process
    const files = {
      dead: join(dir, `.metrics.json.${dead}.3.tmp`),
      deadModel: join(models, `.decision-tree.json.${dead}.1.tmp`),
      live: join(dir, `.split.json.${process.pid}.2.tmp`),
      model: join(models, 'decision-tree.json'),
      notOurs: join(dir, 'notes.tmp'),
      otherFolder: join(other, `.report.html.${dead}.4.tmp`),
    };
    for (const path of Object.values(files)) await writeFile(path, 'x');
    await mkdir(join(dir, `.cnn.${dead}.5.tmp`)); // a folder: never ours
    const removed = await removeStaleTempFiles([dir, models, join(dir, 'missing')]);
    assert.deepEqual(removed, [files.dead, files.deadModel].sort());
    assert.deepEqual((await readdir(dir)).sort(), [`.cnn.${dead}.5.tmp`, basename(files.live), 'models', 'notes.tmp', 'other'].sort());
    assert.deepEqual(await readdir(models), ['decision-tree.json']);
    assert.deepEqual(await readdir(other), [basename(files.otherFolder)]);
  });
});
