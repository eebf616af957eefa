/**
 * The key of every kind of item in the table, built in one place. `itemKey` has exactly the kinds
 * `ITEM_KINDS` (store/table.ts) lists, so a new kind cannot be written without being listed there.
 */
import { ITEM_KINDS, type ItemKindName, TABLE } from './table';

const { partitionKey: PK, sortKey: SK } = TABLE;

/** An item's primary key: `{ pk, sk }` under the table's attribute names. */
export type ItemKey = { [PK]: string; [SK]: string };

const key = (pk: string, sk: string): ItemKey => ({ [PK]: pk, [SK]: sk });

export const META = 'META';

/** Partition keys that hold many items, for queries. */
export const partition = {
  incident: (incidentId: string) => `INCIDENT#${incidentId}`,
  timers: 'TIMER',
  jobs: 'JOBS',
  oncallOverrides: 'ONCALL-OVERRIDES',
} as const;

/** Sort-key prefixes that tell an incident partition's items apart (its META is the incident). */
export const incidentSortPrefix = { event: 'EVENT#', followUp: 'FOLLOWUP#', step: 'STEP#' } as const;

export const itemKey = {
  incident: (incidentId: string) => key(partition.incident(incidentId), META),
  event: (incidentId: string, eventId: string) =>
    key(partition.incident(incidentId), `${incidentSortPrefix.event}${eventId}`),
  followUp: (incidentId: string, followUpId: string) =>
    key(partition.incident(incidentId), `${incidentSortPrefix.followUp}${followUpId}`),
  step: (incidentId: string, name: string) =>
    key(partition.incident(incidentId), `${incidentSortPrefix.step}${name}`),
  channelLink: (channelId: string) => key(`CHANNEL#${channelId}`, META),
  counter: () => key('COUNTER', 'INCIDENT'),
  claim: (claimKey: string) => key(`CLAIM#${claimKey}`, META),
  request: (requestKey: string) => key(`REQUEST#${requestKey}`, META),
  timer: (dueAt: string, timerId: string) => key(partition.timers, `${dueAt}#${timerId}`),
  timerId: (timerId: string) => key(`TIMER#${timerId}`, META),
  job: (jobId: string) => key(partition.jobs, jobId),
  alertLink: (alertKey: string) => key(`ALERT#${alertKey}`, META),
  alertsOpened: (minute: string) => key(`ALERTS-OPENED#${minute}`, META),
  oncallOverride: (overrideId: string) => key(partition.oncallOverrides, overrideId),
} as const satisfies Record<ItemKindName, (...parts: string[]) => ItemKey>;

// '~' sorts after '#' and after every character a timer id may contain (see TIMER_ID_PATTERN), so
// every timer sort key whose due time is <= now sorts <= this bound and every later one after it.
export const timerDueBound = (nowIso: string) => `${nowIso}~`;

const KIND_PATTERNS = Object.entries(ITEM_KINDS).map(([name, kind]) => ({
  name: name as ItemKindName,
  pk: templatePattern(kind.pk),
  sk: templatePattern(kind.sk),
}));

/** The kind a stored item's keys belong to; undefined for keys no kind in `ITEM_KINDS` describes. */
export function itemKindOf(pk: string, sk: string): ItemKindName | undefined {
  return KIND_PATTERNS.find((kind) => kind.pk.test(pk) && kind.sk.test(sk))?.name;
}

/** `INCIDENT#<incident id>` -> /^INCIDENT#.+$/: fixed text as is, each `<…>` as some text. */
function templatePattern(template: string): RegExp {
  const parts = template.split(/<[^>]+>/).map((fixed) => fixed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+')}$`);
}
