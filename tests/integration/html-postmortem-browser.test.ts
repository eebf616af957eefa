/**
 * The HTML postmortem seen as a person sees it: headless Chromium renders the seed incident's page
 * (its chart inlined) on a phone and on a desktop, and the screenshots are checked for size and
 * content. `UPDATE_SCREENSHOT=1` also writes docs/postmortem-seed.png, the picture docs/ shows.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compilePostmortem } from '../../lambda/incidents/postmortem';
import { postmortemHtml } from '../../lambda/pictures/html-postmortem';
import { timelineChartSvg } from '../../lambda/pictures/timeline-chart';
import { seedIncidentRecord } from '../fixtures/seed-incident';
import { describeWithBrowser, pngPixels, screenshot } from '../helpers/browser';

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
});
