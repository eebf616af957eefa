/**
 * Text measurement for the charts, without a font engine: advance widths of DejaVu Sans (the font
 * the PNGs are rendered with, `lambda/pictures/png.ts`), read from its `hmtx` table in units of
 * 1/2048 em. A width is the sum of its characters' advances, which is never less than what the
 * renderer lays out (kerning only tightens DejaVu's Latin pairs), so a label measured to fit does.
 * Characters outside the table count as the widest glyph of their block, or of the font.
 */

const UNITS_PER_EM = 2048;

/** Advances of U+0020..U+007E. */
const ASCII = [
  651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303,
  1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577,
  1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401,
  2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569,
  569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690,
  1303, 1716,
];

/** Advances of U+00A0..U+00FF. */
const LATIN1 = [
  651, 821, 1303, 1303, 1303, 1303, 690, 1024, 1024, 2048, 965, 1253, 1716, 739, 2048, 1024, 1024, 1716, 821,
  821, 1024, 1303, 1303, 651, 1024, 821, 965, 1253, 1985, 1985, 1985, 1087, 1401, 1401, 1401, 1401, 1401,
  1401, 1995, 1430, 1294, 1294, 1294, 1294, 604, 604, 604, 604, 1587, 1532, 1612, 1612, 1612, 1612, 1612,
  1716, 1612, 1499, 1499, 1499, 1499, 1251, 1239, 1290, 1255, 1255, 1255, 1255, 1255, 1255, 2011, 1126, 1260,
  1260, 1260, 1260, 569, 569, 569, 569, 1253, 1298, 1253, 1253, 1253, 1253, 1253, 1716, 1253, 1298, 1298,
  1298, 1298, 1212, 1300, 1212,
];

/** The widest advance in blocks text often uses; anything else counts as the font's widest glyph. */
const BLOCKS: Array<[from: number, to: number, widest: number]> = [
  [0x0100, 0x017f, 2191], // Latin Extended-A
  [0x0370, 0x03ff, 1912], // Greek
  [0x0400, 0x04ff, 2416], // Cyrillic
  [0x2010, 0x2027, 2048], // dashes, quotes, bullet, ellipsis
];
const WIDEST = 3554;

/** Ascent and descent of DejaVu Sans (hhea), in em: the vertical extent of a line of text. */
export const ASCENT_EM = 1901 / UNITS_PER_EM;
export const DESCENT_EM = 483 / UNITS_PER_EM;

export const ELLIPSIS = '…';

function advance(codePoint: number): number {
  if (codePoint >= 0x20 && codePoint <= 0x7e) return ASCII[codePoint - 0x20] as number;
  if (codePoint >= 0xa0 && codePoint <= 0xff) return LATIN1[codePoint - 0xa0] as number;
  for (const [from, to, widest] of BLOCKS) if (codePoint >= from && codePoint <= to) return widest;
  return WIDEST;
}

/** Estimated width in px of `text` at `fontSize` px in DejaVu Sans (an upper bound). */
export function textWidth(text: string, fontSize: number): number {
  let units = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e) units += ASCII[code - 0x20] as number;
    else {
      const codePoint = text.codePointAt(i) as number;
      if (codePoint > 0xffff) i++;
      units += advance(codePoint);
    }
  }
  return (units / UNITS_PER_EM) * fontSize;
}

/**
 * `text` cut to fit `maxWidth` px, ending in an ellipsis when cut; `''` when not even the ellipsis
 * and one character fit. Cuts between code points, so a surrogate pair is never split.
 */
export function fitText(text: string, maxWidth: number, fontSize: number): string {
  // Nothing in the font is wider than WIDEST: a short enough text fits without measuring.
  if (text.length * WIDEST <= (maxWidth / fontSize) * UNITS_PER_EM) return text;
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const budget = (maxWidth / fontSize) * UNITS_PER_EM - advance(ELLIPSIS.codePointAt(0) as number);
  let units = 0;
  let cut = '';
  for (const char of text) {
    units += advance(char.codePointAt(0) as number);
    if (units > budget) break;
    cut += char;
  }
  cut = cut.trimEnd();
  return cut ? `${cut}${ELLIPSIS}` : '';
}

/**
 * Text as it may stand in XML and on one line: characters XML 1.0 forbids (controls, lone
 * surrogates, U+FFFE/U+FFFF) dropped, runs of white space made one space.
 */
export function plainText(text: string): string {
  return text.replace(FORBIDDEN, '').replace(/\s+/g, ' ').trim();
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it removes.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/gu;

/** Escapes text for an XML text node or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** The family every chart text is drawn in: the DejaVu Sans these metrics are of, and the TTF the renderers load. */
export const FONT_FAMILY = 'DejaVu Sans';

/** A coordinate as the charts write it: to a tenth of a pixel. */
export function svgNumber(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/**
 * A chart text as SVG, `top` being the top of its line (the SVG wants the baseline): the one form
 * the charts write and `outline.ts` turns into glyph outlines.
 */
export function chartTextSvg(x: number, top: number, fontSize: number, fill: string, text: string): string {
  return `<text x="${svgNumber(x)}" y="${svgNumber(top + ASCENT_EM * fontSize)}" font-family="${FONT_FAMILY}" font-size="${fontSize}" fill="${fill}">${escapeXml(text)}</text>`;
}
