/**
 * `/incident stats [30d|90d|365d]`: the incidents of the period by severity, their time to acknowledge
 * and resolve (median, p90) against the period before, the alerts that declared most of them and the
 * open follow-ups. Read from the store's index (never a scan); nothing is written.
 */
import { z } from 'zod';
import type { Part } from '../message';
import {
  DEFAULT_STATS_PERIOD,
  type IncidentStats,
  incidentStats,
  periodDays,
  type Spread,
  STATS_PERIODS,
  shortDuration,
  statsReadFrom,
} from '../stats';
import { generalVerb } from '../verb';
import { orList, quote, Refusal, refuseExtra } from '../words';

export const stats = generalVerb({
  words: {
    stats: {
      syntax: '/incident stats [30d|90d|365d]',
      summary: 'incidents, time to acknowledge and resolve, against the period before',
      effect:
        'the incidents declared in the last 30 days (or 90, or 365) by severity, with the time to acknowledge and to resolve (median and p90) of each severity against the period before, the alerts that declared most of them and the open follow-ups; only to you',
    },
  },
  schema: z.strictObject({ verb: z.literal('stats'), period: z.enum(STATS_PERIODS) }),
  parse: (words) => {
    const token = words.take();
    const period =
      token === undefined ? DEFAULT_STATS_PERIOD : STATS_PERIODS.find((p) => p === token.toLowerCase());
    if (!period) {
      throw new Refusal(`${quote(token ?? '')} is not a period; use ${orList(STATS_PERIODS)}.`);
    }
    refuseExtra(words, 'stats takes at most a period');
    return { verb: 'stats' as const, period };
  },
  answer: async (intent, tools) => {
    const days = periodDays(intent.period);
    const [incidents, followUps] = await Promise.all([
      tools.incidentsDeclaredSince(statsReadFrom(tools.now, days)),
      tools.followUps(),
    ]);
    const result = incidentStats(incidents, followUps, { now: tools.now, days });
    return { visibility: 'user', message: heading(result), lines: statsLines(result) };
  },
});

function heading(stats: IncidentStats): Part[] {
  const parts: Part[] = [
    { strong: `${plural(stats.incidents, 'incident')} in the last ${stats.days} days` },
    ` (${stats.previousIncidents} in the ${stats.days} days before)`,
  ];
  if (stats.unresolved > 0) parts.push(`, ${stats.unresolved} still open`);
  return [...parts, '.'];
}

function statsLines(stats: IncidentStats): Part[][] {
  const lines: Part[][] = [];
  for (const s of stats.bySeverity) {
    if (s.incidents === 0 && s.previousIncidents === 0) continue;
    lines.push([
      { strong: s.severity },
      `: ${s.incidents} (${s.previousIncidents} before)`,
      ` · acknowledged ${times(s.acknowledge, s.previousAcknowledge)}`,
      ` · resolved ${times(s.resolve, s.previousResolve)}`,
    ]);
  }
  if (stats.topSources.length > 0) {
    const sources: Part[] = ['Top alert sources: '];
    stats.topSources.forEach((source, i) => {
      if (i > 0) sources.push(', ');
      sources.push({ quoted: source.source, max: 80 }, ` (${source.incidents})`);
    });
    lines.push([...sources, `; ${stats.declaredByPeople} declared by people.`]);
  } else if (stats.incidents > 0) {
    lines.push([`No incident was declared by an alert; ${stats.declaredByPeople} declared by people.`]);
  }
  lines.push(
    stats.openFollowUps === 0
      ? ['No open follow-ups.']
      : [
          `${plural(stats.openFollowUps, 'open follow-up')}, the oldest ${plural(stats.oldestOpenFollowUpDays ?? 0, 'day')} old: `,
          { code: '/incident followups' },
        ],
  );
  return lines;
}

/** `median 4m, p90 12m (was 6m)`, or `n/a` when none was. */
function times(now: Spread, before: Spread): string {
  if (now.medianMs === undefined || now.p90Ms === undefined) return 'n/a';
  const was = before.medianMs === undefined ? '' : ` (was ${shortDuration(before.medianMs)})`;
  return `median ${shortDuration(now.medianMs)}, p90 ${shortDuration(now.p90Ms)}${was}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
