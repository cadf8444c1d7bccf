import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { from, lastValueFrom, throwError, toArray } from 'rxjs';
import { normalizePixels, toUnitRange } from '../../src/operators/normalizePixels.js';

describe('toUnitRange', () => {
  it('divides grey levels by 255', () => {
    assert.deepEqual(Array.from(toUnitRange(Uint8Array.of(0, 51, 255))), [0, Math.fround(0.2), 1]);
  });

  it('returns floats of the same length, leaving the input alone', () => {
    const input = Uint8Array.of(255, 0);
    const out = toUnitRange(input);
    assert.ok(out instanceof Float32Array);
    assert.deepEqual(Array.from(input), [255, 0]);
  });
});

describe('normalizePixels', () => {
  it('replaces pixels and passes every other field through', async () => {
    const out = await lastValueFrom(from([{ pixels: Uint8Array.of(0, 255), label: 3, id: 7 }]).pipe(normalizePixels(), toArray()));
    assert.deepEqual(out, [{ pixels: Float32Array.of(0, 1), label: 3, id: 7 }]);
  });

  it('completes without emitting on an empty source', async () => {
    const out = await lastValueFrom(from([] as { pixels: Uint8Array }[]).pipe(normalizePixels(), toArray()));
    assert.deepEqual(out, []);
  });

  it('passes errors through', async () => {
    const failing = throwError(() => new Error('decode failed: a.png'));
    await assert.rejects(lastValueFrom(failing.pipe(normalizePixels())), { message: 'decode failed: a.png' });
  });
});
