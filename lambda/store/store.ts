/**
 * The storage ports of the domain, each small enough to fake. The DynamoDB adapter implements them
 * all for Lambda, the local server and the tests alike (against dynalite locally), so the production
 * adapter is the code under test. `IncidentStore` is all of them together.
 */

import type { OnCallOverride } from '../incidents/oncall';
import type { FollowUp, Incident, IncidentRecord, StepState, TimelineEvent } from '../incidents/types';
import type { Ticket, TicketState } from '../trackers/tracker';

/** What `Incidents.update` calls with the latest stored incident: the incident to store, or undefined to store nothing. */
export type IncidentChange = (current: Incident) => Promise<Incident | undefined> | Incident | undefined;

export interface Incidents {
  /** Atomically allocates the next incident number (1, 2, 3, ...). */
  nextIncidentNumber(): Promise<number>;

  /** Stores a new incident (version 1). Throws if an incident with that id exists. */
  createIncident(incident: Incident): Promise<void>;

  /**
   * Replaces the incident if its stored version is still `incident.version`, storing version + 1,
   * and returns what was stored. Throws `ConcurrentUpdateError` when another writer got there first.
   */
  updateIncident(incident: Incident): Promise<Incident>;

  /**
   * Reads the incident, applies `change` and stores the result with the version check; when another
   * writer got there first, reads again and applies `change` to what is stored now (up to `retries`
   * times, default 10, then throws `ConcurrentUpdateError`). `change` returning undefined stores
   * nothing: the result is then the current incident, `changed: false`. Throws when there is no
   * such incident. `from`: the incident as the caller just read it, tried first instead of a read.
   */
  update(
    id: string,
    change: IncidentChange,
    options?: { retries?: number; from?: Incident },
  ): Promise<{ incident: Incident; changed: boolean }>;

  getIncident(id: string): Promise<Incident | undefined>;

  /** The incident, its timeline sorted by `at` (ties by `recordedAt`, then `id`) and its follow-ups by `createdAt`. */
  getRecord(id: string): Promise<IncidentRecord | undefined>;

  /** Incidents that are not resolved, oldest first. */
  listOpenIncidents(): Promise<Incident[]>;

  /** Open incidents and resolved ones not yet settled: what the reconciler looks at. */
  listActiveIncidents(): Promise<Incident[]>;

  /**
   * Every incident declared at or after `fromIso`, open or resolved, oldest first, through the index
   * (`/incident stats`, `incident-bot export`): never a scan.
   */
  listIncidentsDeclaredSince(fromIso: string): Promise<Incident[]>;

  /**
   * Once per table: puts settled incidents stored before settled ones were indexed into the index, so
   * `listIncidentsDeclaredSince` sees them. The reconciler calls it; later calls cost one read.
   */
  ensureSettledIndexed(): Promise<void>;

  /**
   * Adds one timeline event as its own item. Returns false, writing nothing, when an event with that
   * id already exists for the incident (a retried request).
   */
  addEvent(event: TimelineEvent): Promise<boolean>;

  /** Same contract as `addEvent`, for follow-ups. */
  addFollowUp(followUp: FollowUp): Promise<boolean>;

  /** Every follow-up of every incident, oldest first (through the index: `/incident followups`). */
  listFollowUps(): Promise<FollowUp[]>;

  /** Records the ticket a follow-up became, once: false when it has one already (or does not exist). */
  setFollowUpTicket(incidentId: string, followUpId: string, ticket: Ticket): Promise<boolean>;

  /** Records a ticket's state from its tracker; false when the follow-up has no ticket or that state already. */
  setTicketState(incidentId: string, followUpId: string, state: TicketState, at: string): Promise<boolean>;

  /** The events captured from one Slack message (📌, the shortcut), found by their ids' prefix. */
  capturedMessageEvents(incidentId: string, channelId: string, messageTs: string): Promise<TimelineEvent[]>;

  /**
   * Makes the event of a captured Slack message follow an edit or deletion there, in one conditional
   * write. `edited`: its text becomes the new text (the first text kept in `originalText`) unless it is
   * deleted, has that text already, or holds an edit with the same or a later Slack ts (a redelivery, an
   * edit arriving late). `deleted`: marked once, text kept. True when written; false, writing nothing,
   * for those cases, for no such event, and for any event that is not a captured message (`msg.…`).
   */
  followCapturedMessage(incidentId: string, eventId: string, change: CapturedMessageChange): Promise<boolean>;
}

/** What happened in Slack to a captured message (`Incidents.followCapturedMessage`). */
export type CapturedMessageChange =
  | {
      type: 'edited';
      text: string;
      /** Slack's edit time (ISO-8601), who edited when Slack says, and the edit's ts. */
      edited: NonNullable<TimelineEvent['edited']>;
      /** Where the message is, set on captures stored before events held it. */
      message: NonNullable<TimelineEvent['message']>;
    }
  | { type: 'deleted'; deleted: NonNullable<TimelineEvent['deleted']> };

export interface ChannelLinks {
  /** Links a Slack channel to an incident, so commands typed there act on it. */
  linkChannel(channelId: string, incidentId: string): Promise<void>;
  findIncidentIdByChannel(channelId: string): Promise<string | undefined>;
}

export interface Steps {
  /**
   * Takes a step of an incident's progress for one try: true (with the step as now stored, its
   * `attempts` counted) when it is new, failed and due for a retry, or running on a lease that ran
   * out; undefined when it is done, failed for good, waiting for its retry time, or held by a live lease.
   */
  acquireStep(incidentId: string, name: string, leaseMs: number): Promise<StepState | undefined>;
  /** Marks a step done, with what it produced. */
  finishStep(incidentId: string, name: string, result?: Record<string, unknown>): Promise<void>;
  /** Marks a step failed: tried again from `retryAt` (epoch ms), or never when `permanent`. */
  failStep(
    incidentId: string,
    name: string,
    failure: { error: string; retryAt?: number; permanent?: boolean; result?: Record<string, unknown> },
  ): Promise<void>;
}

export interface Requests {
  /**
   * The incident number a request declares, the same for every delivery of that request: the first
   * call allocates one with `allocate`, later ones read it back.
   */
  reserveIncidentNumber(requestKey: string, allocate: () => Promise<number>): Promise<number>;
  /** What a finished request answered, if it finished. */
  requestResult(requestKey: string): Promise<unknown | undefined>;
  /** Records a request as finished, with its answer, for `ttlSeconds`. */
  finishRequest(requestKey: string, result: unknown, ttlSeconds: number): Promise<void>;
}

export interface Claims {
  /**
   * Claims an idempotency key: true the first time, false for every later claim of the same key.
   * `ttlSeconds` sets the item's expiry attribute (DynamoDB TTL removes it in AWS).
   */
  claim(key: string, ttlSeconds: number): Promise<boolean>;

  /** Sets a claim's expiry to `ttlSeconds` from now, whether or not it is held (marks work done). */
  renewClaim(key: string, ttlSeconds: number): Promise<void>;

  /** Gives a claim up, so the next `claim` of the key succeeds (work that failed and may be retried). */
  releaseClaim(key: string): Promise<void>;
}

/** Cover set from Slack (`/incident oncall override`): one item per override (table.ts, oncallOverride). */
export interface OnCallOverrides {
  /** Stores it unless an override with its id exists: false then (a redelivery of the same request). */
  addOnCallOverride(override: OnCallOverride): Promise<boolean>;
  /** Every override not yet over at `nowIso`, the earliest first. */
  listOnCallOverrides(nowIso: string): Promise<OnCallOverride[]>;
  /** Deletes one, returning what it was; undefined when there was none with that id. */
  removeOnCallOverride(id: string): Promise<OnCallOverride | undefined>;
}

export interface IncidentStore extends Incidents, ChannelLinks, Steps, Requests, Claims, OnCallOverrides {}

/** Not the domain's concern: what sets up the table before a store is used. */
export interface TableAdmin {
  /** Creates the table when it does not exist (local runs and tests; the stack creates it in AWS). */
  ensureTable(): Promise<void>;
}
