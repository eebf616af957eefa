/**
 * What both PNG renderers share (png.ts, native resvg for the local server, tests and bench;
 * png-wasm.ts, resvg compiled to WebAssembly for Lambda): the charts' `<text>` turned into DejaVu Sans
 * glyph outlines (glyphs.ts), one path per text, which resvg draws far faster than it lays out text
 * and which draws the same wherever it runs; and the options both give resvg.
 */
import type { GlyphFont } from './glyphs';
import { FONT_FAMILY } from './text-metrics';

export interface PngOptions {
  /** Output width in px (the height keeps the aspect ratio); default: the SVG's own width. */
  width?: number;
}

function svgWidth(svg: string): number | undefined {
  const match = /<svg\b[^>]*?\swidth="(\d+(?:\.\d+)?)"/.exec(svg);
  return match ? Number(match[1]) : undefined;
}

/** The width in px a chart is drawn at: the option, else the SVG's own. */
export function pngWidth(svg: string, options: PngOptions = {}): number {
  return Math.round(options.width ?? svgWidth(svg) ?? 1200);
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

/** A chart text as `chartTextSvg` (text-metrics.ts) writes it. */
const TEXT = new RegExp(
  `<text x="([-\\d.]+)" y="([-\\d.]+)" font-family="${FONT_FAMILY}" font-size="([\\d.]+)" fill="(#[0-9a-fA-F]{3,8})">([^<]*)</text>`,
  'g',
);

/**
 * The SVG with each chart `<text>` (as the charts write them) replaced by `glyphs`' outlines at the
 * same place, size and colour; other text is left to resvg.
 */
export function outlineTextWith(glyphs: GlyphFont, svg: string): string {
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
