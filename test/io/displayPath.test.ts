import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayPath } from '../../src/io/displayPath.js';

describe('displayPath', () => {
  it('keeps printable paths, spaces and non-ASCII text as they are', () => {
    assert.equal(displayPath('photos/my shirt.png'), 'photos/my shirt.png');
    assert.equal(displayPath('fotos/Kleid grün 日本.png'), 'fotos/Kleid grün 日本.png');
    assert.equal(displayPath(Buffer.from('fotos/grün.png')), 'fotos/grün.png');
  });

  it('escapes C0 controls and DEL as \\xNN, so an escape sequence in a name reaches no terminal (issue 16)', () => {
    assert.equal(displayPath('a\x1b[2Jb.png'), 'a\\x1B[2Jb.png');
    assert.equal(displayPath('tab\there\r\nnl\x00\x7f.png'), 'tab\\x09here\\x0D\\x0Anl\\x00\\x7F.png');
  });

  it('escapes C1 controls byte by byte, in a string or as bytes', () => {
    assert.equal(displayPath('csi\u009b2J.png'), 'csi\\xC2\\x9B2J.png');
    assert.equal(displayPath(Buffer.from('csi\u009b2J.png')), 'csi\\xC2\\x9B2J.png');
  });

  it('shows the bytes of a name that is not valid UTF-8 as \\xNN, keeping the valid parts (issue 16)', () => {
    assert.equal(displayPath(Buffer.from([0x66, 0xff, 0x2e, 0x70, 0x6e, 0x67])), 'f\\xFF.png');
    // Latin-1 "é" (E9) alone, a truncated 3-byte sequence, an overlong "/" and a UTF-16 surrogate
    assert.equal(displayPath(Buffer.from('caf\xe9 ', 'latin1')), 'caf\\xE9 ');
    assert.equal(displayPath(Buffer.from([0xe6, 0x97, 0x41])), '\\xE6\\x97A');
    assert.equal(displayPath(Buffer.from([0xc0, 0xaf])), '\\xC0\\xAF');
    assert.equal(displayPath(Buffer.from([0xed, 0xa0, 0x80])), '\\xED\\xA0\\x80');
    assert.equal(displayPath(new Uint8Array([0x61, 0xe2, 0x82, 0xac, 0x80])), 'a€\\x80');
  });

  it('doubles a backslash, so what is shown names one file only', () => {
    assert.equal(displayPath('a\\x1B.png'), 'a\\\\x1B.png');
    assert.notEqual(displayPath('a\\x1B.png'), displayPath('a\x1b.png'));
  });
});
