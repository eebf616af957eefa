/**
 * The incident at a glance (issue 15), through the real local server and the Slack stand-in: on
 * resolution the channel gets the Markdown postmortem, then a self-contained HTML postmortem (stored
 * beside the Markdown) with the timeline chart inlined, and the chart as a PNG.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Harness, startHarness } from '../helpers/harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

it('uploads the HTML postmortem with its chart and the chart as a PNG on resolution, once each', async () => {
  await harness.command('open sev2 Checkout errors <script>alert(1)</script>');
  const channelId = await harness.channelOf('INC-1');
  await harness.command('log detection 5xx rate above 2% on checkout', { channelId });
  await harness.command('ack', { channelId });
  await harness.command('resolve Rolled back the deploy', { channelId });
  await harness.server.jobs.drain();

  const uploads = harness.slack.uploads.filter((upload) => upload.channelId === channelId);
  expect(uploads.map((upload) => upload.filename)).toEqual(['INC-1.md', 'INC-1.html', 'INC-1-timeline.png']);

  const html = uploads[1]?.content ?? '';
  expect(html).toMatch(/^<!doctype html>/i);
  expect(html).toContain('<svg');
  expect(html).not.toContain('<script>alert(1)</script>');
  expect(await readFile(path.join(harness.server.postmortemDir, 'INC-1.html'), 'utf8')).toBe(html);

  const png = uploads[2]?.bytes ?? Buffer.alloc(0);
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  // IHDR: width and height, big-endian, right after the signature and the chunk header.
  expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(480);
  expect(png.readUInt32BE(20)).toBeGreaterThan(100);
  expect(png.length).toBeLessThan(300 * 1024);

  // A second run of the job uploads nothing more.
  await harness.server.jobs.enqueue({ type: 'postmortem-pictures', incidentId: 'INC-1' });
  await harness.server.jobs.drain();
  expect(harness.slack.uploads.filter((upload) => upload.channelId === channelId)).toHaveLength(3);
});
