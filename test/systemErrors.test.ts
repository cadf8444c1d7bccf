import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSystemError } from '../src/systemErrors.js';

describe('describeSystemError', () => {
  it('names the path, the error and what to do', () => {
    const err = Object.assign(new Error("EACCES: permission denied, open '/data/train.csv'"), { code: 'EACCES', syscall: 'open', path: '/data/train.csv' });
    assert.equal(
      describeSystemError(err, 'stage load'),
      '/data/train.csv: permission denied (EACCES in open). Make it readable and writable for this user, or choose other --data-dir / --artifacts-dir.',
    );
  });

  it('reads the fields back from the message of an error that crossed a worker boundary', () => {
    const err = new Error("ENOSPC: no space left on device, open '/art/images/train/7.png'");
    assert.match(describeSystemError(err, 'stage prepare')!, /^\/art\/images\/train\/7\.png: no space left on the device \(ENOSPC in open\)\. Free some space/);
  });

  it('names what was running when the error names no path', () => {
    const err = Object.assign(new Error('EROFS: read-only file system, write'), { code: 'EROFS', syscall: 'write' });
    assert.equal(describeSystemError(err, 'stage split'), 'stage split: the file system is read-only (EROFS in write). Point --artifacts-dir at a writable folder.');
  });

  it('leaves bugs alone: they keep their stack trace', () => {
    assert.equal(describeSystemError(new RangeError('Offset is outside the bounds of the DataView'), 'stage load'), undefined);
    assert.equal(describeSystemError(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }), 'stage load'), undefined);
    assert.equal(describeSystemError('EIO', 'stage load'), undefined);
  });
});
