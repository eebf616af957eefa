/**
 * lambda/incidents/incident.ts `decide()`: what each verb records on an existing incident, and every
 * refusal with the message the responder reads. Pure: an incident, an intent and a fixed moment in;
 * a decision (or an IncidentError) out. No store, no Slack, no clock.
 */
import { IncidentError, type IncidentErrorCode } from '../../lambda/incidents/errors';
import {
  type DecideContext,
  type Decision,
  decide,
  LATE_MARK,
  MAX_TEXT_LENGTH,
} from '../../lambda/incidents/incident';
import type { IncidentIntent } from '../../lambda/incidents/intents';
import type { Incident } from '../../lambda/incidents/types';
import { renderMessage } from '../../lambda/slack/message';
import { anIncident } from '../fixtures/incidents';

// anIncident() started and was declared at 15:30Z, is sev2, investigating, led by nobody (set below).
const NOW = '2024-02-18T16:00:00.000Z';
const CTX: DecideContext = { now: NOW, tz: 'UTC', actor: 'U0BOB' };
const OPEN = anIncident({ commander: 'U0ALICE' });
const RESOLVED = anIncident({
  commander: 'U0ALICE',
  status: 'resolved',
  resolvedAt: '2024-02-18T15:50:00.000Z',
  resolvedBy: 'U0ALICE',
});
const ACKED = anIncident({
  commander: 'U0ALICE',
  acknowledgedAt: '2024-02-18T15:35:00.000Z',
  acknowledgedBy: 'U0CAROL',
});
const LEADERLESS = anIncident();

const clock = (hour: number, minute: number) => ({ type: 'clock' as const, hour, minute });
const instant = (iso: string) => ({ type: 'instant' as const, iso });
const long = 'x'.repeat(MAX_TEXT_LENGTH + 1);

describe('decide: what each verb records', () => {
  const cases: [string, Incident, IncidentIntent, Decision][] = [
    [
      'a log entry without a time is stamped now',
      OPEN,
      { verb: 'log', kind: 'action', text: 'Rolled back' },
      { event: { at: NOW, kind: 'action', text: 'Rolled back' } },
    ],
    [
      'a log entry at HH:MM falls on the day the incident started',
      OPEN,
      { verb: 'log', kind: 'detection', text: 'Alarm fired', time: clock(15, 45) },
      { event: { at: '2024-02-18T15:45:00.000Z', kind: 'detection', text: 'Alarm fired' } },
    ],
    [
      'a log entry at an instant keeps that instant',
      OPEN,
      { verb: 'log', kind: 'note', text: 'Seen', time: instant('2024-02-18T15:31:00Z') },
      { event: { at: '2024-02-18T15:31:00.000Z', kind: 'note', text: 'Seen' } },
    ],
    [
      'a log entry after resolution without a time is stamped now and marked late',
      RESOLVED,
      { verb: 'log', kind: 'cause', text: 'Bad config' },
      { event: { at: NOW, kind: 'cause', text: `Bad config ${LATE_MARK}` } },
    ],
    [
      'a log entry after resolution at a time before the resolution is not marked late',
      RESOLVED,
      { verb: 'log', kind: 'action', text: 'Paged DBA', time: clock(15, 40) },
      { event: { at: '2024-02-18T15:40:00.000Z', kind: 'action', text: 'Paged DBA' } },
    ],
    [
      'impact sets the impact statement and records no event',
      OPEN,
      { verb: 'impact', text: '5% of checkouts fail' },
      { incident: { ...OPEN, impact: '5% of checkouts fail' } },
    ],
    [
      'impact may still be set after resolution',
      RESOLVED,
      { verb: 'impact', text: 'All EU users' },
      { incident: { ...RESOLVED, impact: 'All EU users' } },
    ],
    [
      'cause sets the root-cause summary and records no event',
      OPEN,
      { verb: 'cause', text: 'Expired certificate' },
      { incident: { ...OPEN, rootCause: 'Expired certificate' } },
    ],
    [
      'severity changes the severity and records the change',
      OPEN,
      { verb: 'severity', severity: 'sev1' },
      {
        incident: { ...OPEN, severity: 'sev1' },
        event: { at: NOW, kind: 'severity', text: 'Severity changed from sev2 to sev1' },
      },
    ],
    [
      'severity at a past time records the change at that time',
      OPEN,
      { verb: 'severity', severity: 'sev3', time: clock(15, 50) },
      {
        incident: { ...OPEN, severity: 'sev3' },
        event: {
          at: '2024-02-18T15:50:00.000Z',
          kind: 'severity',
          text: 'Severity changed from sev2 to sev3',
        },
      },
    ],
    [
      'status changes the status and records the change',
      OPEN,
      { verb: 'status', status: 'identified' },
      {
        incident: { ...OPEN, status: 'identified' },
        event: { at: NOW, kind: 'status', text: 'Status changed from investigating to identified' },
      },
    ],
    [
      'commander assigns a new commander',
      OPEN,
      { verb: 'commander', user: 'U0DAVE' },
      {
        incident: { ...OPEN, commander: 'U0DAVE' },
        event: { at: NOW, kind: 'commander', text: 'is now the incident commander', subject: 'U0DAVE' },
      },
    ],
    [
      'taking the lead of a leaderless incident makes the taker commander',
      LEADERLESS,
      { verb: 'commander', user: 'U0BOB', ifVacant: true },
      {
        incident: { ...LEADERLESS, commander: 'U0BOB' },
        event: { at: NOW, kind: 'commander', text: 'is now the incident commander', subject: 'U0BOB' },
      },
    ],
    [
      'ack records who acknowledged and when',
      OPEN,
      { verb: 'ack' },
      {
        incident: { ...OPEN, acknowledgedAt: NOW, acknowledgedBy: 'U0BOB' },
        event: { at: NOW, kind: 'acknowledged', text: 'acknowledged the page', subject: 'U0BOB' },
      },
    ],
    [
      'ack at a past time is acknowledged at that time',
      OPEN,
      { verb: 'ack', time: clock(15, 33) },
      {
        incident: { ...OPEN, acknowledgedAt: '2024-02-18T15:33:00.000Z', acknowledgedBy: 'U0BOB' },
        event: {
          at: '2024-02-18T15:33:00.000Z',
          kind: 'acknowledged',
          text: 'acknowledged the page',
          subject: 'U0BOB',
        },
      },
    ],
    [
      'a manual escalation to a team with a reason records the reason and the team',
      OPEN,
      { verb: 'escalate', team: 'sre', reason: 'Database is on fire' },
      { event: { at: NOW, kind: 'escalation', text: 'Database is on fire', team: 'sre' } },
    ],
    [
      'a manual escalation to a team without a reason says whom it escalated to',
      OPEN,
      { verb: 'escalate', team: 'dba' },
      { event: { at: NOW, kind: 'escalation', text: 'Escalated to dba', team: 'dba' } },
    ],
    [
      'a manual escalation with a reason and no team names no team',
      OPEN,
      { verb: 'escalate', reason: 'Need more hands' },
      { event: { at: NOW, kind: 'escalation', text: 'Need more hands' } },
    ],
    [
      'a bare manual escalation says "Escalated"',
      OPEN,
      { verb: 'escalate' },
      { event: { at: NOW, kind: 'escalation', text: 'Escalated' } },
    ],
    [
      'a manual escalation still goes out after acknowledgement',
      ACKED,
      { verb: 'escalate', team: 'sre', reason: 'Still down' },
      { event: { at: NOW, kind: 'escalation', text: 'Still down', team: 'sre' } },
    ],
    [
      'a fix with an owner is a follow-up with that owner',
      OPEN,
      { verb: 'follow-up', type: 'fix', text: 'Alert on cert expiry', owner: 'U0DAVE' },
      { followUp: { type: 'fix', text: 'Alert on cert expiry', owner: 'U0DAVE' } },
    ],
    [
      'a task without an owner is an unassigned follow-up',
      OPEN,
      { verb: 'follow-up', type: 'task', text: 'Write the runbook' },
      { followUp: { type: 'task', text: 'Write the runbook' } },
    ],
    [
      'a follow-up may be added after resolution',
      RESOLVED,
      { verb: 'follow-up', type: 'task', text: 'Review' },
      { followUp: { type: 'task', text: 'Review' } },
    ],
    [
      'resolve with a resolution resolves the incident and keeps the text',
      OPEN,
      { verb: 'resolve', resolution: 'Rolled back v42' },
      {
        incident: {
          ...OPEN,
          status: 'resolved',
          resolvedAt: NOW,
          resolvedBy: 'U0BOB',
          resolution: 'Rolled back v42',
        },
        event: { at: NOW, kind: 'resolved', text: 'resolved the incident', subject: 'U0BOB' },
      },
    ],
    [
      'resolve without a resolution stores no resolution text',
      OPEN,
      { verb: 'resolve', time: clock(15, 55) },
      {
        incident: {
          ...OPEN,
          status: 'resolved',
          resolvedAt: '2024-02-18T15:55:00.000Z',
          resolvedBy: 'U0BOB',
        },
        event: {
          at: '2024-02-18T15:55:00.000Z',
          kind: 'resolved',
          text: 'resolved the incident',
          subject: 'U0BOB',
        },
      },
    ],
    ['postmortem records nothing', OPEN, { verb: 'postmortem' }, {}],
    ['postmortem of a resolved incident records nothing', RESOLVED, { verb: 'postmortem' }, {}],
    [
      'free text of exactly the limit is accepted',
      OPEN,
      { verb: 'impact', text: 'y'.repeat(MAX_TEXT_LENGTH) },
      { incident: { ...OPEN, impact: 'y'.repeat(MAX_TEXT_LENGTH) } },
    ],
    [
      'the text limit counts characters, not UTF-16 units (3,000 emoji fit)',
      OPEN,
      { verb: 'cause', text: '🔥'.repeat(MAX_TEXT_LENGTH) },
      { incident: { ...OPEN, rootCause: '🔥'.repeat(MAX_TEXT_LENGTH) } },
    ],
  ];

  it.each(cases)('%s', (_name, incident, intent, expected) => {
    const before = structuredClone(incident);
    expect(decide(incident, intent, CTX)).toEqual(expected);
    // The incident as read is never changed in place: the service writes what is returned.
    expect(incident).toEqual(before);
  });
});

describe('decide: refusals, each with the message the responder reads', () => {
  const resolvedAt = 'February 18, 2024, 15:50 UTC';
  const cases: [string, Incident, IncidentIntent, IncidentErrorCode, string][] = [
    ...(['severity', 'status', 'commander', 'ack', 'escalate'] as const).map(
      (verb): [string, Incident, IncidentIntent, IncidentErrorCode, string] => [
        `\`${verb}\` on a resolved incident is refused: it needs an open incident`,
        RESOLVED,
        verb === 'severity'
          ? { verb, severity: 'sev1' }
          : verb === 'status'
            ? { verb, status: 'monitoring' }
            : verb === 'commander'
              ? { verb, user: 'U0DAVE' }
              : { verb },
        'NOT_OPEN',
        `INC-7 was resolved at ${resolvedAt}; \`${verb}\` needs an open incident.`,
      ],
    ),
    [
      'resolving twice is refused as already resolved',
      RESOLVED,
      { verb: 'resolve', resolution: 'again' },
      'ALREADY_RESOLVED',
      `INC-7 was resolved at ${resolvedAt}; \`resolve\` needs an open incident.`,
    ],
    [
      'setting the severity it already has is refused',
      OPEN,
      { verb: 'severity', severity: 'sev2' },
      'NO_CHANGE',
      'INC-7 is already sev2.',
    ],
    [
      'setting the status it already has is refused',
      OPEN,
      { verb: 'status', status: 'investigating' },
      'NO_CHANGE',
      'INC-7 is already investigating.',
    ],
    [
      'assigning the current commander again is refused',
      OPEN,
      { verb: 'commander', user: 'U0ALICE' },
      'NO_CHANGE',
      '<@U0ALICE> is already the commander of INC-7.',
    ],
    [
      'taking the lead when someone else leads is refused, naming the leader',
      OPEN,
      { verb: 'commander', user: 'U0BOB', ifVacant: true },
      'NO_CHANGE',
      '<@U0ALICE> is already leading INC-7; nothing was changed.',
    ],
    [
      'taking the lead when you already lead is refused',
      OPEN,
      { verb: 'commander', user: 'U0ALICE', ifVacant: true },
      'NO_CHANGE',
      'You are already leading INC-7.',
    ],
    [
      'acknowledging twice is refused, naming who acknowledged and when',
      ACKED,
      { verb: 'ack' },
      'ALREADY_ACKNOWLEDGED',
      'INC-7 was already acknowledged by <@U0CAROL> at February 18, 2024, 15:35 UTC.',
    ],
    [
      'a time in the future is refused',
      OPEN,
      { verb: 'log', kind: 'note', text: 'later', time: instant('2024-02-18T16:30:00Z') },
      'TIME_IN_FUTURE',
      'February 18, 2024, 16:30 UTC is in the future.',
    ],
    [
      'an HH:MM later today than now is refused as in the future',
      OPEN,
      { verb: 'status', status: 'monitoring', time: clock(16, 5) },
      'TIME_IN_FUTURE',
      'February 18, 2024, 16:05 UTC is in the future.',
    ],
    [
      'a time before the incident started is refused',
      OPEN,
      { verb: 'ack', time: instant('2024-02-18T15:00:00Z') },
      'TIME_BEFORE_START',
      'February 18, 2024, 15:00 UTC is before the incident started (February 18, 2024, 15:30 UTC).',
    ],
    [
      'a log entry timed after the resolution of a resolved incident is refused',
      RESOLVED,
      { verb: 'log', kind: 'note', text: 'late', time: clock(15, 55) },
      'TIME_AFTER_RESOLUTION',
      `The incident was resolved at ${resolvedAt}; give a time at or before it.`,
    ],
    ...(
      [
        ['log text', { verb: 'log', kind: 'note', text: long }],
        ['impact statement', { verb: 'impact', text: long }],
        ['root-cause summary', { verb: 'cause', text: long }],
        ['follow-up', { verb: 'follow-up', type: 'fix', text: long }],
        ['resolution', { verb: 'resolve', resolution: long }],
        ['escalation reason', { verb: 'escalate', team: 'sre', reason: long }],
      ] as [string, IncidentIntent][]
    ).map(([field, intent]): [string, Incident, IncidentIntent, IncidentErrorCode, string] => [
      `the ${field} over the limit is refused, never cut`,
      OPEN,
      intent,
      'TEXT_TOO_LONG',
      `The ${field} is 3,001 characters long; keep it to 3,000 or fewer. Nothing was recorded.`,
    ]),
  ];

  it.each(cases)('%s', (_name, incident, intent, code, message) => {
    let thrown: unknown;
    try {
      decide(incident, intent, CTX);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IncidentError);
    expect(thrown).toMatchObject({ code });
    // As the responder reads it in Slack: people as mentions.
    expect(renderMessage((thrown as IncidentError).said)).toBe(message);
  });
});
