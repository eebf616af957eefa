/**
 * Incidents through the real handler: what each command records, what it refuses, and what the
 * postmortem shows for an incident that crosses midnight.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fixedClock, GENERAL, type Harness, startHarness } from '../helpers/harness';

describe('an incident that crosses midnight', () => {
  const clock = fixedClock('2024-03-02T03:00:00Z');
  let harness: Harness;
  let channelId: string;
  let postmortem: string;

  beforeAll(async () => {
    harness = await startHarness({ clock });
    await harness.command('open 2024-03-01T23:30Z sev1 Queue backlog in eu-west');
    channelId = await harness.channelOf('INC-1');
    await harness.command('log 23:40 detection: Queue depth alarm fired.', { channelId });
    await harness.command('log 00:10 action: Scaled the consumers to 40.', { channelId });
    await harness.command('resolve 01:15 Consumers caught up.', { channelId });
    postmortem = await readFile(path.join(harness.server.postmortemDir, 'INC-1.md'), 'utf8');
  });
  afterAll(() => harness.close());

  it('puts HH:MM after midnight on the next day', async () => {
    const record = await harness.server.store.getRecord('INC-1');
    const at = (kind: string) => record?.events.find((event) => event.kind === kind)?.at;
    expect(at('detection')).toBe('2024-03-01T23:40:00.000Z');
    expect(at('action')).toBe('2024-03-02T00:10:00.000Z');
    expect(record?.incident.resolvedAt).toBe('2024-03-02T01:15:00.000Z');
  });

  it('shows dates on events and the right total', () => {
    expect(postmortem).toContain('- Start Time: March 1, 2024, 23:30 UTC');
    expect(postmortem).toContain('- End Time: March 2, 2024, 01:15 UTC');
    expect(postmortem).toContain('- Total: 1 hour 45 minutes');
    expect(postmortem).toContain('- Mar 1 23:40 — Queue depth alarm fired.');
    expect(postmortem).toContain('- Mar 2 00:10 — Scaled the consumers to 40.');
  });
});

describe('commands on an incident', () => {
  const clock = fixedClock('2024-05-10T12:00:00Z');
  let harness: Harness;
  let channelId: string;

  beforeAll(async () => {
    harness = await startHarness({ clock });
    await harness.command('open 11:00 sev3 Search results are stale');
    channelId = await harness.channelOf('INC-1');
  });
  afterAll(() => harness.close());

  async function eventCount(): Promise<number> {
    const record = await harness.server.store.getRecord('INC-1');
    return (record?.events.length ?? 0) + (record?.followUps.length ?? 0);
  }

  async function expectRefused(text: string, options: { channelId?: string }, message: RegExp) {
    const before = await harness.server.store.getIncident('INC-1');
    const events = await eventCount();
    const calls = harness.slack.calls.length;
    const reply = await harness.command(text, options);
    expect(reply.status).toBe(200);
    expect(reply.responseType).toBe('ephemeral');
    expect(reply.text).toMatch(message);
    expect(reply.text).toMatch(/Usage:/);
    expect(await harness.server.store.getIncident('INC-1')).toEqual(before);
    expect(await eventCount()).toBe(events);
    expect(harness.slack.calls.length).toBe(calls);
  }

  it('records severity, status, commander and ack, and edits the pinned summary in place', async () => {
    const severity = await harness.command('severity 11:20 sev1', { channelId });
    await harness.command('status identified', { channelId });
    await harness.command('commander <@U0BOB|bob>', { channelId });
    await harness.command('ack', { channelId, userId: 'U0CAROL' });
    const incident = await harness.server.store.getIncident('INC-1');
    expect(severity.responseType).toBe('in_channel');
    expect(incident).toMatchObject({
      severity: 'sev1',
      status: 'identified',
      commander: 'U0BOB',
      acknowledgedBy: 'U0CAROL',
      acknowledgedAt: '2024-05-10T12:00:00.000Z',
    });
    const summaries = harness.slack.messages.filter((message) => message.ts === incident?.summaryTs);
    expect(summaries).toHaveLength(1);
    expect(JSON.stringify(summaries[0]?.blocks)).toContain('sev1');
    expect(JSON.stringify(summaries[0]?.blocks)).toContain('<@U0BOB>');
    expect(harness.slack.callsTo('chat.update').length).toBeGreaterThanOrEqual(4);
  });

  it('targets an incident by id from another channel', async () => {
    const reply = await harness.command('log INC-1 note: customer support informed', { channelId: GENERAL });
    expect(reply.text).toContain('Logged *note*');
    expect(reply.responseType).toBe('ephemeral');
  });

  it('refuses bad input with the reason and the usage, writing nothing', async () => {
    await expectRefused('frobnicate now', { channelId }, /Unknown command 'frobnicate'/);
    await expectRefused('log', { channelId }, /text/i);
    await expectRefused('severity sev9', { channelId }, /sev9/);
    await expectRefused('log 25:00 action: late', { channelId }, /25:00/);
    await expectRefused('log 13:00 action: from the future', { channelId }, /future/);
    await expectRefused(
      'log 2024-05-10T10:00Z action: before the start',
      { channelId },
      /before the incident started/,
    );
    await expectRefused('log action: no incident here', { channelId: GENERAL }, /belongs to no incident/);
    await expectRefused('log INC-42 action: nope', { channelId: GENERAL }, /no incident INC-42/);
    await expectRefused('ack', { channelId }, /already acknowledged/);
    await expectRefused('commander nobody', { channelId }, /mention|<@/i);
  });

  it('resolves once; later actions that need an open incident are refused', async () => {
    const resolved = await harness.command('resolve Cache TTL restored', { channelId });
    expect(resolved.text).toContain('resolved');
    await expectRefused('resolve again', { channelId }, /was resolved/);
    await expectRefused('severity sev2', { channelId }, /needs an open incident/);
    await expectRefused('escalate sre now', { channelId }, /needs an open incident/);
  });

  it('updates the stored postmortem when a fix is added after resolution', async () => {
    const file = path.join(harness.server.postmortemDir, 'INC-1.md');
    expect(await readFile(file, 'utf8')).not.toContain('Alert on cache TTL drift');
    const reply = await harness.command('fix Alert on cache TTL drift <@U0BOB>', { channelId });
    expect(reply.text).toContain('Added improvement/fix');
    const updated = await readFile(file, 'utf8');
    const fixes = updated.slice(updated.indexOf('### Improvements/Fixes'), updated.indexOf('### Tasks'));
    expect(fixes).toContain('Alert on cache TTL drift');
  });

  it('lists open incidents and shows a draft postmortem', async () => {
    await harness.command('open sev2 Login slow');
    const list = await harness.command('list');
    expect(list.text).toContain('INC-2');
    expect(list.text).not.toContain('INC-1');
    const draft = await harness.command('postmortem INC-2');
    expect(draft.text).toContain('# INC-2: Login slow — Postmortem');
    expect(draft.text).toContain('ongoing');
  });
});

describe('channel names', () => {
  it('adds a suffix when the name is taken', async () => {
    const harness = await startHarness();
    try {
      harness.slack.addChannel('inc-1-database-failover');
      await harness.command('open Database failover');
      const channel = harness.slack.channels.get(await harness.channelOf('INC-1'));
      expect(channel?.name).toBe('inc-1-database-failover-2');
    } finally {
      await harness.close();
    }
  });
});

describe('the embedded store on disk', () => {
  it('keeps incidents across a restart of the local server', async () => {
    const first = await startHarness({ inMemory: false });
    await first.command('open sev2 Disk filling on db-3');
    await first.close();
    const second = await startHarness({ inMemory: false, dataDir: first.dataDir });
    try {
      const open = await second.server.store.listOpenIncidents();
      expect(open.map((incident) => incident.title)).toEqual(['Disk filling on db-3']);
      const next = await second.command('open sev3 Another one');
      expect(next.text).toContain('INC-2');
    } finally {
      await second.close();
    }
  });
});
