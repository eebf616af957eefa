/**
 * SVG → PNG with native resvg (`@resvg/resvg-js`, prebuilt per-platform binaries, no install script):
 * the local server's renderer, and the tests' and bench's. Lambda bundles use the WebAssembly build
 * instead (png-wasm.ts), which draws the same pixels. Text is drawn only with DejaVu Sans from the
 * `dejavu-fonts-ttf` package, never with the host's fonts, so a chart renders the same on a laptop
 * and on Lambda, and the label widths estimated in `text-metrics.ts` hold.
 */
import { readFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { GlyphFont } from './glyphs';
import { outlineTextWith, type PngOptions, pngWidth } from './outline';
import { FONT_FAMILY } from './text-metrics';

export type { PngOptions } from './outline';

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

/** The SVG with the charts' `<text>` as DejaVu Sans glyph outlines (outline.ts). */
export function outlineText(svg: string): string {
  return outlineTextWith(chartFont(), svg);
}

/** A resvg renderer for `svg`, fonts set and text outlined; `renderPng` encodes it, tests read its pixels. */
export function chartRenderer(svg: string, options: PngOptions = {}): Resvg {
  return new Resvg(outlineText(svg), {
    font: { fontFiles: [chartFontFile()], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'width', value: pngWidth(svg, options) },
    background: '#ffffff',
  });
}

export function renderPng(svg: string, options: PngOptions = {}): Buffer {
  return chartRenderer(svg, options).render().asPng();
}
