import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPixelText } from '../../src/plots/pixelText.js';

describe('formatPixelText', () => {
  it('prints one line per row with values right-aligned in 3 characters', () => {
    assert.equal(formatPixelText(Uint8Array.of(0, 7, 255, 12), 2), '  0   7\n255  12');
  });

  it('prints a 28x28 image as 28 lines of 28 values by default', () => {
    const lines = formatPixelText(new Uint8Array(784).fill(200)).split('\n');
    assert.equal(lines.length, 28);
    assert.equal(lines[27], new Array(28).fill('200').join(' '));
  });

  it('rejects pixels that are not size x size', () => {
    assert.throws(() => formatPixelText(new Uint8Array(5), 2), {
      name: 'ConfigError',
      message: 'Expected 4 values (2 x 2) for pixels but received 5.',
    });
  });
});
