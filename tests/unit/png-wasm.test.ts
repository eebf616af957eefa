import { weeklyTrend } from '../../lambda/incidents/stats';
import { chartRenderer, renderPng } from '../../lambda/pictures/png';
import { renderPngWasm } from '../../lambda/pictures/png-wasm';
import { timelineChartSvg } from '../../lambda/pictures/timeline-chart';
import { trendChartSvg } from '../../lambda/pictures/trend-chart';
import { seedIncidentRecord } from '../fixtures/seed-incident';

function ihdr(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Pixels of a PNG, decoded by native resvg (an <image> of it at its own size). */
function pixelsOf(png: Buffer, size: { width: number; height: number }): Uint8Array {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}"><image width="${size.width}" height="${size.height}" href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  return chartRenderer(svg).render().pixels;
}

describe('the WebAssembly PNG renderer (Lambda)', () => {
  it.each([
    ['the seed incident timeline', () => timelineChartSvg(seedIncidentRecord(), { tz: 'Europe/Berlin' })],
    [
      'a trend chart',
      () => trendChartSvg(weeklyTrend([], { now: '2026-12-03T09:00:00Z', weeks: 12, tz: 'UTC' })),
    ],
  ])('draws %s as the native renderer does', async (_name, svgOf) => {
    const svg = svgOf();
    const native = renderPng(svg);
    const wasm = await renderPngWasm(svg);
    const size = ihdr(native);
    expect(ihdr(wasm)).toEqual(size);
    const a = pixelsOf(native, size);
    const b = pixelsOf(wasm, size);
    let differing = 0;
    let ink = 0;
    for (let i = 0; i < a.length; i += 4) {
      const delta = Math.max(
        Math.abs((a[i] as number) - (b[i] as number)),
        Math.abs((a[i + 1] as number) - (b[i + 1] as number)),
        Math.abs((a[i + 2] as number) - (b[i + 2] as number)),
      );
      if (delta > 16) differing++;
      if ((b[i] as number) < 128) ink++;
    }
    const pixels = a.length / 4;
    // Text drawn (dark pixels), and the same picture: at most 0.5% of pixels differ visibly.
    expect(ink / pixels).toBeGreaterThan(0.005);
    expect(differing / pixels).toBeLessThan(0.005);
  });

  it('scales to a requested width', async () => {
    const png = await renderPngWasm(timelineChartSvg(seedIncidentRecord(), { tz: 'UTC', width: 800 }), {
      width: 1600,
    });
    expect(ihdr(png).width).toBe(1600);
  });
});
