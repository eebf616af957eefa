/**
 * SVG → PNG with resvg (a Rust renderer shipped as prebuilt per-platform binaries, no install
 * script). Text is drawn only with DejaVu Sans from the `dejavu-fonts-ttf` package, never with the
 * host's fonts, so a chart renders the same on a laptop and on Lambda, and the label widths
 * estimated in `text-metrics.ts` hold.
 */
import { Resvg } from '@resvg/resvg-js';

let fontFile: string | undefined;

/** The TTF every chart is drawn with. */
export function chartFontFile(): string {
  fontFile ??= require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
  return fontFile;
}

export interface PngOptions {
  /** Output width in px (the height keeps the aspect ratio); default: the SVG's own width. */
  width?: number;
}

function svgWidth(svg: string): number | undefined {
  const match = /<svg\b[^>]*?\swidth="(\d+(?:\.\d+)?)"/.exec(svg);
  return match ? Number(match[1]) : undefined;
}

/** A resvg renderer for `svg`, fonts set; `renderPng` encodes it, tests read its pixels. */
export function chartRenderer(svg: string, options: PngOptions = {}): Resvg {
  const width = Math.round(options.width ?? svgWidth(svg) ?? 1200);
  return new Resvg(svg, {
    font: { fontFiles: [chartFontFile()], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    fitTo: { mode: 'width', value: width },
    background: '#ffffff',
  });
}

export function renderPng(svg: string, options: PngOptions = {}): Buffer {
  return chartRenderer(svg, options).render().asPng();
}
