/**
 * Every idempotency key the bot writes, named in one place. Each key is derived from what Slack, an
 * alert source or the clock gives us again on a redelivery, so a retried request finds the work its
 * first delivery did instead of doing it twice. Where each kind is stored: store/table.ts.
 */
import { createHash, randomUUID } from 'node:crypto';

/** The request that declares an incident: every delivery of it declares the same incident number. */
export const declareRequestKey = {
  /** `/incident open`: Slack's trigger_id is the same for every retry of one command. */
  command: (triggerId: string) => `command#${triggerId}`,
  /** The declare modal: a view is submitted once; its id keys the declaration. */
  view: (viewId: string) => `view#${viewId}`,
} as const;

/** A command's request key (its stored answer), when Slack gave a trigger_id. */
export function commandRequestKey(triggerId: string | undefined): string | undefined {
  return triggerId === undefined ? undefined : declareRequestKey.command(triggerId);
}

/** Timeline event ids (and the follow-up ids and `applied` entries of the same request). */
export const eventIdFor = {
  /** A command, button or modal submission: `t-<trigger id>`. */
  trigger: (triggerId: string) => `t-${triggerId}`,
  /** A request Slack gave no trigger id: unique, so never deduplicated. */
  unkeyed: () => `r-${randomUUID()}`,
  /** The declare modal's submission: `v-<view id>`. */
  view: (viewId: string) => `v-${viewId}`,
  /** A message captured with the add-to-timeline shortcut, once per kind. */
  capturedMessage: (channelId: string, messageTs: string, kind: string) =>
    `msg.${channelId}.${messageTs}.${kind}`,
  /** A message pinned with 📌: once, however many people pin it. */
  pinnedMessage: (channelId: string, messageTs: string) => `msg.${channelId}.${messageTs}.pin`,
} as const;

/**
 * What every event id captured from one Slack message starts with (`capturedMessage`, `pinnedMessage`):
 * an edit or deletion in Slack finds them by it. The closing dot keeps `…000200.` from matching `…0002000.`.
 */
export function capturedMessagePrefix(channelId: string, messageTs: string): string {
  return `msg.${channelId}.${messageTs}.`;
}

/** The Slack message (channel, ts) and how (`pin` or the shortcut's kind) a captured event id names, if it is one. */
export function parseCapturedMessageId(
  eventId: string,
): { channelId: string; ts: string; how: 'pin' | 'shortcut' } | undefined {
  const match = /^msg\.([A-Z0-9]+)\.(\d+\.\d+)\.([a-z]+)$/.exec(eventId);
  if (!match) return undefined;
  const [, channelId, ts, suffix] = match as unknown as [string, string, string, string];
  return { channelId, ts, how: suffix === 'pin' ? 'pin' : 'shortcut' };
}

/**
 * An id derived from an alert (`alert.<digest>`): a timeline event id, or the request key of the
 * incident it opens. The parts are what identifies the alert's change, the same on every delivery and
 * from both members of an HA pair; hashed because alert keys and labels can be long.
 */
export function alertDigestKey(...parts: string[]): string {
  return `alert.${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32)}`;
}

/**
 * The resolve modal stands in a trigger id with its view id (a view is submitted once), so a
 * redelivered submission finds the resolve it already applied: its keys are `command#v-…`, `t-v-…`.
 */
export function viewTriggerId(viewId: string): string {
  return eventIdFor.view(viewId);
}

/** The event id of a request: from its trigger id when it has one. */
export function requestEventId(triggerId: string | undefined): string {
  return triggerId === undefined ? eventIdFor.unkeyed() : eventIdFor.trigger(triggerId);
}

/** `-` without cover; else 12 hex characters of the sha-256 of the sorted ids. */
function coverDigest(ids: readonly string[]): string {
  if (ids.length === 0) return '-';
  return createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex')
    .slice(0, 12);
}

/** Claim keys (`store.claim`): work done once per key. */
export const claimKey = {
  /** One reminder per incident, per last human update, per interval elapsed since. */
  nudge: (incidentId: string, lastUpdate: string, intervals: number) =>
    `nudge.${incidentId}.${lastUpdate}.${intervals}`,
  /** A one-off Slack post outside the progress record (a severity announcement). */
  once: (key: string) => `once#${key}`,
  /**
   * One handoff told once to one place: the DM to the person coming on call (`dm`) or the line in the
   * schedule's handoff channel (its id). A handoff is the team, the instant the person's stretch
   * began and who came on call (oncall/handoffs.ts).
   */
  handoff: (team: string, at: string, user: string, place: string) =>
    `handoff.${team}.${at}.${user}.${place}`,
  /**
   * A user group set once to the people on call since `since`, given the cover set from Slack that
   * shapes it (the ids of those overrides, as a digest: adding or removing one syncs again).
   */
  usergroupSync: (usergroup: string, since: string, users: readonly string[], coverIds: readonly string[]) =>
    `usergroup.${usergroup}.${since}.${users.join('+')}.${coverDigest(coverIds)}`,
  /**
   * A follow-up's ticket polled for its state (trackers/poll.ts, where no webhook is configured): held
   * for the poll interval, so two workers or ticks poll it at most once per interval.
   */
  ticketPoll: (incidentId: string, followUpId: string) => `ticket-poll.${incidentId}.${followUpId}`,
  /** Marks the one-time indexing of settled incidents stored before they were indexed as done. */
  settledIndexMigration: () => 'migration.settled-index',
} as const;

/** Results kept as a request item (store.finishRequest) that are not a command's answer. */
export const storedResultKey = {
  /** The trend chart uploaded for one run of weeks (jobs/home-trend.ts): its file id, until the weeks change. */
  homeTrendChart: (digest: string) => `home-trend-chart.${digest}`,
} as const;

/** What each one-off post is keyed by (inside `claimKey.once`): one post per key, however often its job runs. */
export const oncePost = {
  /** A step that failed for good, told once to each place (the channel, announcements, the declarer). */
  failureNotice: (incidentId: string, step: string, place: string) => `${incidentId}.failed.${step}.${place}`,
  /** A severity change, announced once per change of the stored incident. */
  severityAnnouncement: (incidentId: string, from: string, to: string, version: number) =>
    `${incidentId}.announce-severity.${from}-${to}.${version}`,
  /** A status update, announced once. */
  updateAnnouncement: (incidentId: string, eventId: string) => `${incidentId}.announce-update.${eventId}`,
  /** The timeline chart shown to whoever typed `/incident postmortem`, once per request. */
  postmortemChart: (incidentId: string, requestKey: string) => `${incidentId}.postmortem-chart.${requestKey}`,
  /** An action taken outside the incident channel, echoed there once per request. */
  echo: (incidentId: string, requestKey: string) => `${incidentId}.echo.${requestKey}`,
} as const;

/** Event ids the escalation engine writes next to a page's own (its step name). */
export const pageEventId = {
  failed: (step: string) => `${step}.failed`,
  recovered: (step: string) => `${step}.recovered`,
} as const;

/** The echo key of "still firing after resolution": once per state change of the alert. */
export function stillFiringKey(alertDigest: string): string {
  return `still-firing.${alertDigest}`;
}

/** Letters and digits that cannot be misread for each other when typed back (no 0/o, 1/l/i). */
const OVERRIDE_ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * The id of the on-call override a request sets (`/incident oncall override`): six characters typed
 * back to remove it, derived from the request so a redelivery stores the same override once.
 */
export function overrideId(requestId: string): string {
  const digest = createHash('sha256').update(`oncall-override:${requestId}`).digest();
  return [...digest.subarray(0, 6)]
    .map((byte) => OVERRIDE_ID_ALPHABET[byte % OVERRIDE_ID_ALPHABET.length])
    .join('');
}
