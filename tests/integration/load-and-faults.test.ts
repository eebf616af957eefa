/**
 * Production shape under stress: concurrent writers on one incident, jobs that crash half-way or are
 * delivered twice, and the worker's partial batch failures.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createWorkerHandler } from '../../lambda/handlers/worker';
import type { Job } from '../../lambda/jobs/jobs';
import { memoryLog } from '../../lambda/observability/log';
import { ANNOUNCEMENTS, type Harness, startHarness } from '../helpers/harness';

describe('200 concurrent /incident log on one incident', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('stores every event, none lost', async () => {
    await harness.command('open sev1 Thundering herd');
    const channelId = await harness.channelOf('INC-1');
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        harness.command(`log action: step ${index}`, { channelId, userId: `U0R${index}` }),
      ),
    );
    expect(replies.filter((reply) => reply.status === 200 && reply.text.startsWith('Logged'))).toHaveLength(
      200,
    );
    const record = await harness.server.store.getRecord('INC-1');
    const texts = new Set(
      record?.events.filter((event) => event.kind === 'action').map((event) => event.text),
    );
    expect(texts.size).toBe(200);
    for (let index = 0; index < 200; index++) expect(texts.has(`step ${index}`)).toBe(true);
  });
});

describe('jobs that fail half-way or arrive twice', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(() => harness.close());

  it('retries a channel setup that crashed after posting the summary, without a second channel or summary', async () => {
    harness.slack.failNext('pins.add', 'internal_error', 2); // the job fails twice after posting, then succeeds
    await harness.command('open sev2 Pins are flaky');
    const channelId = await harness.channelOf('INC-1');
    const incident = await harness.server.store.getIncident('INC-1');
    expect(harness.slack.callsTo('conversations.create')).toHaveLength(1);
    const summaries = harness.slack.messages.filter(
      (m) => m.channel === channelId && /^INC-1: /.test(m.text ?? ''),
    );
    expect(summaries).toHaveLength(1);
    expect(harness.slack.channels.get(channelId)?.pins).toEqual([incident?.summaryTs]);
    const announcements = harness.slack.messages.filter((m) => m.channel === ANNOUNCEMENTS);
    expect(announcements).toHaveLength(1);
  });

  it('runs a job delivered twice once: no duplicate channel, upload or post', async () => {
    await harness.command('open sev2 Duplicate delivery');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('resolve Fixed', { channelId });
    const before = {
      channels: harness.slack.callsTo('conversations.create').length,
      uploads: harness.slack.uploads.length,
      posts: harness.slack.callsTo('chat.postMessage').length,
    };
    const again: Job[] = [
      { type: 'setup-channel', incidentId: 'INC-1' },
      { type: 'publish-postmortem', incidentId: 'INC-1' },
    ];
    for (const job of again) await harness.server.jobs.enqueue(job);
    await harness.server.jobs.drain();
    expect({
      channels: harness.slack.callsTo('conversations.create').length,
      uploads: harness.slack.uploads.length,
      posts: harness.slack.callsTo('chat.postMessage').length,
    }).toEqual(before);
  });

  it('re-does a step whose worker failed, once the failure released it', async () => {
    harness.slack.failNext('files.completeUploadExternal', 'internal_error', 1); // transient: the job fails once
    await harness.command('open sev3 Upload hiccup');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('resolve Done', { channelId });
    expect(harness.slack.uploads.filter((file) => file.filename === 'INC-1.md')).toHaveLength(1);
    const resolutionPosts = harness.slack.messages.filter(
      (m) => m.channel === channelId && /INC-1 resolved/.test(m.text ?? ''),
    );
    expect(resolutionPosts).toHaveLength(1);
  });

  it('does not retry a permanent failure, tells the channels, and still posts what does not depend on it', async () => {
    harness.slack.failNext('files.completeUploadExternal', 'invalid_auth', 1); // the same every time
    await harness.command('open sev3 Upload refused');
    const channelId = await harness.channelOf('INC-1');
    await harness.command('resolve Done', { channelId });
    expect(harness.slack.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect(harness.slack.uploads.filter((file) => file.filename === 'INC-1.md')).toHaveLength(0);
    const inChannel = harness.slack.messages.filter((m) => m.channel === channelId);
    expect(inChannel.filter((m) => /INC-1 resolved/.test(m.text ?? ''))).toHaveLength(1);
    expect(
      inChannel.filter((m) => /could not upload the postmortem.*invalid_auth/.test(m.text ?? '')),
    ).toHaveLength(1);
    const announced = harness.slack.messages.filter((m) => m.channel === ANNOUNCEMENTS);
    expect(announced.filter((m) => /INC-1 resolved/.test(m.text ?? ''))).toHaveLength(1);
    expect(announced.filter((m) => /could not upload the postmortem/.test(m.text ?? ''))).toHaveLength(1);
    const record = await harness.server.store.getRecord('INC-1');
    expect(record?.steps?.['postmortem-uploaded']).toMatchObject({ state: 'failed', permanent: true });
    // The pinned summary says what the bot could not do.
    const summary = harness.slack.messages.find((m) => m.ts === record?.incident.summaryTs);
    expect(JSON.stringify(summary?.blocks)).toMatch(
      /Not done by the bot.*postmortem upload failed: Slack refused the bot token \(invalid_auth\)/,
    );
  });
});

describe('the worker Lambda handler', () => {
  const record = (messageId: string, body: string): SQSRecord =>
    ({
      messageId,
      body,
      receiptHandle: messageId,
      attributes: {},
      messageAttributes: {},
    }) as unknown as SQSRecord;

  it('reports only the failed jobs of a batch, and drops malformed ones with a reason', async () => {
    const ran: string[] = [];
    const logged = memoryLog();
    const handler = createWorkerHandler({
      bot: async () => ({
        runJob: async (job) => {
          ran.push(`${job.type}:${job.incidentId}`);
          if (job.incidentId === 'INC-2') throw new Error('Slack is down');
        },
        reconcile: async () => {},
      }),
      logger: logged,
    });
    const event: SQSEvent = {
      Records: [
        record('m1', JSON.stringify({ type: 'setup-channel', incidentId: 'INC-1' })),
        record('m2', JSON.stringify({ type: 'publish-postmortem', incidentId: 'INC-2' })),
        record('m3', JSON.stringify({ type: 'no-such-job', incidentId: 'INC-3' })),
        record('m4', 'not json'),
      ],
    };
    const result = await handler(event, { getRemainingTimeInMillis: () => 60_000 });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }]);
    expect(ran).toEqual(['setup-channel:INC-1', 'publish-postmortem:INC-2']);
    expect(
      logged.lines.filter((line) => line.keys.reason === 'malformed').map((l) => l.keys.messageId),
    ).toEqual(['m3', 'm4']);
  });
});
