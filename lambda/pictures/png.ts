/**
 * SVG → PNG with resvg (a Rust renderer shipped as prebuilt per-platform binaries, no install
 * script). Text is drawn only with DejaVu Sans from the `dejavu-fonts-ttf` package, never with the
 * host's fonts, so a chart renders the same on a laptop and on Lambda, and the label widths
 * estimated in `text-metrics.ts` hold.
 *
 * The charts' `<text>` elements are turned into glyph outlines first (`glyphs.ts`), one path per
 * text, which resvg draws far faster than it lays out text.
 */
import { readFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { GlyphFont } from './glyphs';

let fontFile: string | undefined;
let font: GlyphFont | undefined;

/** The TTF every chart is drawn with. */
export function chartFontFile(): string {
  fontFile ??= require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
  return fontFile;
}

function chartFont(): GlyphFont {
  font ??= new GlyphFont(readFileSync(chartFontFile()));
  return font;
}

export interface PngOptions {
  /** Output width in px (the height keeps the aspect ratio); default: the SVG's own width. */
  width?: number;
}

function svgWidth(svg: string): number | undefined {
  const match = /<svg\b[^>]*?\swidth="(\d+(?:\.\d+)?)"/.exec(svg);
  return match ? Number(match[1]) : undefined;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_m, name: string) =>
    name.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(name.slice(2), 16))
      : name.startsWith('#')
        ? String.fromCodePoint(Number(name.slice(1)))
        : (ENTITIES[name] as string),
  );
}

const TEXT =
  /<text x="([-\d.]+)" y="([-\d.]+)" font-family="DejaVu Sans" font-size="([\d.]+)" fill="(#[0-9a-fA-F]{3,8})">([^<]*)<\/text>/g;

/**
 * The SVG with each chart `<text>` (as `timeline-chart.ts` writes them) replaced by DejaVu Sans
 * glyph outlines at the same place, size and colour; other text is left to resvg.
 */
export function outlineText(svg: string): string {
  const glyphs = chartFont();
  return svg.replace(TEXT, (_m, x: string, y: string, size: string, fill: string, escaped: string) => {
    const scale = Number(size) / glyphs.unitsPerEm;
    let pen = 0;
    let d = '';
    for (const char of unescapeXml(escaped)) {
      const glyph = glyphs.glyphIndex(char.codePointAt(0) as number);
      d += glyphs.pathAt(glyph, pen);
      pen += glyphs.advance(glyph);
    }
    return d ? `<path fill="${fill}" transform="matrix(${scale} 0 0 ${-scale} ${x} ${y})" d="${d}"/>` : '';
  });
}

/** A resvg renderer for `svg`, fonts set and text outlined; `renderPng` encodes it, tests read its pixels. */
export function chartRenderer(svg: string, options: PngOptions = {}): Resvg {
  const width = Math.round(options.width ?? svgWidth(svg) ?? 1200);
  return new Resvg(outlineText(svg), {
    font: { fontFiles: [chartFontFile()], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
  });
}

export function renderPng(svg: string, options: PngOptions = {}): Buffer {
  return chartRenderer(svg, options).render().asPng();
}
