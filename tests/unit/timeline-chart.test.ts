import { Resvg } from '@resvg/resvg-js';
import type { IncidentRecord, TimelineEvent } from '../../lambda/incidents/types';
import { chartFontFile, chartRenderer, outlineText, renderPng } from '../../lambda/pictures/png';
import { escapeXml, fitText, plainText, textWidth } from '../../lambda/pictures/text-metrics';
import {
  axisTicks,
  type ChartLayout,
  layoutLabels,
  phaseSegments,
  severitySegments,
  type TextBox,
  timelineChartLayout,
  timelineChartSvg,
} from '../../lambda/pictures/timeline-chart';
import { anEvent, anIncident } from '../fixtures/incidents';
import { seedIncidentRecord } from '../fixtures/seed-incident';

const MIN = 60_000;
const START = Date.parse('2024-02-18T15:30:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function manyEvents(count: number, spanMinutes: number): IncidentRecord {
  const kinds: TimelineEvent['kind'][] = [
    'action',
    'note',
    'misleading',
    'escalation',
    'update',
    'detection',
  ];
  const events = Array.from({ length: count }, (_, i) => {
    const at = iso(START + Math.floor((i * spanMinutes * MIN) / count));
    return anEvent({
      id: `ev-${i}`,
      at,
      recordedAt: at,
      kind: kinds[i % kinds.length],
      text: `Step ${i}: restarted checkout pod ${i} and watched the error rate for a while`,
    });
  });
  return {
    incident: anIncident({ resolvedAt: iso(START + spanMinutes * MIN), status: 'resolved' }),
    events,
    followUps: [],
  };
}

/** from, from + 1, …, to - 1 */
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** A small XML well-formedness check: balanced tags, quoted attributes, no bare `<` or `&` in text. */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  const tokens = svg.match(/<[^>]*>|[^<]+/g) ?? [];
  expect(tokens.join('')).toBe(svg);
  for (const token of tokens) {
    if (!token.startsWith('<')) {
      expect(token).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
      expect(token).not.toContain('>');
      continue;
    }
    const tag =
      /^<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>$/.exec(
        token,
      );
    expect(tag).not.toBeNull();
    const [, closing, name, , selfClosing] = tag as RegExpExecArray;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name as string);
  }
  expect(stack).toEqual([]);
  expect(tokens[0]).toMatch(/^<svg /);
}

function overlaps(a: TextBox, b: TextBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Every text inside the picture, none on another, each drawn in DejaVu Sans. */
function expectReadable(layout: ChartLayout, svg: string): void {
  for (const t of layout.texts) {
    expect(t.text.length).toBeGreaterThan(0);
    expect(t.x).toBeGreaterThanOrEqual(0);
    expect(t.y).toBeGreaterThanOrEqual(0);
    expect(t.x + t.width).toBeLessThanOrEqual(layout.width);
    expect(t.y + t.height).toBeLessThanOrEqual(layout.height);
  }
  const sorted = [...layout.texts].sort((a, b) => a.x - b.x);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i] as TextBox;
    for (let j = i + 1; j < sorted.length && (sorted[j] as TextBox).x < a.x + a.width; j++) {
      const b = sorted[j] as TextBox;
      if (overlaps(a, b)) throw new Error(`"${a.text}" overlaps "${b.text}"`);
    }
  }
  const texts = svg.match(/<text [^>]*>/g) ?? [];
  expect(texts).toHaveLength(layout.texts.length);
  for (const t of texts) expect(t).toContain('font-family="DejaVu Sans"');
  expect(svg).toContain(`viewBox="0 0 ${layout.width} ${layout.height}"`);
}

/** resvg laying out `<text>` itself, with the charts' font: the reference the outlines must match. */
function resvgText(svg: string): Resvg {
  return new Resvg(svg, {
    font: { fontFiles: [chartFontFile()], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
  });
}

describe('text metrics', () => {
  it('never measures text narrower than resvg draws it in DejaVu Sans', () => {
    for (const text of [
      'WWWWWWWWWW',
      'iiiiiiiiii',
      'Login failures — 30% @alice',
      'Ünïcödé ÆØÅ çà',
      'Привет, мир',
    ]) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="60"><text x="0" y="40" font-family="DejaVu Sans" font-size="20">${escapeXml(text)}</text></svg>`;
      const bbox = resvgText(svg).getBBox();
      expect(bbox).toBeDefined();
      const drawn = (bbox?.x ?? 0) + (bbox?.width ?? 0);
      expect(drawn).toBeGreaterThan(textWidth(text, 20) * 0.5);
      expect(drawn).toBeLessThanOrEqual(textWidth(text, 20));
    }
  });

  it('draws text as glyph outlines where resvg would draw the text (composite glyphs too)', () => {
    for (const text of [
      'Login failures — 30% @alice',
      'Ünïcödé ÆØÅ çà',
      'Wi-Fi ŒUVRE ĳ… AV To',
      'Привет, мир',
    ]) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="60"><text x="10" y="40" font-family="DejaVu Sans" font-size="20" fill="#111827">${escapeXml(text)}</text></svg>`;
      const outlined = outlineText(svg);
      expect(outlined).not.toContain('<text');
      expect(outlined).toContain('<path fill="#111827" transform="matrix(');
      const native = resvgText(svg).getBBox();
      const drawn = chartRenderer(svg).getBBox();
      expect(native).toBeDefined();
      for (const side of ['x', 'y', 'height'] as const)
        expect(Math.abs((drawn?.[side] ?? -99) - (native?.[side] ?? 99))).toBeLessThan(1);
      // Without kerning the outlines run a little wider than resvg's text, never past the estimate.
      expect(drawn?.width).toBeGreaterThan((native?.width ?? 0) - 1);
      expect((drawn?.x ?? 0) + (drawn?.width ?? 0)).toBeLessThanOrEqual(10 + textWidth(text, 20));
    }
  });

  it('cuts text to fit with an ellipsis, between code points', () => {
    expect(fitText('short', 200, 11)).toBe('short');
    const cut = fitText('a'.repeat(100), 100, 11);
    expect(cut.endsWith('…')).toBe(true);
    expect(textWidth(cut, 11)).toBeLessThanOrEqual(100);
    expect(textWidth(`${cut.slice(0, -1)}a…`, 11)).toBeGreaterThan(100);
    expect(fitText('😀😀😀😀😀😀', 40, 11)).toMatch(/^(😀)+…$/u);
    expect(fitText('anything', 3, 11)).toBe('');
  });

  it('drops what XML forbids and escapes markup', () => {
    expect(plainText('a\u0007b\n\n c\uD800')).toBe('ab c');
    expect(escapeXml(`<script>"x" & 'y'</script>`)).toBe(
      '&lt;script&gt;&quot;x&quot; &amp; &apos;y&apos;&lt;/script&gt;',
    );
  });
});

describe('label lanes', () => {
  it('puts close labels in separate lanes, and counts what does not fit', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ x: 100 + i, text: `label number ${i}` }));
    const layout = layoutLabels(items, { left: 0, right: 600, lanes: 4, fontSize: 11 });
    expect(layout.placed.map((p) => p.lane)).toEqual([0, 1, 2, 3]);
    expect(layout.lanes).toBe(4);
    // The 26 others, all under the labels' marks: one count, where they are.
    expect(layout.more).toEqual([
      { x: 104, width: textWidth('+26 more', 11), text: '+26 more', indices: range(4, 30) },
    ]);
  });

  it('counts each hidden label once, at its own position, never in the lanes', () => {
    // Two bursts far apart, two lanes: each burst's hidden labels are counted under that burst,
    // not together at the end of the first lanes.
    const early = Array.from({ length: 10 }, (_, i) => ({ x: 100 + i, text: `15:3${i} early step ${i}` }));
    const late = Array.from({ length: 10 }, (_, i) => ({ x: 700 + i, text: `17:0${i} late step ${i}` }));
    const layout = layoutLabels([...early, ...late], { left: 0, right: 1000, lanes: 2, fontSize: 11 });
    expect(layout.placed.map((p) => [p.index, p.lane])).toEqual([
      [0, 0],
      [1, 1],
      [10, 0],
      [11, 1],
    ]);
    expect(layout.more.map(({ x, text, indices }) => ({ x, text, indices }))).toEqual([
      { x: 102, text: '+8 more', indices: range(2, 10) },
      { x: 702, text: '+8 more', indices: range(12, 20) },
    ]);
  });

  it('keeps counts off each other and inside the picture, however many and wherever', () => {
    // Hidden labels everywhere, up to the right edge: one count per stretch, left to right.
    const items = Array.from({ length: 400 }, (_, i) => ({ x: (i * 1000) / 399, text: `12:00 step ${i}` }));
    const layout = layoutLabels(items, { left: 0, right: 1000, lanes: 3, fontSize: 11, gap: 10 });
    const counted = layout.more.flatMap((m) => m.indices).sort((a, b) => a - b);
    const placed = layout.placed.map((p) => p.index);
    expect(counted.length + placed.length).toBe(400);
    expect(new Set([...counted, ...placed]).size).toBe(400);
    expect(layout.more.length).toBeGreaterThan(5);
    const widest = textWidth(`+${counted.length} more`, 11);
    for (const [i, m] of layout.more.entries()) {
      expect(m.text).toBe(`+${m.indices.length} more`);
      expect(m.x).toBeGreaterThanOrEqual(0);
      expect(m.x + m.width).toBeLessThanOrEqual(1000);
      // It starts at the first label it counts (or as near as the edge allows) and covers the rest.
      const xs = m.indices.map((index) => (items[index] as { x: number }).x);
      expect(m.x).toBe(Math.min(Math.min(...xs), 1000 - widest));
      const next = layout.more[i + 1];
      for (const x of xs) {
        expect(x).toBeGreaterThanOrEqual(m.x);
        // Under its text; the last count also takes in what is left up to the right edge.
        if (next) expect(x).toBeLessThan(m.x + widest + 10);
      }
      if (next) expect(next.x).toBeGreaterThanOrEqual(m.x + m.width + 10);
    }
  });

  it('places a short label whole', () => {
    const layout = layoutLabels([{ x: 10, text: 'ok' }], { left: 0, right: 600, lanes: 2, fontSize: 11 });
    expect(layout.placed).toEqual([{ index: 0, lane: 0, x: 10, width: textWidth('ok', 11), text: 'ok' }]);
    expect(layout.more).toEqual([]);
  });

  it('shifts a label at the right edge left, and cuts a long one', () => {
    const layout = layoutLabels([{ x: 590, text: 'x'.repeat(200) }], {
      left: 0,
      right: 600,
      lanes: 2,
      fontSize: 11,
      maxWidth: 200,
    });
    const [label] = layout.placed;
    expect(label?.text.endsWith('…')).toBe(true);
    expect((label?.x ?? 0) + (label?.width ?? 0)).toBeLessThanOrEqual(600);
    expect(label?.width).toBeLessThanOrEqual(200);
  });
});

describe('timeline chart', () => {
  it('draws the seed incident: phases, severity, marks by kind and every label', () => {
    const record = seedIncidentRecord();
    const layout = timelineChartLayout(record, { tz: 'UTC', names: { U0ALICE: 'alice', U0CARL: 'carl' } });
    const svg = timelineChartSvg(record, { tz: 'UTC', names: { U0ALICE: 'alice', U0CARL: 'carl' } });
    expectWellFormed(svg);
    expectReadable(layout, svg);
    expect(layout.marks).toHaveLength(record.events.length);
    expect(layout.labels.placed).toHaveLength(record.events.length);
    expect(layout.texts.filter((t) => t.role === 'more')).toEqual([]);
    const labels = layout.texts.filter((t) => t.role === 'label').map((t) => t.text);
    expect(labels).toContain('17:12 @carl acknowledged the page');
    expect(labels).toContain('18:45 @alice resolved the incident');
    // A page answered: a dashed line from the page to the acknowledgement.
    expect(layout.lines.filter((l) => l.dash)).toHaveLength(3);
    const ticks = layout.texts.filter((t) => t.role === 'tick').map((t) => t.text);
    expect(ticks).toContain('16:00');
    expect(ticks.some((t) => /[A-Z][a-z]{2} \d/.test(t))).toBe(false);
    const shapes = Object.fromEntries(layout.marks.map((m) => [m.eventId, m.shape]));
    expect(shapes['ev-02']).toBe('circle'); // detection
    expect(shapes['ev-05']).toBe('square'); // action
    expect(shapes['ev-09']).toBe('diamond'); // misleading
    expect(shapes['ev-13']).toBe('triangle'); // escalation
    expect(timelineChartSvg(record, { tz: 'UTC' })).toBe(
      timelineChartSvg(seedIncidentRecord(), { tz: 'UTC' }),
    );
  });

  it('reads the phases and the severity from the record', () => {
    const record = seedIncidentRecord();
    const start = Date.parse(record.incident.startedAt);
    const end = Date.parse(record.incident.resolvedAt as string);
    const at = (clock: string) => Date.parse(`2024-02-18T${clock}:00.000Z`);
    expect(phaseSegments(record, start, end)).toEqual([
      { value: 'detected', from: start, to: at('17:12') },
      { value: 'acknowledged', from: at('17:12'), to: at('17:42') },
      { value: 'identified', from: at('17:42'), to: at('18:16') },
      { value: 'monitoring', from: at('18:16'), to: end },
    ]);
    expect(severitySegments(record, start, end)).toEqual([
      { value: 'sev2', from: start, to: at('16:00') },
      { value: 'sev1', from: at('16:00'), to: at('18:20') },
      { value: 'sev2', from: at('18:20'), to: end },
    ]);
  });

  it('cuts a 200-character title to the width', () => {
    const title = `Checkout ${'latency and errors '.repeat(12)}`.slice(0, 200);
    expect(title).toHaveLength(200);
    const record: IncidentRecord = {
      ...seedIncidentRecord(),
      incident: { ...seedIncidentRecord().incident, title },
    };
    for (const width of [480, 800, 1200]) {
      const layout = timelineChartLayout(record, { tz: 'UTC', width });
      const svg = timelineChartSvg(record, { tz: 'UTC', width });
      expectWellFormed(svg);
      expectReadable(layout, svg);
      const heading = layout.texts.find((t) => t.role === 'title') as TextBox;
      expect(heading.text.endsWith('…')).toBe(true);
      expect(heading.text.startsWith('INC-7 · Checkout latency')).toBe(true);
      expect(heading.x + heading.width).toBeLessThanOrEqual(width - 16);
    }
  });

  it('counts the labels of a burst under the burst, not at the end of the first lanes', () => {
    // Two bursts of 30 events, an hour apart in a four-hour incident.
    const burst = (from: number, id: string) =>
      Array.from({ length: 30 }, (_, i) =>
        anEvent({
          id: `${id}-${String(i).padStart(2, '0')}`,
          at: iso(START + (from + i / 10) * MIN),
          recordedAt: iso(START + (from + i / 10) * MIN),
          kind: 'action',
          text: `Restarted checkout pod ${i}`,
        }),
      );
    const record: IncidentRecord = {
      incident: anIncident({ resolvedAt: iso(START + 240 * MIN), status: 'resolved' }),
      events: [...burst(30, 'a'), ...burst(90, 'b')],
      followUps: [],
    };
    const layout = timelineChartLayout(record, { tz: 'UTC' });
    expectReadable(layout, timelineChartSvg(record, { tz: 'UTC' }));
    const markX = (id: string) => (layout.marks.find((m) => m.eventId === id) as { x: number }).x;
    const more = layout.texts.filter((t) => t.role === 'more');
    const counts = more.map((t) => Number(/^\+(\d+) more$/.exec(t.text)?.[1]));
    expect(counts).toEqual([18, 18]);
    // Each count begins at its burst's first hidden label, under the burst's marks.
    const [first, second] = more as [TextBox, TextBox];
    expect(Math.abs(first.x - (markX('a-12') - 4))).toBeLessThan(1);
    expect(Math.abs(second.x - (markX('b-12') - 4))).toBeLessThan(1);
    expect(first.x + first.width).toBeLessThan(markX('b-00'));
  });

  it('marks 1,000 events and labels only what fits, with "+N more" where they are', () => {
    const record = manyEvents(1000, 240);
    const layout = timelineChartLayout(record, { tz: 'UTC' });
    const svg = timelineChartSvg(record, { tz: 'UTC' });
    expectWellFormed(svg);
    expectReadable(layout, svg);
    expect(layout.marks).toHaveLength(1000);
    const placed = layout.labels.placed.length;
    const hidden = layout.labels.more.reduce((sum, m) => sum + m.indices.length, 0);
    expect(placed).toBeGreaterThan(10);
    expect(placed + hidden).toBe(1000);
    const more = layout.texts.filter((t) => t.role === 'more');
    expect(more.length).toBeGreaterThan(5);
    expect(more.reduce((sum, t) => sum + Number(/^\+(\d+) more$/.exec(t.text)?.[1]), 0)).toBe(hidden);
    // The counts are in a row of their own under every label, spread along the axis.
    const lowest = Math.max(...layout.texts.filter((t) => t.role === 'label').map((t) => t.y + t.height));
    for (const m of more) expect(m.y).toBeGreaterThanOrEqual(lowest);
    expect(new Set(more.map((m) => m.y)).size).toBe(1);
    expect(Math.min(...more.map((m) => m.x))).toBeLessThan(200);
    expect(Math.max(...more.map((m) => m.x))).toBeGreaterThan(1000);
    expect(layout.height).toBeLessThan(1000);
  });

  it('puts dates on the axis of a three-day incident, in the zone', () => {
    const end = START + 3 * 24 * 60 * MIN;
    const events = [
      anEvent({ id: 'a', kind: 'detection', text: 'Alert fired' }),
      anEvent({ id: 'b', at: iso(START + 30 * 60 * MIN), kind: 'action', text: 'Failed over' }),
      anEvent({ id: 'c', at: iso(end), kind: 'resolved', text: 'resolved the incident' }),
    ];
    const record: IncidentRecord = {
      incident: anIncident({ resolvedAt: iso(end), status: 'resolved' }),
      events,
      followUps: [],
    };
    const layout = timelineChartLayout(record, { tz: 'America/New_York' });
    const svg = timelineChartSvg(record, { tz: 'America/New_York' });
    expectWellFormed(svg);
    expectReadable(layout, svg);
    const ticks = layout.texts.filter((t) => t.role === 'tick').map((t) => t.text);
    for (const day of ['Feb 19', 'Feb 20', 'Feb 21']) expect(ticks).toContain(day);
    const labels = layout.texts.filter((t) => t.role === 'label').map((t) => t.text);
    expect(labels).toContain('Feb 19 16:30 Failed over');
    expect(axisTicks(START, end, 'America/New_York', 1088).every((t) => t.date !== undefined || t.time)).toBe(
      true,
    );
  });

  it('escapes what people typed', () => {
    const record = seedIncidentRecord();
    record.incident.title = 'Broken <b>checkout</b> & "cart"';
    record.events.push(
      anEvent({
        id: 'x',
        at: '2024-02-18T16:00:00.000Z',
        kind: 'note',
        text: '<script>alert(1)</script> & co\u0007',
      }),
    );
    const svg = timelineChartSvg(record, { tz: 'UTC' });
    expectWellFormed(svg);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co<');
    expect(svg).toContain('Broken &lt;b&gt;checkout&lt;/b&gt; &amp; &quot;cart&quot;');
  });

  it('charts an open incident up to its last event', () => {
    const record = manyEvents(5, 20);
    delete record.incident.resolvedAt;
    record.incident.status = 'investigating';
    const layout = timelineChartLayout(record, { tz: 'UTC' });
    expect(layout.end).toBe(Date.parse(record.events[4]?.at as string));
    expectReadable(layout, timelineChartSvg(record, { tz: 'UTC' }));
  });
});

function ihdr(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('timeline chart PNG', () => {
  it('rasterizes the seed incident at the chart size, with its colours and its text', () => {
    const record = seedIncidentRecord();
    const layout = timelineChartLayout(record, { tz: 'UTC' });
    const svg = timelineChartSvg(record, { tz: 'UTC' });
    const png = renderPng(svg);
    expect(ihdr(png)).toEqual({ width: 1200, height: layout.height });
    expect(png.length).toBeLessThan(300 * 1024);

    const image = chartRenderer(svg).render();
    expect([image.width, image.height]).toEqual([1200, layout.height]);
    const { pixels } = image;
    const rgb = (x: number, y: number) => {
      const i = (Math.round(y) * image.width + Math.round(x)) * 4;
      return `#${[pixels[i], pixels[i + 1], pixels[i + 2]].map((v) => (v as number).toString(16).padStart(2, '0')).join('')}`;
    };
    const colours = new Set<string>();
    for (let i = 0; i < pixels.length; i += 4 * 97)
      colours.add(`${pixels[i]},${pixels[i + 1]},${pixels[i + 2]}`);
    expect(colours.size).toBeGreaterThan(5);
    // The "detected" phase band, drawn where the layout put it.
    const detected = layout.rects.find((r) => r.fill === '#fca5a5' && r.height === 22) as {
      x: number;
      y: number;
      width: number;
    };
    expect(rgb(detected.x + detected.width - 3, detected.y + 2)).toBe('#fca5a5');
    // Text is drawn (the font loaded): dark pixels inside the title's box, none left of it.
    const title = layout.texts.find((t) => t.role === 'title') as TextBox;
    let dark = 0;
    for (let x = Math.floor(title.x); x < title.x + title.width; x++)
      for (let y = Math.floor(title.y); y < title.y + title.height; y++) if (rgb(x, y) < '#808080') dark++;
    expect(dark).toBeGreaterThan(200);
    expect(rgb(4, title.y + title.height / 2)).toBe('#ffffff');
  });

  it('rasterizes 1,000 events at the chart size', () => {
    const record = manyEvents(1000, 240);
    const layout = timelineChartLayout(record, { tz: 'UTC', width: 900 });
    const png = renderPng(timelineChartSvg(record, { tz: 'UTC', width: 900 }));
    expect(ihdr(png)).toEqual({ width: 900, height: layout.height });
  });

  it('scales to a requested width', () => {
    const png = renderPng(timelineChartSvg(seedIncidentRecord(), { tz: 'UTC', width: 800 }), { width: 1600 });
    expect(ihdr(png).width).toBe(1600);
  });
});
