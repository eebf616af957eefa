/**
 * Monitoring alerts → incidents (docs/architecture.md, "Alerts → alert service"). A firing alert with no open incident for
 * its key declares one; while that incident is open, the alert firing again or returning to OK adds
 * a note to it. Nothing here resolves an incident: an alarm clearing is not the responders' verdict.
 *
 * Deliveries repeat: SNS and Alertmanager retry, Alertmanager re-sends a still-firing alert with its
 * original startsAt, and an alarm can reach several containers at once. Two rules keep that quiet:
 * - `DynamoAlertLinks` lets exactly one delivery declare; the others wait for its link and note.
 * - Every event an alert writes has an id derived from (key, state, time), and the note for a firing
 *   reuses the id of the `declared` event, so the very notification that opened the incident adds
 *   nothing when it comes again, and neither does a re-sent note.
 *
 * Alertmanager signals are whole notification groups (key from groupKey, see payloads.ts). A group
 * opens one incident (request key from the group's key and the incident it replaces, so HA twins and
 * re-deliveries name the same one) whose detection names the group; each alert is its own event,
 * id from (key, fingerprint or labels, status, startsAt/endsAt): the alerts of the opening
 * notification as detection, alerts joining or resolving later as notes, each once however often
 * Alertmanager re-sends. truncatedAlerts and the whole group resolving are notes too.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AlertRules, DEFAULT_ALERT_RULES } from '../incidents/policy';
import type { Clock } from '../incidents/time';
import { BOT_AUTHOR, DEFAULT_SEVERITY, type Incident, type Severity } from '../incidents/types';
import type { Jobs } from '../jobs/jobs';
import type { CommandService } from '../service/command-service';
import { escapeText } from '../slack/text';
import { type AlertLink, DynamoAlertLinks } from '../store/alert-links';
import { alertDigestKey, stillFiringKey } from '../store/keys';
import type { IncidentStore } from '../store/store';
import { type AlertGroupSignal, type AlertSignal, type GroupAlert, isGroupSignal } from './payloads';

export interface AlertOutcome {
  /**
   * `ignored`: nothing written. With an incidentId, the signal was already recorded on it (a
   * re-delivery); without, an OK for an alert that has no open incident.
   */
  action: 'opened' | 'noted' | 'ignored';
  incidentId?: string;
}

export interface AlertServiceDeps {
  commands: Pick<CommandService, 'declare'>;
  store: Pick<IncidentStore, 'getIncident' | 'addEvent'>;
  links: DynamoAlertLinks;
  clock: Clock;
  /** Tells a resolved incident's channel that its alert still fires (an `echo` job). */
  jobs: Pick<Jobs, 'enqueue'>;
  /** A repeat within this long of its incident's resolution notes on it (policy `alerts.reopenAfter`). */
  reopenAfterSeconds?: number;
  /** The storm cap (policy `alerts.maxNewIncidentsPerMinute`). */
  maxNewIncidentsPerMinute?: number;
  /** How long a delivery waits for another one to link the incident it is declaring. */
  waitMs?: number;
  pollMs?: number;
}

/**
 * Alerts without a severity tag or label open sev3 incidents, the same default as `/incident open`.
 * Louder would page for every untagged alarm as for a major outage; whoever wants sev1 or sev2 says
 * so in the alarm (a `sev2` tag in its description or name) or in the rule's `severity` label.
 */
export const DEFAULT_ALERT_SEVERITY: Severity = DEFAULT_SEVERITY;

const DEFAULT_WAIT_MS = 5_000;

/** The alert-link key of the current "alert storm" incident (see joinStorm). */
export const STORM_KEY = 'alert-storm';

/** How a note words a single alert's change of state. */
const STATE_CHANGE: Readonly<Record<AlertSignal['state'], string>> = {
  firing: 'fired',
  ok: 'returned to OK',
  'no-data': 'has insufficient data (neither in alarm nor OK)',
};

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const DEFAULT_POLL_MS = 50;

/**
 * Another delivery of this alert is declaring its incident and has not linked it in time. Nothing was
 * written for this signal; retrying the delivery later is safe (HTTP answers 503).
 */
export class AlertBusyError extends Error {
  readonly code = 'ALERT_BUSY';

  constructor(readonly key: string) {
    super(`Alert ${key}: another delivery is still opening its incident`);
    this.name = 'AlertBusyError';
  }
}

/** Timeline event id for a signal: the same for every delivery of one state change of one alert. */
export function alertEventId(signal: Pick<AlertSignal, 'key' | 'state' | 'at'>): string {
  return alertDigestKey(signal.key, signal.state, signal.at);
}

function digestId(...parts: string[]): string {
  return alertDigestKey(...parts);
}

/**
 * Request key (and declared event id) of the incident a group opens: the group's key and the incident
 * it replaces, if any. Not the alerts or their times, which differ between the two members of an HA
 * pair and between notifications: every delivery that opens "this group's next incident" names the
 * same one, so a crash after declaring is finished by the next delivery, not doubled.
 */
export function groupOpenKey(key: string, replacing: string | undefined): string {
  return digestId(key, 'open', replacing ?? '');
}

/**
 * Timeline event id of one alert of a group: groupKey, the alert's fingerprint (else labels), its
 * status and its startsAt (firing) / endsAt (resolved). Alertmanager re-sends a group at every
 * repeat_interval, and both HA members send it: each alert state is recorded once.
 */
export function groupAlertEventId(key: string, alert: Pick<GroupAlert, 'id' | 'state' | 'at'>): string {
  return digestId(key, alert.id, alert.state, alert.at ?? '');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AlertService {
  private readonly waitMs: number;
  private readonly pollMs: number;

  constructor(private readonly deps: AlertServiceDeps) {
    this.waitMs = deps.waitMs ?? DEFAULT_WAIT_MS;
    this.pollMs = deps.pollMs ?? DEFAULT_POLL_MS;
  }

  async handle(signal: AlertSignal): Promise<AlertOutcome> {
    return signal.state === 'firing' ? this.firing(signal) : this.ok(signal);
  }

  private async firing(signal: AlertSignal): Promise<AlertOutcome> {
    return this.settle(signal.key, {
      linked: (incident) =>
        isGroupSignal(signal)
          ? this.record(incident, signal, 'note')
          : this.note(incident, signal, `Alert ${signal.name} fired again: ${signal.reason}`),
      resolved: async (link) => {
        const resolved = await this.recentlyResolved(link);
        return resolved && this.stillFiring(resolved, signal);
      },
      open: (replacing) => this.open(signal, replacing),
    });
  }

  /**
   * What becomes of a firing for `key`: `linked` when the key points at an open incident; else
   * `resolved` (when given) for the resolved incident it points at, if that answers; else `open` for
   * the one caller that reserves the key (naming the incident it replaces), while the others wait
   * for that caller's link and go round again.
   */
  private async settle<T>(
    key: string,
    steps: {
      linked: (incident: Incident) => Promise<T>;
      resolved?: (link: AlertLink | undefined) => Promise<T | undefined>;
      open: (replacing?: string) => Promise<T>;
    },
  ): Promise<T> {
    const { links } = this.deps;
    // Real time, not the injected clock: this bounds how long a request waits, whatever "now" says.
    const giveUpAt = Date.now() + this.waitMs;
    for (;;) {
      const link = await links.get(key);
      const linked = await this.linkedIncident(link);
      if (linked) return steps.linked(linked);
      const answer = await steps.resolved?.(link);
      if (answer !== undefined) return answer;
      // The linked incident is resolved (or gone): a new one is due, and only one replacer gets it.
      if (link?.incidentId !== undefined) {
        if (await links.reserve(key, link.incidentId)) return steps.open(link.incidentId);
      } else if (!link || links.isLeaseExpired(link)) {
        // Taking over an expired lease declares what its holder was declaring: the same replacement.
        if (await links.reserve(key, link?.replacing)) return steps.open(link?.replacing);
      }
      if (Date.now() >= giveUpAt) throw new AlertBusyError(key);
      await sleep(this.pollMs);
    }
  }

  private async ok(signal: AlertSignal): Promise<AlertOutcome> {
    const { links } = this.deps;
    const giveUpAt = Date.now() + this.waitMs;
    for (;;) {
      const link = await links.get(signal.key);
      const linked = await this.linkedIncident(link);
      if (linked) {
        if (isGroupSignal(signal)) return this.record(linked, signal, 'note');
        return this.note(
          linked,
          signal,
          `Alert ${signal.name} ${STATE_CHANGE[signal.state]}: ${signal.reason}`,
        );
      }
      // An OK overtaking its own firing (deliveries are not ordered) waits for that incident.
      if (!link || link.incidentId !== undefined || links.isLeaseExpired(link)) return { action: 'ignored' };
      if (Date.now() >= giveUpAt) throw new AlertBusyError(signal.key);
      await sleep(this.pollMs);
    }
  }

  /**
   * The incident the link points at when it was resolved less than `reopenAfter` ago: Alertmanager
   * re-sends a group still firing at every repeat_interval, and a responder may resolve before the
   * alert clears; a fresh incident (and page) for each repeat would be noise.
   */
  private async recentlyResolved(link: AlertLink | undefined): Promise<Incident | undefined> {
    if (link?.incidentId === undefined) return undefined;
    const incident = await this.deps.store.getIncident(link.incidentId);
    if (incident?.status !== 'resolved' || !incident.resolvedAt) return undefined;
    const windowMs = (this.deps.reopenAfterSeconds ?? DEFAULT_ALERT_RULES.reopenAfterSeconds) * 1000;
    return this.deps.clock.now().getTime() - Date.parse(incident.resolvedAt) < windowMs
      ? incident
      : undefined;
  }

  /** A repeat soon after resolution: a note on the resolved incident, and its channel is told, once. */
  private async stillFiring(incident: Incident, signal: AlertSignal): Promise<AlertOutcome> {
    const outcome = isGroupSignal(signal)
      ? await this.record(incident, signal, 'note')
      : await this.note(
          incident,
          signal,
          `Alert ${signal.name} still firing after resolution: ${signal.reason}`,
        );
    if (outcome.action === 'noted') {
      await this.deps.jobs.enqueue({
        type: 'echo',
        incidentId: incident.id,
        key: stillFiringKey(isGroupSignal(signal) ? digestId(signal.key, signal.at) : alertEventId(signal)),
        text: `:warning: Alert ${escapeText(signal.name)} is still firing after this incident was resolved: ${escapeText(signal.reason)}. No new incident was opened; resolve the cause or \`/incident\` again if it is a new one.`,
      });
    }
    return outcome;
  }

  /** The open incident the link points at, if it points at one. */
  private async linkedIncident(link: AlertLink | undefined): Promise<Incident | undefined> {
    if (link?.incidentId === undefined) return undefined;
    const incident = await this.deps.store.getIncident(link.incidentId);
    return incident && incident.status !== 'resolved' ? incident : undefined;
  }

  private async open(signal: AlertSignal, replacing?: string): Promise<AlertOutcome> {
    const now = this.deps.clock.now().toISOString();
    // A sender's clock ahead of ours (or no readable time) must not date the incident in the future.
    const startedAt = Date.parse(signal.at) <= Date.parse(now) ? signal.at : now;
    const group = isGroupSignal(signal);
    // Every delivery of this firing declares the same incident: one that crashed after declaring
    // and before linking is finished by the next delivery, not doubled.
    const requestKey = group ? groupOpenKey(signal.key, replacing) : alertEventId(signal);
    if (!(await this.newIncidentAllowed(requestKey))) return this.joinStorm(signal);
    const incident = await this.deps.commands.declare({
      title: signal.title,
      severity: signal.severity ?? DEFAULT_ALERT_SEVERITY,
      startedAt,
      declaredBy: BOT_AUTHOR,
      eventId: requestKey,
      requestKey,
      alertSource: `${signal.source}: ${signal.name}`,
      events: [
        {
          at: startedAt,
          kind: 'detection',
          text: `${group ? `Monitoring alert group ${signal.name}` : `Monitoring alert ${signal.name}`}: ${signal.reason}${
            replacing
              ? ` (it fired before in ${replacing}, resolved more than the policy's reopenAfter ago)`
              : ''
          }${!group && signal.link ? ` — ${signal.link}` : ''}`,
        },
      ],
    });
    // The group's alerts before the link: deliveries waiting for it (an HA duplicate) find them
    // recorded as the detection, and note only alerts of their own.
    if (group) await this.record(incident, signal, 'detection');
    // False only when our lease ran out and another delivery linked its own incident first: ours
    // stays declared (it is already paging), and later firings note on the linked one.
    await this.deps.links.link(signal.key, incident.id);
    return { action: 'opened', incidentId: incident.id };
  }

  /**
   * The storm cap (policy `alerts.maxNewIncidentsPerMinute`): true when the incident `requestKey`
   * names may open in this UTC minute. Its re-deliveries keep the slot it took.
   */
  private newIncidentAllowed(requestKey: string): Promise<boolean> {
    const minute = this.deps.clock.now().toISOString().slice(0, 16);
    const max = this.deps.maxNewIncidentsPerMinute ?? DEFAULT_ALERT_RULES.maxNewIncidentsPerMinute;
    return this.deps.links.takeNewIncidentSlot(minute, requestKey, max);
  }

  /**
   * An alert beyond the storm cap: recorded on the open "alert storm" incident (opened, and paging
   * once, by the first such alert), and its key linked there, so its repeats and its return to OK
   * are notes on the storm too. Nothing is dropped; nobody is paged per alert.
   */
  private async joinStorm(signal: AlertSignal): Promise<AlertOutcome> {
    const { incident, opened } = await this.settle(STORM_KEY, {
      linked: async (incident) => ({ incident, opened: false }),
      open: async (replacing) => ({ incident: await this.openStorm(signal, replacing), opened: true }),
    });
    const kind = opened ? 'detection' : 'note';
    let outcome: AlertOutcome;
    if (isGroupSignal(signal)) {
      const named = await this.deps.store.addEvent({
        ...this.botEvent(incident, signal.at),
        id: digestId(signal.key, 'storm', incident.id),
        kind,
        text: `Alert group ${signal.name} (${plural(signal.group.alerts.length, 'alert')}) during the alert storm: ${signal.reason}`,
      });
      outcome = await this.record(incident, signal, kind);
      if (named) outcome = { action: 'noted', incidentId: incident.id };
    } else {
      const verb = STATE_CHANGE[signal.state];
      outcome = await this.note(
        incident,
        signal,
        `Alert ${signal.name} ${verb} during the alert storm: ${signal.reason}`,
        kind,
      );
    }
    await this.deps.links.link(signal.key, incident.id);
    return {
      action: opened ? 'opened' : outcome.action === 'ignored' ? 'ignored' : 'noted',
      incidentId: incident.id,
    };
  }

  /**
   * The storm incident: sev2 (sev1 when the alert that opened it is), because many things alerting at
   * once is a major incident whatever each alert says; its one page is the usual escalation.
   */
  private async openStorm(signal: AlertSignal, replacing?: string): Promise<Incident> {
    const now = this.deps.clock.now().toISOString();
    const max = this.deps.maxNewIncidentsPerMinute ?? DEFAULT_ALERT_RULES.maxNewIncidentsPerMinute;
    const requestKey = groupOpenKey(STORM_KEY, replacing);
    const incident = await this.deps.commands.declare({
      title: `Alert storm: more than ${plural(max, 'new incident')} from alerts in a minute`,
      severity: signal.severity === 'sev1' ? 'sev1' : 'sev2',
      startedAt: now,
      declaredBy: BOT_AUTHOR,
      eventId: requestKey,
      requestKey,
      alertSource: 'alert storm',
      events: [
        {
          at: now,
          kind: 'detection',
          text: `Alert storm: alerts asked for more than ${plural(max, 'new incident')} within a minute (the policy's alerts.maxNewIncidentsPerMinute). Every further alert is recorded here, and nobody is paged for it, until this incident is resolved.`,
        },
      ],
    });
    await this.deps.links.link(STORM_KEY, incident.id);
    return incident;
  }

  /** The fields every event the bot writes for an alert shares. */
  private botEvent(incident: Incident, at: string | undefined) {
    const now = this.deps.clock.now().toISOString();
    return {
      incidentId: incident.id,
      at: clampTime(at || now, incident.startedAt, now),
      recordedAt: now,
      author: BOT_AUTHOR,
      via: 'alert' as const,
    };
  }

  /**
   * A group's alerts on its incident, each once (ids from groupAlertEventId): firing ones as `kind`
   * (detection when they open the incident, notes when they join it), resolved ones as notes; then
   * what Alertmanager left out (truncatedAlerts) and, when every alert resolved, the group resolving.
   */
  private async record(
    incident: Incident,
    signal: AlertGroupSignal,
    kind: 'detection' | 'note',
  ): Promise<AlertOutcome> {
    const { key, group } = signal;
    let added = 0;
    const add = async (id: string, at: string | undefined, eventKind: 'detection' | 'note', text: string) => {
      if (await this.deps.store.addEvent({ ...this.botEvent(incident, at), id, kind: eventKind, text }))
        added += 1;
    };
    for (const alert of group.alerts) {
      await add(
        groupAlertEventId(key, alert),
        alert.at,
        alert.state === 'firing' ? kind : 'note',
        alert.text,
      );
    }
    const truncated = group.truncatedAlerts ?? 0;
    if (truncated > 0) {
      await add(
        digestId(key, 'truncated', String(truncated)),
        signal.at,
        'note',
        `Alertmanager left out ${truncated} ${truncated === 1 ? 'alert' : 'alerts'} of this group (the receiver's max_alerts); see Alertmanager for them.`,
      );
    }
    if (signal.state === 'ok') {
      await add(
        digestId(key, 'resolved', signal.at),
        signal.at,
        'note',
        `Alert group ${signal.name} resolved: ${signal.reason}. The incident stays open until someone resolves it.`,
      );
    }
    return { action: added > 0 ? 'noted' : 'ignored', incidentId: incident.id };
  }

  private async note(
    incident: Incident,
    signal: AlertSignal,
    text: string,
    kind: 'detection' | 'note' = 'note',
  ): Promise<AlertOutcome> {
    const added = await this.deps.store.addEvent({
      ...this.botEvent(incident, signal.at),
      id: alertEventId(signal),
      kind,
      text,
    });
    return { action: added ? 'noted' : 'ignored', incidentId: incident.id };
  }
}

/**
 * The event's time within the incident: not before it started (an out-of-order delivery) and not
 * after now (a sender's clock ahead of ours), like times responders type.
 */
function clampTime(at: string, earliest: string, latest: string): string {
  const time = Date.parse(at);
  if (Number.isNaN(time)) return latest;
  if (time < Date.parse(earliest)) return earliest;
  if (time > Date.parse(latest)) return latest;
  return at;
}

export interface CreateAlertServiceOptions {
  commands: Pick<CommandService, 'declare'>;
  store: Pick<IncidentStore, 'getIncident' | 'addEvent'>;
  jobs: Pick<Jobs, 'enqueue'>;
  client: DynamoDBDocumentClient;
  tableName: string;
  clock: Clock;
  /** The policy's `alerts` section (alertRules); the defaults of docs/policy.md without it. */
  rules?: AlertRules;
}

/** The service with its links on the bot's table: what the local server and the Lambda entry use. */
export function createAlertService(options: CreateAlertServiceOptions): AlertService {
  const { client, tableName, clock } = options;
  return new AlertService({
    commands: options.commands,
    store: options.store,
    links: new DynamoAlertLinks({ client, tableName, clock }),
    clock,
    jobs: options.jobs,
    reopenAfterSeconds: (options.rules ?? DEFAULT_ALERT_RULES).reopenAfterSeconds,
    maxNewIncidentsPerMinute: (options.rules ?? DEFAULT_ALERT_RULES).maxNewIncidentsPerMinute,
  });
}
