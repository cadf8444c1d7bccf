import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomic } from '../../src/io/atomicWrite.js';

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
