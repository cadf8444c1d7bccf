import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataLayoutDir, dataTrainLabels40 } from '../../fixtures/data.js';
import { formatIdClassCsv, parseIdClassCsv, readIdClassCsv } from '../../src/io/csv.js';

describe('id,class CSVs', () => {
  it('reads train.csv: ids and labels in file order', async () => {
    const rows = await readIdClassCsv(join(dataLayoutDir, 'train.csv'), { labelled: true });
    assert.deepEqual([...rows.ids], Array.from({ length: 40 }, (_, i) => i));
    assert.deepEqual([...rows.labels], dataTrainLabels40);
  });

  it('finds the columns by name, in any order, ignoring extra columns', () => {
    const rows = parseIdClassCsv('class,note,id\n3,a,10\n7,b,4\n', 'f.csv', { labelled: true });
    assert.deepEqual([...rows.ids], [10, 4]);
    assert.deepEqual([...rows.labels], [3, 7]);
  });

  it('does not read the placeholder class of a submission template', () => {
    const rows = parseIdClassCsv('id,class\n5,\n6,x\n', 'test_sample.csv', { labelled: false });
    assert.deepEqual([...rows.ids], [5, 6]);
  });

  it('names the line of an id that is not an integer', () => {
    assert.throws(() => parseIdClassCsv('id,class\n1,2\n-3,4\n', 'f.csv', { labelled: true }), {
      name: 'DataError',
      message: 'f.csv line 3: id "-3" is not a non-negative integer. Fix or remove that row.',
    });
  });

  it('rejects an empty file', () => {
    assert.throws(() => parseIdClassCsv('', 'f.csv', { labelled: true }), {
      name: 'DataError',
      message: 'f.csv is empty. It needs a header "id,class" and one row per image.',
    });
  });

  it('rejects a file without an id column', () => {
    assert.throws(() => parseIdClassCsv('image,class\n1,2\n', 'f.csv', { labelled: false }), {
      name: 'DataError',
      message: 'f.csv has no "id" column (header: image,class). The header must name the columns id,class.',
    });
  });

  it('names the file when a row has the wrong number of fields', () => {
    assert.throws(() => parseIdClassCsv('id,class\n1,2\n3\n', 'f.csv', { labelled: true }), (err: Error) => {
      assert.equal(err.name, 'DataError');
      assert.match(err.message, /^Cannot parse f\.csv as CSV: .*line 3.*\. Fix the file \(one "id,class" row per line\)\.$/);
      return true;
    });
  });

  it('formats rows that parse back to the same values', () => {
    const text = formatIdClassCsv([0, 1, 2], [9, 0, 3]);
    assert.equal(text, 'id,class\n0,9\n1,0\n2,3\n');
    const rows = parseIdClassCsv(text, 'f.csv', { labelled: true });
    assert.deepEqual([...rows.labels], [9, 0, 3]);
  });
});
