/**
 * SVG → PNG in Lambda: resvg compiled to WebAssembly (`@resvg/resvg-wasm`), since a native module
 * would tie the bundle to one platform. The .wasm and the DejaVu Sans TTF are imported as files:
 * esbuild's `file` loader copies them into the worker's asset beside its bundle (infra/bundling.ts),
 * and they are read on the first chart, so no cold start pays for them. Draws what png.ts draws: text
 * as the same glyph outlines, the same size and background.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import wasmFile from '@resvg/resvg-wasm/index_bg.wasm';
import fontFile from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf';
import { GlyphFont } from './glyphs';
import { outlineTextWith, type PngOptions, pngWidth } from './outline';

let ready: Promise<GlyphFont> | undefined;

/** A file the bundle carries: its path relative to the bundle (absolute under Jest). */
function carried(file: string): Buffer {
  return readFileSync(path.resolve(__dirname, file));
}

/**
 * Both files are read before `initWasm`, since resvg-wasm takes one `initWasm` call per process, even a
 * failed one (a second throws "Already initialized", hiding the first error): a file that cannot be
 * read throws here and is tried again on the next chart; a failed `initWasm` is kept, and every chart
 * after it fails with its error.
 */
function start(): Promise<GlyphFont> {
  if (!ready) {
    const font = new GlyphFont(carried(fontFile));
    const wasm = carried(wasmFile);
    ready = initWasm(wasm).then(() => font);
  }
  return ready;
}

/**
 * The chart as a PNG. Every chart text is outlined before resvg sees it, so resvg is given no font
 * (loading the TTF into it would cost each call time and draw nothing).
 */
export async function renderPngWasm(svg: string, options: PngOptions = {}): Promise<Buffer> {
  const glyphs = await start();
  const resvg = new Resvg(outlineTextWith(glyphs, svg), {
    font: { loadSystemFonts: false },
    fitTo: { mode: 'width', value: pngWidth(svg, options) },
    background: '#ffffff',
  });
  try {
    const image = resvg.render();
    const png = Buffer.from(image.asPng());
    image.free();
    return png;
  } finally {
    resvg.free();
  }
}
