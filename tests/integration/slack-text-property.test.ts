/**
 * Property: whatever people type and alerts carry, built from Slack's control sequences and the
 * hardest Unicode (emoji with skin tones, ZWJ families, flags, RTL text, combining marks), nothing the
 * bot sends to Slack broadcasts (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>` but the
 * configured group it pages), renders a link label that hides its target, or holds a lone surrogate;
 * and no job fails. Through every `/incident` command that takes text, the declare modal and both
 * alert routes (Alertmanager, CloudWatch through SNS), against the Slack stand-in.
 *
 * One harness per property (so each stays well inside Slack's per-minute rate limits, which the
 * stand-in may enforce), few runs each, no shrinking (a run is a whole incident): fast-check prints
 * the seed and the failing strings.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { decodeEntities } from '../../lambda/incidents/grammar';
import type { RecordedCall } from '../../local/slack-api-stub';
import { ALICE, fixedClock, GENERAL, type Harness, startHarness } from '../helpers/harness';
import { openedView, selectInput, textInput, viewSubmission } from '../helpers/interactions';
import { LONE_SURROGATE, strings } from '../helpers/request-text';

/** The one broadcast the bot may send: the user group of the team it pages (POLICY below). */
const OUR_GROUP = '<!subteam^S0ONCALL>';

const POLICY = `
teams:
  oncall: { slack: S0ONCALL, users: [U0ANNA] }
escalation:
  default:
    - { after: 0s, notify: [oncall] }
`;

const INJECTION_ALPHABET = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S0EVIL>',
  '<!subteam^S0EVIL|@evil-team>',
  '<@U0ALICE>',
  '<#C0GENERAL>',
  '<https://evil.example|click here>',
  '<https://evil.example>',
  '&',
  '&amp;',
  '&lt;!channel&gt;',
  '<',
  '>',
  '👍🏽',
  '👨‍👩‍👧‍👦',
  '🇩🇪',
  'שלום',
  'مرحبا',
  'e\u0301',
  '*bold*',
  '`code`',
  'checkout',
  'latency',
  'failing',
];

/** Text a person or an alert might send: 1–6 pieces, joined with or without spaces. */
const userText = fc
  .tuple(fc.array(fc.constantFrom(...INJECTION_ALPHABET), { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([pieces, spaced]) => pieces.join(spaced ? ' ' : ''));

/** What in `text` would broadcast, show a disguised link or break JSON encoding; [] when nothing. */
function unsafe(text: string): string[] {
  const found: string[] = [];
  if (text.split(OUR_GROUP).join('').includes('<!')) found.push('broadcast');
  if (text.includes('|click here>')) found.push('link label');
  if (text.includes('|@evil-team>')) found.push('group label');
  if (LONE_SURROGATE.test(text)) found.push('lone surrogate');
  return found;
}

/** Every unsafe string in the recorded Slack calls, named by method and key. */
function unsafeCalls(calls: RecordedCall[]): string[] {
  const problems: string[] = [];
  for (const call of calls) {
    for (const [key, text] of strings(call.args)) {
      if (call.method.startsWith('files.') && /^files\[\d+\]\.content$/.test(key)) continue;
      const found = unsafe(text);
      if (found.length) problems.push(`${call.method} ${key} (${found.join(', ')}): ${text.slice(0, 300)}`);
    }
  }
  return problems;
}

function unsafeReplies(replies: Array<[string, string]>): string[] {
  return replies
    .filter(([, text]) => unsafe(text).length > 0)
    .map(([what, text]) => `${what} (${unsafe(text).join(', ')}): ${text.slice(0, 300)}`);
}

async function policyFile(): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'incident-bot-property-')), 'policy.yaml');
  await writeFile(file, POLICY);
  return file;
}

/**
 * Runs per property. Each lifecycle run declares and resolves an incident, posting twice to the
 * announcement channel; Slack allows about 10 posts per channel in 10 s (the stand-in enforces it),
 * so 4 runs stay clear of it instead of waiting out a Retry-After.
 */
const RUNS = 6;
const LIFECYCLE_RUNS = 4;

describe('text through every /incident command that takes it', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      clock: fixedClock('2024-03-02T10:00:00Z'),
      env: { ESCALATION_POLICY: await policyFile() },
    });
    harness.slack.channels.get(GENERAL)?.members.add(ALICE);
  });
  afterAll(() => harness.close());

  it('sends Slack no broadcast, no disguised link and no lone surrogate, and no job fails', async () => {
    let declared = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          title: userText,
          impact: userText,
          cause: userText,
          note: userText,
          action: userText,
          fix: userText,
          task: userText,
          reason: userText,
          commander: userText,
          verb: userText,
          remote: userText,
          resolution: userText,
        }),
        async ({
          title,
          impact,
          cause,
          note,
          action,
          fix,
          task,
          reason,
          commander,
          verb,
          remote,
          resolution,
        }) => {
          const from = harness.slack.calls.length;
          const replies: Array<[string, string]> = [];
          // harness.command throws when a job the command queued failed.
          const say = async (command: string, channelId?: string) => {
            const reply = await harness.command(command, channelId ? { channelId } : {});
            expect(reply.status).toBe(200);
            replies.push([command.slice(0, 80), reply.text]);
            return reply;
          };
          const opened = await say(`open sev2 ${title}`);
          declared += 1;
          const id = `INC-${declared}`;
          expect(opened.text).toContain(`*${id}*`);
          const channelId = await harness.channelOf(id);
          await say(`impact ${impact}`, channelId);
          await say(`cause ${cause}`, channelId);
          await say(`log ${note}`, channelId);
          await say(`log action: ${action}`, channelId);
          await say(`fix ${fix} <@${ALICE}>`, channelId);
          await say(`task ${task} later`, channelId); // a mention at the end would be the owner
          await say(`escalate oncall ${reason}`, channelId);
          await say(`commander ${commander}`, channelId); // not a mention: refused, the text quoted
          await say(`${verb} now`, channelId); // not a verb: refused, the text quoted
          await say(`log ${id} ${remote}`); // from another channel: echoed in the incident's
          await say(`postmortem ${id}`);
          await say('list');
          await say(`resolve ${resolution}`, channelId);

          const record = await harness.server.store.getRecord(id);
          // Slack sends typed `&`, `<`, `>` as entities; the bot stores what was typed.
          const typed = (text: string) => decodeEntities(text).trim();
          expect(record?.incident.title).toBe(typed(title));
          expect(record?.incident.impact).toBe(typed(impact));
          expect(record?.incident.status).toBe('resolved');
          expect(record?.followUps.map((item) => item.text).sort()).toEqual(
            [typed(fix), typed(`${task} later`)].sort(),
          );
          expect(harness.slack.calls.length).toBeGreaterThan(from);
          expect(unsafeCalls(harness.slack.calls.slice(from))).toEqual([]);
          expect(unsafeReplies(replies)).toEqual([]);
        },
      ),
      { numRuns: LIFECYCLE_RUNS, endOnFailure: true },
    );
    // The page in the incident channel did mention the team's group: the exception above is used.
    expect(harness.slack.calls.some((call) => String(call.args.text ?? '').includes(OUR_GROUP))).toBe(true);
  }, 60_000);
});

describe('text through the declare modal', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ clock: fixedClock('2024-03-02T10:00:00Z') });
    harness.slack.channels.get(GENERAL)?.members.add(ALICE); // the confirmation is an ephemeral there
  });
  afterAll(() => harness.close());

  it('sends Slack no broadcast, no disguised link and no lone surrogate, and no job fails', async () => {
    let declared = 0;
    await fc.assert(
      fc.asyncProperty(userText, userText, async (title, description) => {
        const from = harness.slack.calls.length;
        await harness.command('', { channelId: GENERAL });
        const view = openedView(harness);
        expect(view.callback_id).toBe('incident.declare');
        const viewId = `V${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
        // harness.interact throws when a job the submission queued failed.
        const response = await harness.interact(
          viewSubmission(
            view,
            { title: textInput(title), severity: selectInput('sev2'), description: textInput(description) },
            viewId,
          ),
        );
        expect(response.status).toBe(200);
        declared += 1;
        const record = await harness.server.store.getRecord(`INC-${declared}`);
        expect(record?.incident.title).toBe(title);
        expect(record?.events.some((event) => event.text === `Description: ${description}`)).toBe(true);
        // The confirmation reached Alice, with the title escaped.
        const confirmation = harness.slack.ephemerals.find((e) => e.text?.includes(`*INC-${declared}*`));
        expect(confirmation?.user).toBe(ALICE);
        expect(unsafeCalls(harness.slack.calls.slice(from))).toEqual([]);
        expect(unsafeReplies([['view_submission', response.body]])).toEqual([]);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 60_000);
});

describe.each(['alertmanager', 'cloudwatch'] as const)('text in alert titles and reasons (%s)', (route) => {
  let harness: Harness;
  const fixture = (name: string) =>
    readFileSync(path.join(__dirname, '..', 'fixtures', 'alerts', name), 'utf8');

  const clock = fixedClock('2024-02-18T16:30:00.000Z');

  beforeAll(async () => {
    harness = await startHarness({
      clock,
      // Unsigned SNS envelopes: signatures are tested in alerts-sns-route.test.ts.
      env: { ALERT_TOKEN: 't0ken', ALERTS_SNS_SIGNATURES: 'off', ESCALATION_POLICY: await policyFile() },
    });
  });
  afterAll(() => harness.close());

  /** The alert's payload, as Alertmanager (v4 webhook) or SNS (a CloudWatch alarm) sends it. */
  const payload = (run: number, name: string, summary: string, reason: string): string => {
    if (route === 'alertmanager') {
      const firing = JSON.parse(fixture('alertmanager-firing.json')) as {
        alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }>;
      };
      const [alert] = firing.alerts;
      if (!alert) throw new Error('the fixture has no alert');
      alert.labels = { ...alert.labels, alertname: name, service: `svc-${run}` };
      alert.annotations = { ...alert.annotations, summary, description: reason };
      return JSON.stringify({ ...firing, alerts: [alert] });
    }
    const envelope = JSON.parse(fixture('cloudwatch-alarm-sns.json')) as { Message: string };
    const alarm = {
      ...(JSON.parse(envelope.Message) as Record<string, unknown>),
      AlarmName: `${name} ${summary} ${run}`,
      NewStateReason: reason,
    };
    return JSON.stringify({ ...envelope, MessageId: randomUUID(), Message: JSON.stringify(alarm) });
  };

  it('sends Slack no broadcast, no disguised link and no lone surrogate, and no job fails', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(userText, userText, userText, async (name, summary, reason) => {
        run += 1;
        // A minute apart: each run opens its own incident, under the storm cap of 5 a minute.
        clock.set(new Date(Date.parse('2024-02-18T16:30:00.000Z') + run * 60_000).toISOString());
        const from = harness.slack.calls.length;
        const response = await fetch(`${harness.server.url}/alerts/${route}`, {
          method: 'POST',
          headers: {
            'content-type': route === 'cloudwatch' ? 'text/plain; charset=UTF-8' : 'application/json',
            authorization: 'Bearer t0ken',
          },
          body: payload(run, name, summary, reason),
        });
        const answer = (await response.json()) as { results?: { action: string; incidentId?: string }[] };
        expect(response.status).toBe(200);
        expect(answer.results).toEqual([
          { key: expect.any(String), action: 'opened', incidentId: `INC-${run}` },
        ]);
        // A command drains the queue, and throws when a job the alert queued failed.
        await harness.command('list');
        const incident = await harness.server.store.getIncident(`INC-${run}`);
        expect(incident?.title).toContain(route === 'alertmanager' ? summary.trim() : name.trim());
        expect(unsafeCalls(harness.slack.calls.slice(from))).toEqual([]);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // The pages did mention the team's group: the one exception above is used.
    expect(harness.slack.calls.some((call) => String(call.args.text ?? '').includes(OUR_GROUP))).toBe(true);
  }, 60_000);
});
