import sharp from 'sharp';
import { PipelineError } from '../errors.js';

/** Font family every figure asks for; fontconfig maps it to an installed font (DejaVu Sans here). */
export const FONT_FAMILY = 'sans-serif';

/** A one-line SVG with `text` in black on white, for ink measurements. */
function probeSvg(text: string): string {
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40">' +
    '<rect width="240" height="40" fill="white"/>' +
    `<text x="4" y="30" font-family="${FONT_FAMILY}" font-size="24">${text}</text></svg>`
  );
}

/** Total darkness (sum of 255 - grey) of a rendered SVG: how much ink its text left. */
async function inkOf(svg: string): Promise<number> {
  const data = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer();
  let ink = 0;
  for (const v of data) ink += 255 - v;
  return ink;
}

/**
 * Throws unless fontconfig finds a real font for librsvg. Without one every glyph renders as the
 * same box, so a run of `W` leaves as much ink as a run of `i`; with a real font `W` leaves far
 * more. Checked once per process, before the first figure, so a missing font fails loudly
 * instead of producing figures with unreadable titles.
 */
export function assertTextRenders(): Promise<void> {
  fontCheck ??= (async () => {
    const [narrow, wide] = await Promise.all([inkOf(probeSvg('iiiiiiii')), inkOf(probeSvg('WWWWWWWW'))]);
    if (!(wide > 1.5 * narrow)) {
      throw new PipelineError(
        `Text in figures would render as boxes: fontconfig found no font for "${FONT_FAMILY}" ` +
          `(ink of "WWWWWWWW" ${wide} vs "iiiiiiii" ${narrow}). Install one ` +
          '(`apt-get install fonts-dejavu-core`), or point FONTCONFIG_FILE at a fonts.conf that lists a font folder.',
      );
    }
  })();
  return fontCheck;
}
let fontCheck: Promise<void> | undefined;

/**
 * Renders an SVG document to PNG (one pixel per SVG unit), on a white background without alpha.
 * Checks first that text really renders (see `assertTextRenders`).
 */
export async function svgToPng(svg: string): Promise<Buffer> {
  await assertTextRenders();
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
}
