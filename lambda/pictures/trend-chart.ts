/**
 * The trend across incidents (issue 15), for App Home: incidents declared per week as bars against
 * the left axis, and the week's median time to resolve as a line against the right one. Pure: the
 * weeks come from `weeklyTrend` (incidents/stats.ts); the SVG is drawn with the same font and text
 * form as the timeline chart, so `png.ts` outlines its text the same way.
 */
import dayjs from 'dayjs';
import { shortDuration, trendSummary, type WeekPoint } from '../incidents/stats';
import { chartTextSvg, escapeXml, svgNumber as num, textWidth } from './text-metrics';

export const TREND_CHART_WIDTH = 720;
export const TREND_CHART_HEIGHT = 300;

const LEFT = 44;
const RIGHT = 72;
const TOP = 74;
const BOTTOM = 34;
const TITLE_SIZE = 15;
const SMALL = 11;
const BAR_COLOUR = '#4a78c2';
const LINE_COLOUR = '#d9822b';
const INK = '#1f2328';
const MUTED = '#57606a';
const GRID = '#e5e7eb';

const MINUTE = 60_000;
/** Right-axis steps: a minute up to a week, so any resolve time gets three to six gridlines. */
const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map(
  (m) => m * MINUTE,
);

interface Text {
  x: number;
  y: number;
  size: number;
  fill: string;
  text: string;
}

function centred(text: string, centre: number, y: number, size: number, fill: string): Text {
  return { x: centre - textWidth(text, size) / 2, y, size, fill, text };
}

/** The smallest step from `steps` that covers `max` in at most `lines` steps, and the axis top. */
function axis(max: number, steps: readonly number[], lines: number): { step: number; top: number } {
  const step = steps.find((s) => s * lines >= max) ?? (steps[steps.length - 1] as number);
  return { step, top: Math.max(step, Math.ceil(max / step) * step) };
}

const COUNT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000];

/** The chart of `points` (oldest week first), TREND_CHART_WIDTH × TREND_CHART_HEIGHT px. */
export function trendChartSvg(points: readonly WeekPoint[]): string {
  const width = TREND_CHART_WIDTH;
  const height = TREND_CHART_HEIGHT;
  const plotLeft = LEFT;
  const plotRight = width - RIGHT;
  const plotTop = TOP;
  const plotBottom = height - BOTTOM;
  const plotHeight = plotBottom - plotTop;
  const slot = (plotRight - plotLeft) / Math.max(1, points.length);
  const texts: Text[] = [];
  const shapes: string[] = [];

  texts.push({
    x: 16,
    y: 10,
    size: TITLE_SIZE,
    fill: INK,
    text: `Incidents per week, last ${points.length} weeks`,
  });
  // Legend: a bar swatch and a line swatch, side by side under the title.
  const legendY = 34;
  shapes.push(`<rect x="16" y="${legendY + 1}" width="12" height="10" fill="${BAR_COLOUR}"/>`);
  texts.push({ x: 32, y: legendY, size: SMALL, fill: MUTED, text: 'incidents declared' });
  const lineLegend = 32 + textWidth('incidents declared', SMALL) + 20;
  shapes.push(
    `<path d="M${num(lineLegend)} ${legendY + 6}h14" stroke="${LINE_COLOUR}" stroke-width="2.5" fill="none"/>`,
  );
  texts.push({
    x: lineLegend + 20,
    y: legendY,
    size: SMALL,
    fill: MUTED,
    text: 'median time to resolve (right axis)',
  });

  const counts = axis(Math.max(1, ...points.map((p) => p.incidents)), COUNT_STEPS, 5);
  const resolveValues = points.map((p) => p.resolve.medianMs).filter((ms): ms is number => ms !== undefined);
  const durations = axis(Math.max(MINUTE, ...resolveValues), DURATION_STEPS, 5);
  const yCount = (n: number) => plotBottom - (n / counts.top) * plotHeight;
  const yDuration = (ms: number) => plotBottom - (ms / durations.top) * plotHeight;

  // Gridlines and the left axis (counts).
  for (let n = 0; n <= counts.top; n += counts.step) {
    const y = yCount(n);
    shapes.push(`<path d="M${plotLeft} ${num(y)}H${plotRight}" stroke="${GRID}" stroke-width="1"/>`);
    const label = String(n);
    texts.push({
      x: plotLeft - 6 - textWidth(label, SMALL),
      y: y - 7,
      size: SMALL,
      fill: MUTED,
      text: label,
    });
  }
  // The right axis (durations), only where some week has a resolve time.
  if (resolveValues.length > 0) {
    for (let ms = 0; ms <= durations.top; ms += durations.step) {
      texts.push({
        x: plotRight + 6,
        y: yDuration(ms) - 7,
        size: SMALL,
        fill: LINE_COLOUR,
        text: shortDuration(ms),
      });
    }
  }

  points.forEach((point, i) => {
    const centre = plotLeft + slot * (i + 0.5);
    const barWidth = Math.min(36, slot * 0.6);
    if (point.incidents > 0) {
      const top = yCount(point.incidents);
      shapes.push(
        `<rect x="${num(centre - barWidth / 2)}" y="${num(top)}" width="${num(barWidth)}" height="${num(plotBottom - top)}" fill="${BAR_COLOUR}"/>`,
      );
      texts.push(centred(String(point.incidents), centre, top - 15, SMALL, INK));
    }
    texts.push(centred(dayjs(point.week).format('D MMM'), centre, plotBottom + 8, SMALL, MUTED));
  });

  // The resolve line: drawn between consecutive weeks that both have a value, a dot on each.
  let path = '';
  let previous = false;
  points.forEach((point, i) => {
    const ms = point.resolve.medianMs;
    if (ms === undefined) {
      previous = false;
      return;
    }
    const x = plotLeft + slot * (i + 0.5);
    const y = yDuration(ms);
    path += `${previous ? 'L' : 'M'}${num(x)} ${num(y)}`;
    shapes.push(`<circle cx="${num(x)}" cy="${num(y)}" r="3.5" fill="${LINE_COLOUR}"/>`);
    previous = true;
  });
  if (path) shapes.push(`<path d="${path}" stroke="${LINE_COLOUR}" stroke-width="2.5" fill="none"/>`);
  shapes.push(`<path d="M${plotLeft} ${plotBottom}H${plotRight}" stroke="${MUTED}" stroke-width="1"/>`);

  if (points.every((p) => p.incidents === 0)) {
    texts.push(
      centred(
        'No incidents in these weeks',
        (plotLeft + plotRight) / 2,
        plotTop + plotHeight / 2 - 20,
        13,
        MUTED,
      ),
    );
  }

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(trendSummary(points))}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...shapes,
    ...texts.map((t) => chartTextSvg(t.x, t.y, t.size, t.fill, t.text)),
    '</svg>',
  ].join('\n');
}
