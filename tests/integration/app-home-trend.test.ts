/**
 * App Home's trend chart (issue 15) through the real local server, Bolt receiver and Slack
 * stand-in: the PNG is uploaded shared nowhere, shown by its file id in an image block, uploaded once
 * per run of weeks, again when the figures change, and replaced by the trend in words when Slack
 * no longer shows the file.
 */
import { fixedClock, GENERAL, type Harness, startHarness } from '../helpers/harness';
import { until } from '../helpers/wait';

const clock = fixedClock('2026-12-03T09:00:00Z');
let harness: Harness;
let homes = 0;

beforeAll(async () => {
  harness = await startHarness({ clock, env: { INCIDENT_TIMEZONE: 'UTC' } });
});
afterAll(() => harness.close());

interface Block {
  type: string;
  block_id?: string;
  slack_file?: { id: string };
  alt_text?: string;
  elements?: { text: string }[];
}

/** Opens App Home as `user` and returns the trend block of the home Slack stored for them. */
async function openHome(user: string): Promise<Block | undefined> {
  homes += 1;
  const published = () => harness.slack.calls.filter((call) => call.method === 'views.publish').length;
  const before = published();
  await harness.event({ type: 'app_home_opened', user, tab: 'home' }, { eventId: `Ev-trend-${homes}` });
  await until(() => published() > before);
  await harness.server.jobs.idle();
  const stored = [...harness.slack.views.values()].find((v) => v.type === 'home' && v.userId === user);
  if (!stored) throw new Error(`no App Home stored for ${user}`);
  const blocks = (stored.view as { blocks: Block[] }).blocks;
  return blocks.find((block) => block.block_id === 'trend');
}

const pngs = () =>
  harness.slack.uploads.filter((upload) => upload.filename.startsWith('incidents-per-week-'));

it('shows the chart of the last twelve weeks as an image of a PNG the bot uploaded shared nowhere', async () => {
  await harness.command('open sev2 Checkout errors', { channelId: GENERAL });
  await harness.command('open sev3 Search slow', { channelId: GENERAL });

  const trend = await openHome('U0ALICE');

  expect(trend).toMatchObject({
    type: 'image',
    slack_file: { id: expect.stringMatching(/^F[A-Z0-9]{8,}$/) },
  });
  expect(trend?.alt_text).toBe(
    '2 incidents in the last 12 weeks since 14 Sep 2026, per week oldest first: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2.',
  );
  expect(pngs()).toHaveLength(1);
  const upload = pngs()[0];
  expect(upload?.fileId).toBe(trend?.slack_file?.id);
  expect(upload?.channelId).toBeUndefined();
  expect(upload?.filename).toBe('incidents-per-week-2026-09-14.png');
  const bytes = upload?.bytes as Buffer;
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([720, 300]);
});

it('reuses that upload for everyone until the figures change', async () => {
  const first = await openHome('U0BOB');
  const again = await openHome('U0ALICE');
  expect(pngs()).toHaveLength(1);
  expect(first?.slack_file?.id).toBe(pngs()[0]?.fileId);
  expect(again?.slack_file?.id).toBe(pngs()[0]?.fileId);

  await harness.command('open sev1 Payments down', { channelId: GENERAL });
  const changed = await openHome('U0BOB');
  expect(pngs()).toHaveLength(2);
  expect(changed?.slack_file?.id).toBe(pngs()[1]?.fileId);
  expect(changed?.alt_text).toContain('3 incidents in the last 12 weeks');
});

it('shows the trend in words when Slack no longer shows the file', async () => {
  // As if the file were deleted in Slack: the stored id is still handed out, Slack refuses it.
  harness.slack.uploads.length = 0;
  const refusedBefore = harness.slack.calls.filter(
    (call) => call.method === 'views.publish' && JSON.stringify(call.args.view).includes('slack_file'),
  ).length;

  const trend = await openHome('U0CAROL');

  expect(trend).toEqual({
    type: 'context',
    block_id: 'trend',
    elements: [
      {
        type: 'mrkdwn',
        text: 'Trend: 3 incidents in the last 12 weeks since 14 Sep 2026, per week oldest first: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3.',
      },
    ],
  });
  // Tried with the chart first, and refused.
  expect(
    harness.slack.calls.filter(
      (call) => call.method === 'views.publish' && JSON.stringify(call.args.view).includes('slack_file'),
    ).length,
  ).toBe(refusedBefore + 1);
});
