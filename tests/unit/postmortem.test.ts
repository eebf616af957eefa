import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { compilePostmortem, mentionedUsers, postmortemFileName } from '../../lambda/incidents/postmortem';
import type {
  EventKind,
  FollowUp,
  FollowUpType,
  Incident,
  IncidentRecord,
  TimelineEvent,
} from '../../lambda/incidents/types';
import { withMentions } from '../../lambda/slack/text';
import { anEvent, anIncident } from '../fixtures/incidents';
import { missingSeedSentences, PRODUCT_HEADINGS, sectionsOfPostmortem } from '../helpers/seed-sections';

const SEED = readFileSync(join(__dirname, '..', 'fixtures', 'postmortem-seed.md'), 'utf8');

/** The extra sections that may follow the postmortem headings (docs/architecture.md). */
const EXTRA_HEADINGS = ['## Metrics', '## Responders', '## Full Timeline'];

const UTC = { tz: 'UTC', now: '2024-02-18T20:00:00.000Z' };

function headingsOf(markdown: string): string[] {
  return markdown.split('\n').filter((line) => /^#{1,6}\s/.test(line));
}

function linesUnder(markdown: string, heading: string, occurrence = 0): string[] {
  const lines = markdown.split('\n');
  let index = -1;
  for (let seen = -1; seen < occurrence; seen++) index = lines.indexOf(heading, index + 1);
  if (index < 0) throw new Error(`no heading ${heading}`);
  const rest = lines.slice(index + 1);
  const end = rest.findIndex((line) => /^#{1,3}\s/.test(line));
  return rest.slice(0, end < 0 ? undefined : end).filter((line) => line.trim() !== '');
}

function incident(overrides: Partial<Incident> = {}): Incident {
  return anIncident({
    title: 'Login failures on the user authentication service',
    declaredBy: 'U_DECLARER',
    channelId: undefined,
    ...overrides,
  });
}

let sequence = 0;
function event(kind: EventKind, at: string, text: string, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  sequence += 1;
  const id = `ev-${String(sequence).padStart(4, '0')}`;
  return anEvent({ id, at, recordedAt: at, kind, text, author: 'U_RESPONDER', ...extra });
}

function followUp(type: FollowUpType, text: string, owner?: string, createdAt = '2024-02-18T18:40:00.000Z') {
  sequence += 1;
  const item: FollowUp = {
    id: `fu-${sequence}`,
    incidentId: 'INC-7',
    type,
    text,
    author: 'U_RESPONDER',
    createdAt,
  };
  if (owner) item.owner = owner;
  return item;
}

const at = (clock: string) => `2024-02-18T${clock}:00.000Z`;

/** shared/scenarios/seed-auth-outage.txt, line by line, as the bot would have stored it. */
function seedRecord(): IncidentRecord {
  return {
    incident: incident({
      status: 'resolved',
      commander: 'U_COMMANDER',
      channelId: 'C0INC7',
      channelName: 'inc-7-login-failures-on-the-user-authentication-service',
      acknowledgedAt: at('17:12'),
      acknowledgedBy: 'U_COMMANDER',
      resolvedAt: at('18:45'),
      resolvedBy: 'U_COMMANDER',
      impact:
        'The outage affected the user authentication service, causing a 30% increase in login failures and a degradation in overall system performance.',
      rootCause:
        'The root cause was identified as a misconfiguration in the load balancer settings, leading to an uneven distribution of traffic among the authentication servers.',
      resolution:
        'Load balancer settings were adjusted to evenly distribute incoming requests among authentication servers, eliminating the bottleneck. Communication protocols between the load balancer and authentication servers were fine-tuned to prevent similar misconfigurations.',
    }),
    events: [
      event('declared', at('15:30'), 'Declared sev2: Login failures on the user authentication service', {
        author: 'U_DECLARER',
      }),
      event(
        'detection',
        at('15:30'),
        'A surge in error rates was identified through real-time monitoring alerts.',
      ),
      event(
        'action',
        at('15:38'),
        'Initial investigation focused on the authentication servers and database clusters.',
      ),
      event(
        'action',
        at('15:52'),
        'Assumptions were made about potential database connection issues due to recent updates.',
      ),
      event(
        'misleading',
        at('16:10'),
        'Initial focus on the database led to a temporary shutdown for maintenance, causing unnecessary downtime.',
      ),
      event(
        'misleading',
        at('16:35'),
        'Investigated server logs for signs of unauthorized access, delaying the identification of the load balancer misconfiguration.',
      ),
      event(
        'escalation',
        at('17:05'),
        'The incident was escalated to the System Reliability Engineering (SRE) team after the initial database-related investigation did not yield results.',
        { team: 'sre' },
      ),
      event('acknowledged', at('17:12'), 'Acknowledged', { author: 'U_COMMANDER' }),
      event(
        'cause',
        at('17:40'),
        'The load balancer misconfiguration resulted from recent changes aimed at optimizing traffic distribution. Specifically, an incorrect algorithm was inadvertently applied, causing a disproportionate number of requests to be directed to a single authentication server.',
      ),
      event(
        'resolution',
        at('18:15'),
        'Load balancer settings were reconfigured to evenly distribute traffic among authentication servers.',
      ),
      event(
        'resolution',
        at('18:30'),
        'Database maintenance was rolled back, and the system was thoroughly tested to ensure stability.',
      ),
      event('resolved', at('18:45'), 'Resolved', { author: 'U_COMMANDER' }),
    ],
    followUps: [
      followUp(
        'fix',
        'Strengthen monitoring for load balancer configurations, implementing automated alerts for irregularities.',
      ),
      followUp(
        'fix',
        'Establish a rollback plan for configuration changes to quickly revert to a stable state in case of unexpected issues.',
      ),
      followUp(
        'task',
        'Implement a regular audit schedule for critical system configurations, including load balancers.',
      ),
      followUp(
        'task',
        'Conduct a thorough review of incident response procedures to enhance the efficiency of future investigations.',
      ),
      followUp(
        'task',
        'Enhance communication channels between teams to streamline incident escalation processes.',
      ),
      followUp(
        'task',
        'Provide additional training to the engineering team on recognizing and addressing misconfigurations promptly.',
      ),
    ],
  };
}

function emptyRecord(overrides: Partial<Incident> = {}): IncidentRecord {
  return { incident: incident(overrides), events: [], followUps: [] };
}

describe('compilePostmortem: the seed incident', () => {
  it('puts every sentence of the seed postmortem into the seed section it came from', () => {
    // prepare
    const record = seedRecord();

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    expect(missingSeedSentences(SEED, markdown)).toEqual([]);
  });

  it('writes the title and the facts block under it', () => {
    // prepare
    const record = seedRecord();

    // act
    const markdown = compilePostmortem(record, {
      ...UTC,
      names: { U_COMMANDER: 'maria', U_DECLARER: 'omar' },
    });

    // assess
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# INC-7: Login failures on the user authentication service — Postmortem');
    const facts = markdown.slice(0, markdown.indexOf('## Issue Summary'));
    expect(facts).toContain('Severity:** sev2');
    expect(facts).toContain('Status:** resolved');
    expect(facts).toContain('Commander:** @maria');
    expect(facts).toContain('Channel:** #inc-7-login-failures-on-the-user-authentication-service');
    expect(facts).toContain('Declared by:** @omar');
  });

  it('states start, end and total duration in UTC', () => {
    // prepare
    const record = seedRecord();

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    expect(linesUnder(markdown, '### Duration')).toEqual([
      '- Start Time: February 18, 2024, 15:30 UTC',
      '- End Time: February 18, 2024, 18:45 UTC',
      '- Total: 3 hours 15 minutes',
    ]);
    expect(linesUnder(markdown, '### Issue Detected')).toEqual(['February 18, 2024, 15:30 UTC']);
  });

  it('shows each event of a same-day incident as one bullet with its clock time only', () => {
    // prepare
    const record = seedRecord();

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    expect(linesUnder(markdown, '### Actions Taken')).toEqual([
      '- 15:38 — Initial investigation focused on the authentication servers and database clusters.',
      '- 15:52 — Assumptions were made about potential database connection issues due to recent updates.',
    ]);
  });

  it('names the team paged on an escalation bullet', () => {
    // prepare
    const record = seedRecord();

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    const [bullet, ...others] = linesUnder(markdown, '### Escalation');
    expect(others).toEqual([]);
    expect(bullet).toMatch(
      /^- 17:05 — The incident was escalated .* did not yield results\. — team paged: sre — acknowledged 17:12 by @U_COMMANDER \(7 minutes later\)$/,
    );
  });

  it('reports the metrics from declaration, start, first escalation, acknowledgement and resolution', () => {
    // prepare
    const record = seedRecord();
    record.incident.declaredAt = at('15:40');

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    expect(linesUnder(markdown, '## Metrics')).toEqual([
      '- Time to acknowledge: 1 hour 32 minutes',
      '- Time to first escalation: 1 hour 35 minutes',
      '- Time to resolve: 3 hours 15 minutes',
    ]);
  });

  it('lists every event in the full timeline, change kinds included, with its kind, who and how', () => {
    // prepare
    const record = seedRecord();

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    const timeline = linesUnder(markdown, '## Full Timeline');
    expect(timeline).toHaveLength(record.events.length);
    expect(timeline[0]).toBe(
      '- 15:30 — **declared** — Declared sev2: Login failures on the user authentication service · by @U_DECLARER via command',
    );
    expect(timeline).toContain('- 17:12 — **acknowledged** — Acknowledged · by @U_COMMANDER via command');
    expect(timeline).toContain(
      '- 15:38 — **action** — Initial investigation focused on the authentication servers and database clusters. · by @U_RESPONDER via command',
    );
    expect(timeline.at(-1)).toBe('- 18:45 — **resolved** — Resolved · by @U_COMMANDER via command');
  });

  it('negative control: the checker reports a seed sentence recorded under the wrong kind', () => {
    // prepare
    const record = seedRecord();
    const misfiled = record.events.find((e) => e.text.startsWith('Initial focus on the database'));
    if (!misfiled) throw new Error('seed record lost its misleading event');
    misfiled.kind = 'action';

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    expect(missingSeedSentences(SEED, markdown)).toEqual([
      'Timeline/Misleading Paths: Initial focus on the database led to a temporary shutdown for maintenance, causing unnecessary downtime.',
    ]);
  });

  it('negative control: the checker reports a seed sentence whose section heading is renamed', () => {
    // prepare
    const markdown = compilePostmortem(seedRecord(), UTC);

    // act
    const renamed = markdown.replace('### Tasks', '### To do');

    // assess
    expect(missingSeedSentences(SEED, renamed)).toHaveLength(4);
  });
});

describe('compilePostmortem: structure', () => {
  it.each([
    ['the seed incident', seedRecord()],
    ['an incident with nothing recorded', emptyRecord()],
  ])('writes exactly the product headings in order for %s', (_name, record) => {
    // prepare
    const expected = [
      `# INC-7: ${record.incident.title} — Postmortem`,
      ...PRODUCT_HEADINGS,
      ...EXTRA_HEADINGS,
    ];

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    expect(headingsOf(markdown)).toEqual(expected);
  });

  it('says so in every section that has nothing recorded', () => {
    // prepare
    const record = emptyRecord();

    // act
    const sections = sectionsOfPostmortem(compilePostmortem(record, UTC));

    // assess
    for (const path of [
      'Timeline/Detection Method',
      'Timeline/Actions Taken',
      'Timeline/Misleading Paths',
      'Timeline/Escalation',
      'Timeline/Resolution',
      'Root Cause and Resolution/Root Cause',
      'Corrective and Preventative Measures/Improvements/Fixes',
      'Corrective and Preventative Measures/Tasks',
      'Full Timeline',
    ]) {
      expect([path, sections.get(path)]).toEqual([path, 'None recorded.']);
    }
    for (const path of [
      'Issue Summary/Impact',
      'Issue Summary/Root Cause',
      'Root Cause and Resolution/Resolution',
    ]) {
      expect([path, sections.get(path)]).toEqual([path, 'Not recorded yet.']);
    }
  });

  it('shows n/a for metrics of an incident never acknowledged, escalated or resolved', () => {
    // prepare
    const record = emptyRecord();

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    expect(linesUnder(markdown, '## Metrics')).toEqual([
      '- Time to acknowledge: n/a',
      '- Time to first escalation: n/a',
      '- Time to resolve: n/a',
    ]);
  });

  it('shows an unassigned commander and an unknown channel in the facts block', () => {
    // prepare
    const record = emptyRecord();

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    const facts = markdown.slice(0, markdown.indexOf('## Issue Summary'));
    expect(facts).toContain('Commander:** unassigned');
    expect(facts).toContain('Channel:** not recorded');
  });

  it('orders events by time even when the record lists them out of order', () => {
    // prepare
    const record = emptyRecord();
    record.events = [event('action', at('16:00'), 'second'), event('action', at('15:45'), 'first')];

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    expect(linesUnder(markdown, '### Actions Taken')).toEqual(['- 15:45 — first', '- 16:00 — second']);
  });

  it('keeps notes out of the seed sections and in the full timeline', () => {
    // prepare
    const record = emptyRecord();
    record.events = [event('note', at('15:45'), 'Customer support is fielding calls.')];

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    const sections = sectionsOfPostmortem(markdown);
    const holding = [...sections]
      .filter(([, body]) => body.includes('Customer support'))
      .map(([path]) => path);
    expect(holding).toEqual(['Full Timeline']);
  });
});

describe('compilePostmortem: times', () => {
  function overnight(): IncidentRecord {
    const record = emptyRecord({
      startedAt: '2024-02-18T23:30:00.000Z',
      declaredAt: '2024-02-18T23:30:00.000Z',
      status: 'resolved',
      resolvedAt: '2024-02-19T01:15:00.000Z',
    });
    record.events = [
      event('detection', '2024-02-18T23:30:00.000Z', 'Alarm on checkout latency.'),
      event('action', '2024-02-18T23:50:00.000Z', 'Drained node pool b.'),
      event('escalation', '2024-02-19T00:10:00.000Z', 'Paged the database team.', { team: 'dba' }),
      event('resolution', '2024-02-19T01:05:00.000Z', 'Failed over to the replica.'),
      event('resolved', '2024-02-19T01:15:00.000Z', 'Resolved'),
    ];
    return record;
  }

  it('dates every event bullet of an incident that crosses midnight, and totals 1 hour 45 minutes', () => {
    // prepare
    const record = overnight();

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    const eventBullets = [
      '### Detection Method',
      '### Actions Taken',
      '### Escalation',
      '## Full Timeline',
    ].flatMap((heading) => linesUnder(markdown, heading));
    eventBullets.push(...linesUnder(markdown, '### Resolution', 0));
    expect(eventBullets).toHaveLength(9);
    for (const bullet of eventBullets) expect(bullet).toMatch(/^- [A-Z][a-z]{2} \d{1,2} \d\d:\d\d — /);
    expect(linesUnder(markdown, '### Escalation')).toEqual([
      '- Feb 19 00:10 — Paged the database team. — team paged: dba — not acknowledged',
    ]);
    expect(linesUnder(markdown, '### Actions Taken')).toEqual(['- Feb 18 23:50 — Drained node pool b.']);
    expect(linesUnder(markdown, '### Duration')).toContain('- Total: 1 hour 45 minutes');
  });

  it('judges crossing midnight in the configured zone, where the same night may be one day', () => {
    // prepare
    const record = overnight();

    // act
    const markdown = compilePostmortem(record, { tz: 'America/New_York', now: UTC.now });

    // assess
    expect(linesUnder(markdown, '### Escalation')).toEqual([
      '- 19:10 — Paged the database team. — team paged: dba — not acknowledged',
    ]);
    expect(linesUnder(markdown, '### Duration')[0]).toBe('- Start Time: February 18, 2024, 18:30 EST');
  });

  it('drafts an unresolved incident as ongoing, totalled up to the compile time', () => {
    // prepare
    const record = emptyRecord();

    // act
    const markdown = compilePostmortem(record, { tz: 'UTC', now: '2024-02-18T16:05:30.000Z' });

    // assess
    expect(linesUnder(markdown, '### Duration')).toEqual([
      '- Start Time: February 18, 2024, 15:30 UTC',
      '- End Time: ongoing (draft compiled February 18, 2024, 16:05 UTC)',
      '- Total: 35 minutes so far (still ongoing)',
    ]);
    expect(markdown).toContain('Status:** investigating');
  });

  it('dates the events of an unresolved incident once the draft is compiled on a later day', () => {
    // prepare
    const record = emptyRecord({
      startedAt: '2024-02-18T23:30:00.000Z',
      declaredAt: '2024-02-18T23:30:00.000Z',
    });
    record.events = [event('action', '2024-02-18T23:40:00.000Z', 'Restarted lb-2.')];

    // act
    const markdown = compilePostmortem(record, { tz: 'UTC', now: '2024-02-19T00:20:00.000Z' });

    // assess
    expect(linesUnder(markdown, '### Actions Taken')).toEqual(['- Feb 18 23:40 — Restarted lb-2.']);
  });
});

describe('compilePostmortem: people', () => {
  it('shows owners by name, by id when no name is known, and unassigned without an owner', () => {
    // prepare
    const record = emptyRecord();
    record.followUps = [
      followUp('fix', 'Alert on uneven load balancer traffic.', 'U_ALICE', '2024-02-18T18:40:00.000Z'),
      followUp('fix', 'Add a rollback runbook.', 'U_NONAME', '2024-02-18T18:41:00.000Z'),
      followUp('task', 'Audit critical configurations quarterly.', undefined, '2024-02-18T18:42:00.000Z'),
    ];

    // act
    const markdown = compilePostmortem(record, { ...UTC, names: { U_ALICE: 'alice' } });

    // assess
    expect(linesUnder(markdown, '### Improvements/Fixes')).toEqual([
      '- Alert on uneven load balancer traffic. — owner: @alice',
      '- Add a rollback runbook. — owner: @U_NONAME',
    ]);
    expect(linesUnder(markdown, '### Tasks')).toEqual([
      '- Audit critical configurations quarterly. — owner: unassigned',
    ]);
  });

  it('lists commander, declarer and event authors once each, by name, without the bot', () => {
    // prepare
    const record = emptyRecord({ commander: 'U_MARIA', declaredBy: 'U_OMAR' });
    record.events = [
      event('escalation', at('15:30'), 'Paged oncall.', { author: 'bot', team: 'oncall' }),
      event('action', at('15:35'), 'Restarted lb-2.', { author: 'U_LEE' }),
      event('action', at('15:40'), 'Restarted lb-3.', { author: 'U_LEE' }),
      event('note', at('15:45'), 'Status page updated.', { author: 'U_MARIA' }),
    ];

    // act
    const markdown = compilePostmortem(record, { ...UTC, names: { U_MARIA: 'maria', U_LEE: 'lee' } });

    // assess
    expect(linesUnder(markdown, '## Responders')).toEqual([
      '- @maria (commander)',
      '- @U_OMAR (declared the incident)',
      '- @lee',
    ]);
  });
});

describe('compilePostmortem: responder text', () => {
  it('keeps multi-line event text in one bullet and a leading # out of the headings', () => {
    // prepare
    const record = emptyRecord({ impact: '# Logins down\nfor 30% of users' });
    record.events = [event('action', at('15:40'), 'Restarted lb-2.\nThen lb-3.\n\n# not a heading')];
    record.followUps = [followUp('task', '## Review\nthe runbook', 'U_ALICE')];

    // act
    const markdown = compilePostmortem(record, UTC);

    // assess
    expect(linesUnder(markdown, '### Actions Taken')).toEqual([
      '- 15:40 — Restarted lb-2. Then lb-3. # not a heading',
    ]);
    expect(linesUnder(markdown, '### Impact')).toEqual(['\\# Logins down for 30% of users']);
    expect(linesUnder(markdown, '### Tasks')).toEqual(['- \\## Review the runbook — owner: @U_ALICE']);
    expect(headingsOf(markdown)).toHaveLength(1 + PRODUCT_HEADINGS.length + EXTRA_HEADINGS.length);
  });

  it('never lets any responder text change the document structure', () => {
    const text = fc.oneof(
      fc.string(),
      fc
        .array(fc.constantFrom('#', '## x', '```', '~~~', '\n', '\r\n', ' ', 'word', '-', '---', '==='), {
          maxLength: 12,
        })
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, text, text, text, (title, prose, eventText, followUpText) => {
        // prepare
        const record = emptyRecord({ title, impact: prose, rootCause: prose, resolution: prose });
        record.events = [event('action', at('15:40'), eventText), event('cause', at('15:50'), eventText)];
        record.followUps = [followUp('fix', followUpText, 'U_ALICE')];

        // act
        const markdown = compilePostmortem(record, UTC);

        // assess
        const lines = markdown.split('\n');
        const structure = lines.filter((line) => /^(#|```|~~~)/.test(line));
        expect(structure.slice(1)).toEqual([...PRODUCT_HEADINGS, ...EXTRA_HEADINGS]);
        expect(structure[0]).toMatch(/^# INC-7: .* — Postmortem$/);
        // A `===` or `---` line right under text would turn that text into a heading.
        const setext = lines.filter(
          (line, i) => i > 0 && lines[i - 1] !== '' && /^\s*(=+|-+)\s*$/.test(line),
        );
        expect(setext).toEqual([]);
      }),
    );
  });
});

describe('postmortemFileName', () => {
  it('names the file after the incident id', () => {
    // prepare
    const record = emptyRecord({ number: 7 });

    // act
    const name = postmortemFileName(record.incident);

    // assess
    expect(name).toBe('INC-7.md');
  });
});

describe('compilePostmortem: people by name in every section', () => {
  it('shows mentions in Impact, Root Cause, Resolution and follow-ups by name, else by label or id', () => {
    // prepare
    const record: IncidentRecord = {
      incident: incident({
        impact: '<@U0BOB|bob> saw checkout fail',
        rootCause: 'config pushed by <@U0CAROL>',
        resolution: 'reverted by <@U0DAN|dan>',
      }),
      events: [],
      followUps: [followUp('fix', 'ask <@U0BOB> for a canary', 'U0CAROL')],
    };

    // act
    const doc = compilePostmortem(record, { ...UTC, names: { U0BOB: 'Bob B', U0CAROL: 'Carol' } });

    // assess
    expect(mentionedUsers(record).sort()).toEqual(['U0BOB', 'U0CAROL', 'U0DAN']);
    expect(linesUnder(doc, '### Impact')).toEqual(['@Bob B saw checkout fail']);
    expect(linesUnder(doc, '### Root Cause')).toEqual(['config pushed by @Carol']);
    expect(linesUnder(doc, '### Resolution', 1)).toEqual(['reverted by @dan']);
    expect(linesUnder(doc, '### Improvements/Fixes')).toEqual(['- ask @Bob B for a canary — owner: @Carol']);
  });
});

describe('withMentions: confirmations', () => {
  it('keeps user mentions real (without their label) and escapes everything else', () => {
    expect(withMentions('<@U0BOB|bob> & <@W0X> <!channel> <https://x.example|y>')).toBe(
      '<@U0BOB> &amp; <@W0X> &lt;!channel&gt; &lt;https://x.example|y&gt;',
    );
    expect(withMentions('no mentions <here>')).toBe('no mentions &lt;here&gt;');
  });
});
