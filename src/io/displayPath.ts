/**
 * One well-formed UTF-8 sequence (RFC 3629's table: no overlongs, no surrogates, nothing past
 * U+10FFFF), matched on a latin1 string so that each character stands for one byte; any other
 * byte is the second alternative.
 */
const UTF8_OR_BYTE =
  /([\x00-\x7f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2})|[\x00-\xff]/g;
/** C0, DEL and C1 (U+0080-U+009F, two bytes in UTF-8): what a terminal may act on instead of printing. */
const CONTROL = /^(?:[\x00-\x1f\x7f]|\xc2[\x80-\x9f])$/;
/** A string with nothing to escape: no control character, no backslash. */
const PLAIN = /^[^\x00-\x1f\x7f-\x9f\\]*$/;

const hex = (bytes: string) => [...bytes].map((c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');

/**
 * A user-given path as it is safe to print on a terminal or in a CSV cell. Valid UTF-8 is shown
 * as text; each byte of a control character (an ESC could start a sequence that rewrites the
 * terminal) or of an invalid UTF-8 sequence is shown as `\xNN`, and a backslash as `\\`, so the
 * shown form names exactly one file. A path read as bytes (a line of stdin that is not UTF-8)
 * comes as a Uint8Array.
 *
 * @example
 * displayPath('a\x1b[2Jb.png')                   // 'a\\x1B[2Jb.png'
 * displayPath(Buffer.from([0x66, 0xff, 0x2e]))   // 'f\\xFF.'
 */
export function displayPath(path: string | Uint8Array): string {
  if (typeof path === 'string' && PLAIN.test(path)) return path;
  const bytes = typeof path === 'string' ? Buffer.from(path, 'utf8') : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
  return bytes.toString('latin1').replace(UTF8_OR_BYTE, (piece: string, valid: string | undefined) => {
    if (valid === undefined || CONTROL.test(piece)) return hex(piece);
    if (piece === '\\') return '\\\\';
    return Buffer.from(piece, 'latin1').toString('utf8');
  });
}
