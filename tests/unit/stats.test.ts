/**
 * Insights across incidents (lambda/incidents/stats.ts) and the `/incident stats` verb's parsing and
 * answer, on incidents built here: the store's part is tests/integration/stats.test.ts.
 */
import { parseCommand, usageFor } from '../../lambda/incidents/grammar';
import { plainText } from '../../lambda/incidents/message';
import {
  incidentStats,
  shortDuration,
  spread,
  statsReadFrom,
  timeToAcknowledgeMs,
  timeToResolveMs,
  weeklyTrend,
} from '../../lambda/incidents/stats';
import type { FollowUp, Incident } from '../../lambda/incidents/types';
import type { VerbTools } from '../../lambda/incidents/verb';
import { stats as statsVerb } from '../../lambda/incidents/verbs/stats';
import { anIncidentNumbered } from '../fixtures/incidents';

const NOW = '2026-12-02T12:00:00.000Z';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const at = (msBeforeNow: number) => new Date(Date.parse(NOW) - msBeforeNow).toISOString();
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** An incident declared `daysAgo` days before NOW, acknowledged and resolved after the minutes given. */
function incident(
  number: number,
  daysAgo: number,
  options: Partial<Incident> & { ackMinutes?: number; resolveMinutes?: number } = {},
): Incident {
  const { ackMinutes, resolveMinutes, ...overrides } = options;
  const declaredAt = at(daysAgo * DAY);
  return anIncidentNumbered(number, {
    startedAt: declaredAt,
    declaredAt,
    ...(ackMinutes !== undefined ? { acknowledgedAt: plus(declaredAt, ackMinutes * MINUTE) } : {}),
    ...(resolveMinutes !== undefined
      ? { status: 'resolved', resolvedAt: plus(declaredAt, resolveMinutes * MINUTE) }
      : {}),
    ...overrides,
  });
}

function followUp(id: string, daysAgo: number, closed = false): FollowUp {
  return {
    id,
    incidentId: 'INC-1',
    type: 'task',
    text: 'Add a canary',
    author: 'U0ALICE',
    createdAt: at(daysAgo * DAY),
    ...(closed ? { ticketState: 'closed' as const } : {}),
  };
}

describe('spread', () => {
  it('takes the middle value of an odd count and the mean of the two middle ones of an even count', () => {
    expect(spread([5, 1, 3])).toEqual({ count: 3, medianMs: 3, p90Ms: 5 });
    expect(spread([4, 1, 3, 2]).medianMs).toBe(2.5);
  });

  it('takes the nearest-rank 90th percentile', () => {
    const tenToHundred = Array.from({ length: 10 }, (_, i) => (i + 1) * 10);
    expect(spread(tenToHundred).p90Ms).toBe(90);
    expect(spread([...tenToHundred, 110]).p90Ms).toBe(100);
  });

  it('has no median and no p90 for no values', () => {
    expect(spread([])).toEqual({ count: 0 });
  });
});

describe('time to acknowledge and resolve', () => {
  it('waits for the acknowledgement from the declaration, and resolves from the start', () => {
    const backDated = incident(1, 1, {
      startedAt: at(DAY + 30 * MINUTE),
      ackMinutes: 4,
      resolveMinutes: 60,
    });
    expect(timeToAcknowledgeMs(backDated)).toBe(4 * MINUTE);
    expect(timeToResolveMs(backDated)).toBe(90 * MINUTE);
  });

  it('waits from the start when a back-dated incident was acknowledged before it was declared', () => {
    const declaredAt = at(DAY);
    const early = incident(1, 1, {
      startedAt: at(DAY + 30 * MINUTE),
      acknowledgedAt: at(DAY + 20 * MINUTE),
      declaredAt,
    });
    expect(timeToAcknowledgeMs(early)).toBe(10 * MINUTE);
  });

  it('has none for an incident not acknowledged or still open', () => {
    expect(timeToAcknowledgeMs(incident(1, 1))).toBeUndefined();
    expect(timeToResolveMs(incident(1, 1))).toBeUndefined();
  });
});

describe('incidentStats', () => {
  const incidents = [
    incident(1, 70), // before both periods (30d): not counted
    incident(2, 45, { severity: 'sev1', ackMinutes: 10, resolveMinutes: 200 }),
    incident(3, 31, {
      severity: 'sev2',
      ackMinutes: 8,
      resolveMinutes: 100,
      alertSource: 'cloudwatch: ApiErrors',
    }),
    incident(4, 29, {
      severity: 'sev1',
      ackMinutes: 2,
      resolveMinutes: 60,
      alertSource: 'alertmanager: HighErrorRate',
    }),
    incident(5, 10, {
      severity: 'sev1',
      ackMinutes: 6,
      resolveMinutes: 120,
      alertSource: 'alertmanager: HighErrorRate',
    }),
    incident(6, 3, { severity: 'sev1', ackMinutes: 4, alertSource: 'cloudwatch: ApiErrors' }),
    incident(7, 1, { severity: 'sev3', alertSource: 'alertmanager: HighErrorRate' }),
    incident(8, 0.5, { severity: 'sev3' }),
  ];
  const followUps = [followUp('a', 50), followUp('b', 20), followUp('c', 5, true)];
  const stats = incidentStats(incidents, followUps, { now: NOW, days: 30 });

  it('counts the period and the period before, by severity', () => {
    expect(stats.incidents).toBe(5);
    expect(stats.previousIncidents).toBe(2);
    expect(stats.unresolved).toBe(3);
    expect(stats.bySeverity.map((s) => [s.severity, s.incidents, s.previousIncidents])).toEqual([
      ['sev1', 3, 1],
      ['sev2', 0, 1],
      ['sev3', 2, 0],
      ['sev4', 0, 0],
    ]);
  });

  it('gives the median and p90 of each severity, now and before', () => {
    const sev1 = stats.bySeverity[0];
    expect(sev1?.acknowledge).toEqual({ count: 3, medianMs: 4 * MINUTE, p90Ms: 6 * MINUTE });
    expect(sev1?.resolve).toEqual({ count: 2, medianMs: 90 * MINUTE, p90Ms: 120 * MINUTE });
    expect(sev1?.previousAcknowledge.medianMs).toBe(10 * MINUTE);
    expect(sev1?.previousResolve.medianMs).toBe(200 * MINUTE);
  });

  it('ranks the alerts that declared the most incidents, and counts the ones people declared', () => {
    expect(stats.topSources).toEqual([
      { source: 'alertmanager: HighErrorRate', incidents: 3 },
      { source: 'cloudwatch: ApiErrors', incidents: 1 },
    ]);
    expect(stats.declaredByPeople).toBe(1);
  });

  it("counts follow-ups not closed, of every period, with the oldest one's age", () => {
    expect(stats.openFollowUps).toBe(2);
    expect(stats.oldestOpenFollowUpDays).toBe(50);
  });

  it('reads from the start of the period before', () => {
    expect(statsReadFrom(NOW, 30)).toBe(at(60 * DAY));
  });
});

describe('weeklyTrend', () => {
  it('gives every calendar week in the zone, oldest first, with zeros for quiet weeks', () => {
    // 2026-12-02 is a Wednesday: the current week started on Monday 2026-11-30.
    const trend = weeklyTrend(
      [incident(1, 1, { resolveMinutes: 30 }), incident(2, 1.5, { resolveMinutes: 90 }), incident(3, 16)],
      { now: NOW, weeks: 4, tz: 'Europe/Berlin' },
    );
    expect(trend.map((w) => [w.week, w.incidents])).toEqual([
      ['2026-11-09', 0],
      ['2026-11-16', 1],
      ['2026-11-23', 0],
      ['2026-11-30', 2],
    ]);
    expect(trend[3]?.resolve.medianMs).toBe(60 * MINUTE);
    expect(trend[1]?.resolve.count).toBe(0);
  });

  it('puts an incident declared late on Sunday in UTC into the next week in a zone ahead of UTC', () => {
    const sundayNight = anIncidentNumbered(1, { declaredAt: '2026-11-29T23:30:00.000Z' });
    const berlin = weeklyTrend([sundayNight], { now: NOW, weeks: 2, tz: 'Europe/Berlin' });
    const utc = weeklyTrend([sundayNight], { now: NOW, weeks: 2, tz: 'UTC' });
    expect(berlin.map((w) => w.incidents)).toEqual([0, 1]);
    expect(utc.map((w) => w.incidents)).toEqual([1, 0]);
  });
});

describe('shortDuration', () => {
  it.each([
    [45_000, '45s'],
    [12 * MINUTE, '12m'],
    [185 * MINUTE, '3h 05m'],
    [2 * DAY + 4 * 60 * MINUTE, '2d 4h'],
  ])('%d ms is %s', (ms, text) => {
    expect(shortDuration(ms)).toBe(text);
  });
});

describe('/incident stats', () => {
  function tools(incidents: Incident[], followUps: FollowUp[] = []): VerbTools & { readFrom: string[] } {
    const readFrom: string[] = [];
    return {
      readFrom,
      now: NOW,
      tz: 'Europe/Berlin',
      userId: 'U0ASKER',
      requestId: 't-1.2',
      overrides: {
        addOnCallOverride: async () => true,
        listOnCallOverrides: async () => [],
        removeOnCallOverride: async () => undefined,
      },
      followUps: async () => followUps,
      incidentsDeclaredSince: async (fromIso) => {
        readFrom.push(fromIso);
        return incidents.filter((i) => i.declaredAt >= fromIso);
      },
      listOpen: async () => [],
      declare: async () => {
        throw new Error('stats declares nothing');
      },
      reference: '',
      usage: usageFor,
    };
  }

  it.each([
    ['stats', '30d'],
    ['stats 90d', '90d'],
    ['stats 365D', '365d'],
  ])('reads `%s` as the period %s', (text, period) => {
    expect(parseCommand(text)).toEqual({ ok: true, intent: { verb: 'stats', period } });
  });

  it.each([
    ['stats 7d', "'7d' is not a period; use 30d, 90d or 365d."],
    ['stats 30d sev1', "Unexpected 'sev1'; stats takes at most a period."],
  ])('refuses `%s`', (text, error) => {
    const parsed = parseCommand(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toContain(error);
  });

  it('answers the period against the one before, per severity, with sources and follow-ups', async () => {
    const t = tools(
      [
        incident(1, 100, { severity: 'sev1', ackMinutes: 9, resolveMinutes: 300 }),
        incident(2, 10, {
          severity: 'sev1',
          ackMinutes: 3,
          resolveMinutes: 75,
          alertSource: 'alertmanager: <!channel> up',
        }),
        incident(3, 2, { severity: 'sev2' }),
      ],
      [followUp('a', 12)],
    );

    const outcome = await statsVerb.answer({ verb: 'stats', period: '90d' }, t);

    expect(t.readFrom).toEqual([at(180 * DAY)]);
    expect(outcome.visibility).toBe('user');
    expect(plainText(outcome.message)).toBe(
      '2 incidents in the last 90 days (1 in the 90 days before), 1 still open.',
    );
    const lines = (outcome.lines ?? []).map(plainText);
    expect(lines).toEqual([
      'sev1: 1 (1 before) · acknowledged median 3m, p90 3m (was 9m) · resolved median 1h 15m, p90 1h 15m (was 5h 00m)',
      'sev2: 1 (0 before) · acknowledged n/a · resolved n/a',
      'Top alert sources: alertmanager: <!channel> up (1); 1 declared by people.',
      '1 open follow-up, the oldest 12 days old: `/incident followups`',
    ]);
    // An alert's name is not ours: it is quoted, so Slack shows it inert.
    expect(outcome.lines?.[2]).toContainEqual({ quoted: 'alertmanager: <!channel> up', max: 80 });
  });

  it('says so when there were no incidents and no follow-ups', async () => {
    const outcome = await statsVerb.answer({ verb: 'stats', period: '30d' }, tools([]));
    expect(plainText(outcome.message)).toBe('0 incidents in the last 30 days (0 in the 30 days before).');
    expect((outcome.lines ?? []).map(plainText)).toEqual(['No open follow-ups.']);
  });
});
