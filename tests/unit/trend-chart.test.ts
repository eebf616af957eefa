import { trendSummary, type WeekPoint, weeklyTrend } from '../../lambda/incidents/stats';
import { chartRenderer, renderPng } from '../../lambda/pictures/png';
import { textWidth } from '../../lambda/pictures/text-metrics';
import { TREND_CHART_HEIGHT, TREND_CHART_WIDTH, trendChartSvg } from '../../lambda/pictures/trend-chart';
import { anIncident } from '../fixtures/incidents';

const HOUR = 3_600_000;

/** Twelve weeks to Thursday 3 Dec 2026: incidents in three of them, resolved after 1 h, 2 h and 30 min. */
function points(): WeekPoint[] {
  const incident = (n: number, declaredAt: string, resolveMs?: number) =>
    anIncident({
      id: `INC-${n}`,
      number: n,
      declaredAt,
      startedAt: declaredAt,
      ...(resolveMs === undefined
        ? { status: 'investigating' }
        : { status: 'resolved', resolvedAt: new Date(Date.parse(declaredAt) + resolveMs).toISOString() }),
    });
  return weeklyTrend(
    [
      incident(1, '2026-09-15T10:00:00.000Z', HOUR),
      incident(2, '2026-11-24T10:00:00.000Z', 2 * HOUR),
      incident(3, '2026-11-25T10:00:00.000Z', 2 * HOUR),
      incident(4, '2026-12-01T10:00:00.000Z', HOUR / 2),
      incident(5, '2026-12-02T10:00:00.000Z'),
    ],
    { now: '2026-12-03T09:00:00.000Z', weeks: 12, tz: 'UTC' },
  );
}

interface SvgText {
  x: number;
  size: number;
  text: string;
}

function texts(svg: string): SvgText[] {
  return [
    ...svg.matchAll(
      /<text x="([-\d.]+)" y="[-\d.]+" font-family="DejaVu Sans" font-size="([\d.]+)" fill="#[0-9a-f]+">([^<]*)<\/text>/g,
    ),
  ].map((m) => ({ x: Number(m[1]), size: Number(m[2]), text: m[3] as string }));
}

describe('trend chart', () => {
  it('says what it shows in one sentence (alt text)', () => {
    expect(trendSummary(points())).toBe(
      '5 incidents in the last 12 weeks since 14 Sep 2026, per week oldest first: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2; median time to resolve 30m in the week of 30 Nov.',
    );
  });

  it('labels every week and every bar, all text inside the picture', () => {
    const svg = trendChartSvg(points());
    const all = texts(svg);
    const labels = all.map((t) => t.text);
    expect(labels).toContain('Incidents per week, last 12 weeks');
    expect(labels).toEqual(expect.arrayContaining(['14 Sep', '21 Sep', '23 Nov', '30 Nov']));
    expect(labels.filter((t) => /^\d{1,2} [A-Z][a-z]{2}$/.test(t))).toHaveLength(12);
    // Bar values: 1 once, 2 twice (left-axis labels are 0, 1, 2 as well: counted apart).
    expect(svg.match(/<rect [^>]*fill="#4a78c2"/g)).toHaveLength(1 + 3);
    // Right axis in durations, up to the longest median (2 h).
    expect(labels).toEqual(expect.arrayContaining(['0s', '2h 00m']));
    for (const t of all) {
      expect(t.x).toBeGreaterThanOrEqual(0);
      expect(t.x + textWidth(t.text, t.size)).toBeLessThanOrEqual(TREND_CHART_WIDTH);
    }
    // Week labels do not overlap each other.
    const weeks = all.filter((t) => /^\d{1,2} [A-Z][a-z]{2}$/.test(t.text)).sort((a, b) => a.x - b.x);
    for (let i = 1; i < weeks.length; i++) {
      const before = weeks[i - 1] as SvgText;
      expect(before.x + textWidth(before.text, before.size)).toBeLessThan((weeks[i] as SvgText).x);
    }
    // The resolve line joins the two last weeks (both have a median); the first week's stands alone.
    expect(svg.match(/<circle /g)).toHaveLength(3);
    const lines = [...svg.matchAll(/<path d="([^"]+)" stroke="#d9822b"/g)].map((m) => m[1]);
    expect(lines).toHaveLength(2); // the legend's swatch, and the line
    expect(lines[1]).toMatch(/^M[\d.]+ [\d.]+M[\d.]+ [\d.]+L[\d.]+ [\d.]+$/);
  });

  it('says when there were no incidents, with no right axis and no line', () => {
    const empty = weeklyTrend([], { now: '2026-12-03T09:00:00.000Z', weeks: 12, tz: 'UTC' });
    const svg = trendChartSvg(empty);
    expect(texts(svg).map((t) => t.text)).toContain('No incidents in these weeks');
    expect(svg).not.toContain('<circle');
    expect(trendSummary(empty)).toBe(
      '0 incidents in the last 12 weeks since 14 Sep 2026, per week oldest first: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.',
    );
  });

  it('rasterizes at its size, bars and line in their colours', () => {
    const svg = trendChartSvg(points());
    const png = renderPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([TREND_CHART_WIDTH, TREND_CHART_HEIGHT]);
    const image = chartRenderer(svg).render();
    const rgb = (x: number, y: number) => {
      const i = (Math.round(y) * image.width + Math.round(x)) * 4;
      return [image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]].join(',');
    };
    // The last bar (2 incidents), sampled in its middle, low enough to miss the line above it.
    const bars = [
      ...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="#4a78c2"/g),
    ];
    const last = bars[bars.length - 1] as RegExpMatchArray;
    const [x, y, w, h] = [1, 2, 3, 4].map((i) => Number(last[i]));
    expect(rgb((x as number) + (w as number) / 2, (y as number) + (h as number) - 3)).toBe('74,120,194');
    const dot = /<circle cx="([\d.]+)" cy="([\d.]+)"/.exec(svg) as RegExpExecArray;
    expect(rgb(Number(dot[1]), Number(dot[2]))).toBe('217,130,43');
    expect(rgb(2, 2)).toBe('255,255,255');
  });
});
