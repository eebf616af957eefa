/**
 * `/incident postmortem` shows the timeline chart as it stands (issue 15), through the real local
 * server, Bolt receiver and Slack stand-in: a PNG uploaded shared nowhere, shown by its file id in a
 * message only the asker sees, once per request however often Slack delivers it.
 */
import { fixedClock, type Harness, startHarness } from '../helpers/harness';

const clock = fixedClock('2026-12-03T09:00:00Z');
let harness: Harness;
let channelId: string;

beforeAll(async () => {
  harness = await startHarness({ clock, env: { INCIDENT_TIMEZONE: 'UTC' } });
  await harness.command('open sev2 Checkout errors');
  channelId = await harness.channelOf('INC-1');
  clock.set('2026-12-03T09:12:00Z');
  await harness.command('ack', { channelId });
});
afterAll(() => harness.close());

const charts = () => harness.slack.uploads.filter((upload) => upload.filename === 'INC-1-timeline.png');
const chartMessages = () =>
  harness.slack.ephemerals.filter((message) => JSON.stringify(message.blocks ?? []).includes('slack_file'));

it('answers with the draft, then shows the chart where it was asked, to the asker alone', async () => {
  const draft = await harness.command('postmortem', { channelId, triggerId: 'trigger-pm-1' });
  await harness.server.jobs.idle();

  expect(draft.text).toContain('Postmortem draft of INC-1: Its timeline chart follows.');
  expect(charts()).toHaveLength(1);
  const upload = charts()[0];
  expect(upload?.channelId).toBeUndefined();
  const png = upload?.bytes as Buffer;
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.readUInt32BE(16)).toBe(1200);
  expect(chartMessages()).toEqual([
    expect.objectContaining({
      channel: channelId,
      user: 'U0ALICE',
      text: 'Timeline chart of INC-1, as of December 3, 2026, 09:12 UTC',
      blocks: [
        {
          type: 'image',
          block_id: 'chart',
          slack_file: { id: upload?.fileId },
          alt_text: 'Timeline chart of INC-1, as of December 3, 2026, 09:12 UTC',
          title: { type: 'plain_text', text: 'INC-1 timeline' },
        },
      ],
    }),
  ]);
});

it('shows it once per request: a redelivery of the command uploads nothing more', async () => {
  await harness.command('postmortem', {
    channelId,
    triggerId: 'trigger-pm-1',
    headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
  });
  await harness.server.jobs.idle();
  expect(charts()).toHaveLength(1);
  expect(chartMessages()).toHaveLength(1);

  await harness.command('postmortem', { channelId, triggerId: 'trigger-pm-2' });
  await harness.server.jobs.idle();
  expect(charts()).toHaveLength(2);
  expect(chartMessages()).toHaveLength(2);
});

it('says so, and nothing more, when Slack refuses the picture', async () => {
  harness.slack.failNext('chat.postEphemeral', 'invalid_blocks');
  await harness.command('postmortem', { channelId, triggerId: 'trigger-pm-3' });
  await harness.server.jobs.idle();

  expect(chartMessages()).toHaveLength(2);
  expect(harness.slack.ephemerals.at(-1)).toMatchObject({
    channel: channelId,
    user: 'U0ALICE',
    text: 'The timeline chart of INC-1 could not be shown here: Slack says invalid_blocks.',
  });
});
