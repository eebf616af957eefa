/**
 * The HTML postmortem seen as a person sees it: headless Chromium renders the seed incident's page
 * (its chart inlined) on a phone and on a desktop, and the screenshots are checked for size and
 * content. `UPDATE_SCREENSHOT=1` also writes docs/postmortem-seed.png, the picture docs/ shows.
 * The large incidents (1,000 events; three days) are opened over the DevTools protocol as well, so
 * the checks know where the chart and every line of text are on the screen.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compilePostmortem } from '../../lambda/incidents/postmortem';
import type { IncidentRecord } from '../../lambda/incidents/types';
import { postmortemHtml } from '../../lambda/pictures/html-postmortem';
import { timelineChartLayout, timelineChartSvg } from '../../lambda/pictures/timeline-chart';
import { busyIncident, THREE_DAY_DATES, THREE_DAY_TZ, threeDayIncident } from '../fixtures/large-incidents';
import { seedIncidentRecord } from '../fixtures/seed-incident';
import { describeWithBrowser, inspectPage, pngPixels, screenshot } from '../helpers/browser';

const TZ = 'UTC';

function seedPage(title?: string): string {
  const record = seedIncidentRecord();
  if (title) record.incident = { ...record.incident, title };
  const markdown = compilePostmortem(record, { tz: TZ, now: '2024-02-18T19:00:00.000Z', names: {} });
  return postmortemHtml(markdown, {
    title: `${record.incident.id}: ${record.incident.title}`,
    chartSvg: timelineChartSvg(record, { tz: TZ, width: 800 }),
  });
}

/** An incident's page as the postmortem-pictures job writes it: the chart at its default width. */
function incidentPage(record: IncidentRecord, tz: string): string {
  const markdown = compilePostmortem(record, { tz, now: record.incident.resolvedAt as string, names: {} });
  return postmortemHtml(markdown, {
    title: `${record.incident.id}: ${record.incident.title}`,
    chartSvg: timelineChartSvg(record, { tz }),
  });
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where things are on the page, as the browser laid it out (CSS pixels, viewport coordinates). */
interface PageFacts {
  viewport: { width: number; height: number };
  /** The document's scroll width: wider than the viewport when anything pushes the page sideways. */
  pageWidth: number;
  /** main's content box: where the text column is. */
  column: Box;
  /** Text lines (outside the chart and outside boxes that scroll on purpose) reaching outside the column. */
  outside: Array<{ text: string } & Box>;
  /** Boxes that do not scroll whose content is wider than they are. */
  spilling: Array<{ tag: string; scrollWidth: number; clientWidth: number }>;
  /** Boxes that scroll on purpose (tables, code, the chart's figure), which must stay in the column. */
  scrollers: Array<{ tag: string } & Box>;
  chart: null | {
    /** The part of the chart one sees: the SVG's box clipped to its figure. */
    visible: Box;
    viewBox: { width: number; height: number };
    /** Every <text> of the SVG, with the box the browser drew it in (SVG units). */
    texts: Array<{ text: string; x: number; y: number; width: number; height: number }>;
  };
}

const PAGE_FACTS = `(() => {
  const box = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
  const main = document.querySelector('main');
  const style = getComputedStyle(main);
  const m = main.getBoundingClientRect();
  const column = {
    left: m.left + parseFloat(style.paddingLeft),
    top: m.top + parseFloat(style.paddingTop),
    right: m.right - parseFloat(style.paddingRight),
    bottom: m.bottom - parseFloat(style.paddingBottom),
  };
  const scrolls = (el) => getComputedStyle(el).overflowX !== 'visible';
  const inScroller = (el) => { for (let e = el; e && e !== main; e = e.parentElement) if (scrolls(e)) return true; return false; };
  const outside = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (!n.textContent.trim() || parent.closest('svg') || inScroller(parent)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects())
      if (r.width > 0 && (r.left < column.left - 0.5 || r.right > column.right + 0.5))
        outside.push({ text: n.textContent.slice(0, 80), ...box(r) });
  }
  const all = [...main.querySelectorAll('*')].filter((el) => !el.closest('svg'));
  const spilling = all
    .filter((el) => !scrolls(el) && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
    .map((el) => ({ tag: el.tagName, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
  const scrollers = all.filter(scrolls).map((el) => ({ tag: el.tagName, ...box(el.getBoundingClientRect()) }));
  const figure = document.querySelector('figure.chart');
  const svg = figure && figure.querySelector('svg');
  let chart = null;
  if (svg) {
    const s = svg.getBoundingClientRect();
    const f = figure.getBoundingClientRect();
    chart = {
      visible: { left: Math.max(s.left, f.left), top: Math.max(s.top, f.top), right: Math.min(s.right, f.right), bottom: Math.min(s.bottom, f.bottom) },
      viewBox: { width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height },
      texts: [...svg.querySelectorAll('text')].map((t) => {
        const b = t.getBBox();
        return { text: t.textContent, x: b.x, y: b.y, width: b.width, height: b.height };
      }),
    };
  }
  return {
    viewport: { width: innerWidth, height: innerHeight },
    pageWidth: document.documentElement.scrollWidth,
    column, outside, spilling, scrollers, chart,
  };
})()`;

/** Nothing pushes the page sideways, and every line of text and every scrolling box keeps to the column. */
function expectTextInsideBoxes(facts: PageFacts): void {
  expect(facts.pageWidth).toBeLessThanOrEqual(facts.viewport.width);
  expect(facts.column.right - facts.column.left).toBeGreaterThan(200);
  expect(facts.outside).toEqual([]);
  expect(facts.spilling).toEqual([]);
  for (const scroller of facts.scrollers) {
    expect(scroller.left).toBeGreaterThanOrEqual(facts.column.left - 0.5);
    expect(scroller.right).toBeLessThanOrEqual(facts.column.right + 0.5);
  }
}

/** Every text of the chart drawn inside the chart's picture, as the browser measured it. */
function expectChartTextInside(facts: PageFacts): void {
  const chart = facts.chart;
  if (!chart) throw new Error('no chart on the page');
  expect(chart.texts.length).toBeGreaterThan(0);
  for (const t of chart.texts) {
    if (
      t.x < -0.5 ||
      t.y < -0.5 ||
      t.x + t.width > chart.viewBox.width + 0.5 ||
      t.y + t.height > chart.viewBox.height + 0.5
    )
      throw new Error(`"${t.text}" is drawn outside the chart (${JSON.stringify(t)})`);
  }
}

/** The pixels of the visible chart: share that is not white, and how many pixels have each colour. */
function chartPixels(
  png: Buffer,
  facts: PageFacts,
): { inked: number; area: number; count: (hex: string) => number } {
  const chart = facts.chart;
  if (!chart) throw new Error('no chart on the page');
  const { width, height, rgba } = pngPixels(png);
  const x0 = Math.max(0, Math.ceil(chart.visible.left));
  const y0 = Math.max(0, Math.ceil(chart.visible.top));
  const x1 = Math.min(width, Math.floor(chart.visible.right));
  const y1 = Math.min(height, Math.floor(chart.visible.bottom));
  let inked = 0;
  const colours = new Map<number, number>();
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * width + x) * 4;
      const [r, g, b] = [rgba[i] as number, rgba[i + 1] as number, rgba[i + 2] as number];
      if (r < 235 || g < 235 || b < 235) inked++;
      const key = (r << 16) | (g << 8) | b;
      colours.set(key, (colours.get(key) ?? 0) + 1);
    }
  }
  const area = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  // A colour as drawn, give or take rounding in the compositor.
  const count = (hex: string) => {
    const want = Number.parseInt(hex.slice(1), 16);
    let n = 0;
    for (const [key, seen] of colours) {
      if (
        Math.abs(((key >> 16) & 255) - ((want >> 16) & 255)) <= 3 &&
        Math.abs(((key >> 8) & 255) - ((want >> 8) & 255)) <= 3 &&
        Math.abs((key & 255) - (want & 255)) <= 3
      )
        n += seen;
    }
    return n;
  };
  return { inked: area === 0 ? 0 : inked / area, area, count };
}

/** Share of pixels that are not (near) white, and how many distinct colours there are. */
function ink(png: Buffer): { inked: number; colours: number; width: number; height: number } {
  const { width, height, rgba } = pngPixels(png);
  const colours = new Set<number>();
  let inked = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    const [r, g, b] = [rgba[i] as number, rgba[i + 1] as number, rgba[i + 2] as number];
    colours.add((r << 16) | (g << 8) | b);
    if (r < 235 || g < 235 || b < 235) inked++;
  }
  return { inked: inked / (width * height), colours: colours.size, width, height };
}

describeWithBrowser('the HTML postmortem in a browser', (chromium) => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-browser-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function shoot(html: string, name: string, width: number, height: number): Promise<Buffer> {
    const file = path.join(dir, `${name}.html`);
    const out = path.join(dir, `${name}.png`);
    await writeFile(file, html);
    screenshot(chromium, file, out, width, height);
    return readFile(out);
  }

  it('draws the seed postmortem with its chart on a desktop: text and colour, not a blank page', async () => {
    const png = await shoot(seedPage(), 'desktop', 1200, 1600);
    const seen = ink(png);
    expect([seen.width, seen.height]).toEqual([1200, 1600]);
    expect(seen.inked).toBeGreaterThan(0.03);
    // Text in several greys plus the chart's bands and marks.
    expect(seen.colours).toBeGreaterThan(50);
    if (process.env.UPDATE_SCREENSHOT)
      await copyFile(path.join(dir, 'desktop.png'), 'docs/postmortem-seed.png');
  });

  it('fits a phone with a 200-character title: nothing drawn in the right-hand margin', async () => {
    // One unbroken word: only the page's wrapping rules (overflow-wrap) keep it inside the screen.
    const title = `Checkout_${'and_payments_'.repeat(16)}down`.slice(0, 200);
    const png = await shoot(seedPage(title), 'phone', 390, 1400);
    const { width, height, rgba } = pngPixels(png);
    expect(ink(png).inked).toBeGreaterThan(0.03);
    // The page keeps a margin: a title that overflowed would draw into the last columns.
    let marginInk = 0;
    for (let y = 0; y < height; y++) {
      for (let x = width - 4; x < width; x++) {
        const i = (y * width + x) * 4;
        if ((rgba[i] as number) < 200 && (rgba[i + 1] as number) < 200 && (rgba[i + 2] as number) < 200)
          marginInk++;
      }
    }
    expect(marginInk).toBe(0);
  });

  async function look(html: string, name: string, width: number, height: number) {
    const file = path.join(dir, `${name}.html`);
    await writeFile(file, html);
    const seen = await inspectPage<PageFacts>(chromium, file, width, height, PAGE_FACTS);
    await writeFile(path.join(dir, `${name}.png`), seen.png);
    return { png: seen.png, facts: seen.value };
  }

  it('draws the 1,000-event incident on a desktop: the chart inked in its colours, the text in its column', async () => {
    const record = busyIncident(1000);
    const { png, facts } = await look(incidentPage(record, 'UTC'), 'busy-desktop', 1200, 1600);
    expect(facts.viewport).toEqual({ width: 1200, height: 1600 });
    expectTextInsideBoxes(facts);
    expectChartTextInside(facts);
    const chart = facts.chart as NonNullable<PageFacts['chart']>;
    // The whole chart is on the screen, as wide as the column.
    expect(chart.visible.top).toBeGreaterThanOrEqual(0);
    expect(chart.visible.bottom).toBeLessThanOrEqual(1600);
    expect(chart.visible.right - chart.visible.left).toBeGreaterThan(600);
    expect(chart.visible.bottom - chart.visible.top).toBeGreaterThan(250);
    // 1,000 marks and the labels that fit, with "+N more" for the rest.
    expect(chart.texts.some((t) => /^\+\d+ more$/.test(t.text))).toBe(true);
    const pixels = chartPixels(png, facts);
    expect(pixels.inked).toBeGreaterThan(0.15);
    // The bands (phases and severity) and the marks, in the chart's own colours.
    const layout = timelineChartLayout(record, { tz: 'UTC' });
    const bands = layout.rects.filter((r) => r.width > 100 && r.fill !== '#ffffff');
    expect(bands.length).toBeGreaterThanOrEqual(2);
    for (const band of bands)
      if (pixels.count(band.fill) < 500) throw new Error(`band ${band.fill} not drawn`);
    for (const fill of new Set(layout.marks.map((m) => m.fill)))
      if (pixels.count(fill) < 20) throw new Error(`marks in ${fill} not drawn`);
  });

  it('draws the three-day incident with dates on its axis, on a desktop and on a phone', async () => {
    const record = threeDayIncident();
    const html = incidentPage(record, THREE_DAY_TZ);
    for (const [name, width, height] of [
      ['three-days-desktop', 1200, 1600],
      ['three-days-phone', 390, 1400],
    ] as const) {
      const { png, facts } = await look(html, name, width, height);
      expect(facts.viewport).toEqual({ width, height });
      expectTextInsideBoxes(facts);
      expectChartTextInside(facts);
      const chart = facts.chart as NonNullable<PageFacts['chart']>;
      const texts = chart.texts.map((t) => t.text);
      // The axis names each day the incident ran through, where the browser drew it.
      for (const day of THREE_DAY_DATES) expect(texts).toContain(day);
      for (const t of chart.texts.filter((t) => (THREE_DAY_DATES as readonly string[]).includes(t.text)))
        expect(t.width).toBeGreaterThan(10);
      expect(texts.some((t) => t.startsWith('Mar 3 11:10 '))).toBe(true);
      expect(ink(png).inked).toBeGreaterThan(0.03);
      const pixels = chartPixels(png, facts);
      expect(pixels.area).toBeGreaterThan(width > 1000 ? 200_000 : 80_000);
      expect(pixels.inked).toBeGreaterThan(0.1);
      // Three severities over the weekend, and the phases up to monitoring; a phone shows the
      // chart's first 36rem and scrolls to the rest (Friday night and Saturday: sev3, sev2, the
      // first two phases).
      const colours =
        width > 1000
          ? ['#ca8a04', '#ea580c', '#b91c1c', '#fca5a5', '#fdba74', '#fde68a', '#bfdbfe']
          : ['#ca8a04', '#ea580c', '#fca5a5', '#fdba74'];
      for (const fill of colours)
        if (pixels.count(fill) < 30) throw new Error(`${fill} not drawn in the chart on ${name}`);
    }
  });
});
