/**
 * Headless Chromium for the tests that look at a page as a person does (Debian's `chromium`, which
 * .ci/run installs when it is missing). Where it is missing outside CI, those tests are skipped and
 * say so loudly; in CI a missing browser fails them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome'];

/** The browser's path, or undefined when none is installed. */
export function findChromium(): string | undefined {
  for (const name of CANDIDATES) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

/** `describe` when a browser is here (or in CI, where its absence must fail), else a loud skip. */
export function describeWithBrowser(name: string, body: (chromium: string) => void): void {
  const chromium = findChromium();
  if (chromium || process.env.CI) {
    describe(name, () => body(chromium ?? 'chromium'));
    return;
  }
  console.warn(
    `\n*** SKIPPED "${name}": no Chromium on this machine (apt-get install -y chromium; CI installs it) ***\n`,
  );
  // biome-ignore lint/suspicious/noSkippedTests: skipped on purpose, and said so above, where no browser is installed.
  describe.skip(name, () => body('chromium'));
}

/** A PNG screenshot of `file` at `width`×`height` CSS pixels. */
export function screenshot(chromium: string, file: string, out: string, width: number, height: number): void {
  execFileSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--force-device-scale-factor=1',
      `--window-size=${width},${height}`,
      `--screenshot=${out}`,
      `file://${file}`,
    ],
    { stdio: 'pipe', timeout: 60_000 },
  );
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/**
 * A PNG's pixels (8-bit, non-interlaced, RGB or RGBA: what Chromium writes), as RGBA rows: enough to
 * tell a blank screenshot from a page.
 */
export function pngPixels(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  const { width, height } = pngSize(png);
  const bitDepth = png[24];
  const colorType = png[25];
  const interlace = png[28];
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) {
    throw new Error(
      `unsupported PNG (bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace})`,
    );
  }
  const channels = colorType === 6 ? 4 : 3;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] as number;
      const left = x >= channels ? (rows[y * stride + x - channels] as number) : 0;
      const up = y > 0 ? (rows[(y - 1) * stride + x] as number) : 0;
      const upLeft = y > 0 && x >= channels ? (rows[(y - 1) * stride + x - channels] as number) : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      rows[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < rows.length; i += channels, j += 4) {
    rgba[j] = rows[i] as number;
    rgba[j + 1] = rows[i + 1] as number;
    rgba[j + 2] = rows[i + 2] as number;
    rgba[j + 3] = channels === 4 ? (rows[i + 3] as number) : 255;
  }
  return { width, height, rgba };
}

/** What `inspectPage` saw: the screenshot, and what the expression returned in the page. */
export interface PageLook<T> {
  png: Buffer;
  value: T;
}

/**
 * Opens `file` in Chromium at `width`×`height` CSS pixels (device scale 1), driven by playwright-core
 * over the DevTools protocol, evaluates `expression` in the loaded page (DevTools evaluation is not
 * subject to the page's Content Security Policy, which forbids the page's own scripts) and takes a
 * screenshot of the viewport: so a test can look at the pixels and ask the DOM where each box is.
 */
export async function inspectPage<T>(
  chromiumPath: string,
  file: string,
  width: number,
  height: number,
  expression: string,
): Promise<PageLook<T>> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--hide-scrollbars'],
    timeout: 60_000,
  });
  try {
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    const value = (await page.evaluate(expression)) as T;
    return { png: await page.screenshot(), value };
  } finally {
    await browser.close();
  }
}
