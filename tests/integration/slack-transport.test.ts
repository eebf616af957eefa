/**
 * The transport edge through real HTTP: Slack's request signing, retried deliveries, and arbitrary
 * command text, against the real handler and store.
 */
import fc from 'fast-check';
import { TYPED_WORDS } from '../../lambda/incidents/grammar';
import { slackSignature, slashCommandBody } from '../../local/slack-signing';
import { ALICE, GENERAL, type Harness, startHarness } from '../helpers/harness';

describe('Slack transport', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  const openBody = (triggerId: string) =>
    slashCommandBody({ text: 'open sev1 Checkout is down', userId: ALICE, channelId: GENERAL, triggerId });

  async function nothingWritten() {
    expect(await harness.server.store.listOpenIncidents()).toEqual([]);
    expect(harness.slack.calls).toEqual([]);
  }

  describe('signature verification', () => {
    it('refuses a bad signature with 401 and writes nothing', async () => {
      const body = openBody('sig-bad');
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await harness.post(body, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature('not-the-secret', timestamp, body),
      });
      expect(response.status).toBe(401);
      await nothingWritten();
    });

    it('refuses a missing signature with 401 and writes nothing', async () => {
      const response = await harness.post(openBody('sig-missing'), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
      });
      expect(response.status).toBe(401);
      await nothingWritten();
    });

    it('refuses a correctly signed request older than 5 minutes with 401 and writes nothing', async () => {
      const body = openBody('sig-old');
      const timestamp = Math.floor(Date.now() / 1000) - 6 * 60;
      const response = await harness.post(body, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(harness.signingSecret, timestamp, body),
      });
      expect(response.status).toBe(401);
      await nothingWritten();
    });

    it('refuses a body changed after signing', async () => {
      const body = openBody('sig-tampered');
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await harness.post(body.replace('sev1', 'sev4'), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(harness.signingSecret, timestamp, body),
      });
      expect(response.status).toBe(401);
      await nothingWritten();
    });
  });

  it('answers /healthz, and 404 for routes it does not serve', async () => {
    const health = await fetch(`${harness.server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect((await fetch(`${harness.server.url}/nope`)).status).toBe(404);
  });

  it('opens one incident when Slack delivers the same command twice', async () => {
    const first = await harness.command('open sev2 Payments degraded', { triggerId: 'trigger-retry-1' });
    const retry = await harness.command('open sev2 Payments degraded', {
      triggerId: 'trigger-retry-1',
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(first.status).toBe(200);
    expect(first.text).toContain('INC-1');
    expect(retry.status).toBe(200);
    // The redelivery gets the answer the stored command gave, not a second incident.
    expect(retry.text).toBe(first.text);
    expect((await harness.server.store.listOpenIncidents()).map((incident) => incident.id)).toEqual([
      'INC-1',
    ]);
    expect(harness.slack.callsTo('conversations.create')).toHaveLength(1);
  });

  it('records one event when a log command is delivered twice', async () => {
    const channelId = await harness.channelOf('INC-1');
    for (let delivery = 0; delivery < 3; delivery++) {
      await harness.command('log action: failed over to the standby', {
        channelId,
        triggerId: 'trigger-log-dup',
      });
    }
    const record = await harness.server.store.getRecord('INC-1');
    expect(record?.events.filter((event) => event.kind === 'action')).toHaveLength(1);
  });

  it('answers any text after /incident with an intent or a usage reply, never a 500', async () => {
    const channelId = await harness.channelOf('INC-1');
    // Every verb of the grammar's table, then what its arguments are made of.
    const words = fc.constantFrom(
      ...TYPED_WORDS,
      'INC-1',
      'INC-99',
      '25:00',
      '12:30',
      '2024-02-18T15:30Z',
      'sev1',
      'sev9',
      'action:',
      'nope:',
      '<@U0BOB>',
      '<@U0BOB|bob>',
      '&amp;',
      'monitoring',
      '',
    );
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.array(words, { maxLength: 6 }).map((w) => w.join(' ')),
    );
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), async (commandText, inIncidentChannel) => {
        // `resolve` would end the incident the rest of the run types into; keep it open.
        fc.pre(!/\bresolve\b/i.test(commandText));
        const reply = await harness.command(commandText, {
          channelId: inIncidentChannel ? channelId : GENERAL,
        });
        expect(reply.status).toBe(200);
        if (!commandText.trim()) {
          // No text opens the declare modal instead of replying.
          expect(harness.slack.callsTo('views.open').at(-1)?.args.view).toMatchObject({
            callback_id: 'incident.declare',
          });
          return;
        }
        expect(reply.text.length).toBeGreaterThan(0);
        expect(reply.text).not.toMatch(/Something went wrong/);
      }),
      { numRuns: 60 },
    );
  });
});
