/**
 * The incident domain's vocabulary. Plain data only: every type here is stored as a DynamoDB item
 * and crosses process boundaries (jobs, timers), so nothing holds a Date or a class instance.
 * Times are ISO-8601 strings in UTC (`2024-02-18T15:30:00.000Z`).
 */
import type { Ticket, TicketState } from '../trackers/tracker';

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
  /** A status update (`/incident update`), announced as well as kept. */
  'update',
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
  /**
   * The last requests (Slack trigger ids) applied to this incident, each with the event it decided.
   * Written in the same conditional put as the change, so a redelivered request knows it was applied
   * and can finish what a crash interrupted (write the event, answer) instead of applying it twice.
   */
  applied?: AppliedRequest[];
  /** The request that declared it (`command#…`, `view#…`, `alert.…`): a redelivery finds its incident. */
  declaredByRequest?: string;
  /** The monitoring alert that declared it (`alertmanager: HighErrorRate`), for `/incident stats`. */
  alertSource?: string;
  /** Set once a resolved incident's progress is complete: the reconciler stops looking at it. */
  settledAt?: string;
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
  /** What happened, in words; when `subject` is set, what the subject did ("acknowledged the page"). */
  text: string;
  /** The person the event is about, by Slack user id: shown before `text` (`@anna acknowledged the page`). */
  subject?: string;
  /** Slack user id of the responder, or `bot`. */
  author: string;
  /** Escalation events: the team paged, when one was. */
  team?: string;
  /** Escalation events the bot sent: which tier, over which channels, and whether every one failed. */
  page?: PageRecord;
  /**
   * `/incident escalate` events: the teams this escalation pages, fixed when it was typed (the named
   * team, or the teams of the policy's next tier nobody had paged), so a crash cannot lose the page.
   */
  pageTeams?: string[];
  /** How it was recorded; events stored before this field existed: `recordedVia` (incidents/provenance.ts). */
  via?: RecordedVia;
  /** Who put it on the timeline when that is not `author`: who pinned or used the shortcut on a message. */
  recordedBy?: string;
  /**
   * A Slack message captured with 📌 or the shortcut: where it is, and its link (from
   * `chat.getPermalink` when captured). Older captures have it only in their id (`capturedMessageOf`).
   */
  message?: { channelId: string; ts: string; permalink?: string };
  /** The text as first captured, once the message was edited in Slack (`text` is then the latest). */
  originalText?: string;
  /** The captured message was edited in Slack: when (Slack's edit time), by whom, and Slack's edit ts. */
  edited?: { at: string; by?: string; ts: string };
  /** The captured message was deleted in Slack: when, and by whom when Slack said. */
  deleted?: { at: string; by?: string };
}

/** How an event came onto the timeline. */
export const RECORDED_VIA = ['command', 'pin', 'shortcut', 'alert', 'bot'] as const;
export type RecordedVia = (typeof RECORDED_VIA)[number];

export interface AppliedRequest {
  request: string;
  event?: TimelineEvent;
  /** The severity before this change, when it changed it: a redelivery re-plans and announces. */
  previousSeverity?: Severity;
}

export interface PageRecord {
  /** Policy tier index, or `manual` for `/incident escalate`. */
  tier: number | 'manual';
  /** Channels that took the page (`slack`, `pagerduty`, `opsgenie`, `webhook`). */
  channels: string[];
  /** True when no channel took it; the event then records the failure. */
  failed: boolean;
  /** The person on call for the team's schedule who was paged (Slack user id). */
  onCall?: string;
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
  /** The ticket it became in the configured tracker (docs/trackers.md), once created. */
  ticket?: Ticket;
  /** The ticket's state as its tracker last reported it (webhook or poll). */
  ticketState?: TicketState;
  /** ISO UTC: when the ticket was closed, while it is. */
  ticketClosedAt?: string;
}

/**
 * The progress of one piece of work the world must reflect (a channel made, a tier paged, the
 * postmortem uploaded): its own item, so each step is claimed, retried and finished on its own.
 */
export interface StepState {
  name: string;
  state: 'running' | 'done' | 'failed';
  /** Tries so far, the running one included. */
  attempts: number;
  /** Epoch ms: when the running try started, and until when it holds the step. */
  leasedAt?: number;
  leaseUntil?: number;
  /** Epoch ms of the first try. */
  firstAttemptAt?: number;
  /** Epoch ms before which a failed step is not tried again; absent on a permanent failure. */
  retryAt?: number;
  error?: string;
  permanent?: boolean;
  /** What the step produced or has done so far (deliveries made, a notice posted). */
  result?: Record<string, unknown>;
}

/** Everything the postmortem compiler needs, as loaded from the store. */
export interface IncidentRecord {
  incident: Incident;
  events: TimelineEvent[];
  followUps: FollowUp[];
  /** The progress record, by step name (loaded with the incident; absent in hand-made records). */
  steps?: Record<string, StepState>;
}

/** The author of what the bot records itself (alerts, pages) and the declarer of alert incidents. */
export const BOT_AUTHOR = 'bot';

/** An incident id as the bot writes it (`INC-7`): the one pattern every boundary checks ids against. */
export const INCIDENT_ID_PATTERN = /^INC-[1-9]\d*$/;

export function incidentId(number: number): string {
  return `INC-${number}`;
}
