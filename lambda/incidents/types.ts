/**
 * The incident domain's vocabulary. Plain data only: every type here is stored as a DynamoDB item
 * and crosses process boundaries (jobs, timers), so nothing holds a Date or a class instance.
 * Times are ISO-8601 strings in UTC (`2024-02-18T15:30:00.000Z`).
 */

export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const DEFAULT_SEVERITY: Severity = 'sev3';

/** Statuses a responder can set; `resolved` is reached only through `resolve`. */
export const OPEN_STATUSES = ['investigating', 'identified', 'monitoring'] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];
export type Status = OpenStatus | 'resolved';

/** Kinds a responder can give to `/incident log`; each has its own postmortem section. */
export const LOG_KINDS = [
  'detection',
  'action',
  'misleading',
  'cause',
  'escalation',
  'resolution',
  'note',
] as const;
export type LogKind = (typeof LOG_KINDS)[number];
export const DEFAULT_LOG_KIND: LogKind = 'note';

/**
 * Kinds the bot records for changes to the incident itself. They appear in the full timeline of the
 * postmortem, not in the seed's sections.
 */
export const CHANGE_KINDS = [
  'declared',
  'severity',
  'status',
  'commander',
  'acknowledged',
  'resolved',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export type EventKind = LogKind | ChangeKind;

export const FOLLOW_UP_TYPES = ['fix', 'task'] as const;
export type FollowUpType = (typeof FOLLOW_UP_TYPES)[number];

export interface Incident {
  /** `INC-<number>` */
  id: string;
  number: number;
  title: string;
  severity: Severity;
  status: Status;
  /** Slack user id of the commander. */
  commander?: string;
  /** Slack user id of whoever declared it. */
  declaredBy: string;
  /** When the incident began (may be back-dated with `open <time>`). */
  startedAt: string;
  /** When `open` arrived; escalation tiers count from here, not from a back-dated start. */
  declaredAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  /** The text given to `resolve`. */
  resolution?: string;
  impact?: string;
  /** The root-cause summary (`/incident cause`). */
  rootCause?: string;
  channelId?: string;
  channelName?: string;
  /** `ts` of the pinned summary message in the incident channel. */
  summaryTs?: string;
  /** Optimistic-concurrency version; every stored update increments it. */
  version: number;
}

export interface TimelineEvent {
  /** Unique per incident; derived from the request that caused it so a retry writes the same id. */
  id: string;
  incidentId: string;
  /** When it happened (the responder's `<time>`, or when it was recorded). */
  at: string;
  /** When the bot recorded it. */
  recordedAt: string;
  kind: EventKind;
  text: string;
  /** Slack user id of the responder, or `bot`. */
  author: string;
  /** Escalation events: the team paged, when one was. */
  team?: string;
  /** Escalation events the bot sent: which tier, over which channels, and whether every one failed. */
  page?: PageRecord;
}

export interface PageRecord {
  /** Policy tier index, or `manual` for `/incident escalate`. */
  tier: number | 'manual';
  /** Channels that took the page (`slack`, `pagerduty`, `opsgenie`, `webhook`). */
  channels: string[];
  /** True when no channel took it; the event then records the failure. */
  failed: boolean;
}

export interface FollowUp {
  id: string;
  incidentId: string;
  type: FollowUpType;
  text: string;
  /** Slack user id of the owner, when one was mentioned. */
  owner?: string;
  author: string;
  createdAt: string;
}

/** Everything the postmortem compiler needs, as loaded from the store. */
export interface IncidentRecord {
  incident: Incident;
  events: TimelineEvent[];
  followUps: FollowUp[];
}

/** The author of what the bot records itself (alerts, pages) and the declarer of alert incidents. */
export const BOT_AUTHOR = 'bot';

export function incidentId(number: number): string {
  return `INC-${number}`;
}
