/**
 * Escalation with side effects: schedules a timer per policy tier at declaration, pages a tier's
 * teams when its timer fires (once, however often the timer is delivered), stops on ack, resolves
 * the pages on resolve, and re-plans on a severity change. Every page is an `escalation` event; a
 * page that fails after its retries is an event too, and the channel is told.
 */
import type { BotSettings } from '../config';
import { nextTier, type PlannedTier, pagedTeams, planTiers, reasonNotToPage } from '../incidents/escalation';
import { reminderSecondsFor } from '../incidents/policy';
import { type Clock, formatDuration } from '../incidents/time';
import {
  BOT_AUTHOR,
  type Incident,
  type IncidentRecord,
  type Severity,
  type TimelineEvent,
} from '../incidents/types';
import type { PageAction, PageOutcome, Pager } from '../paging/pager';
import { makeTimer, type Scheduler, timerId } from '../scheduling/scheduler';
import type { ChatGateway } from '../slack/chat';
import type { IncidentStore } from '../store/store';

export interface EscalationDeps {
  store: IncidentStore;
  scheduler: Scheduler;
  pager: Pager;
  chat: ChatGateway;
  clock: Clock;
  settings: Pick<BotSettings, 'policy'>;
}

/** Long enough for one firing to page and record; a crashed firing may page again after it. */
const FIRING_CLAIM_SECONDS = 300;

export function channelLink(incident: Incident): string | undefined {
  return incident.channelId ? `https://slack.com/app_redirect?channel=${incident.channelId}` : undefined;
}

export class EscalationEngine {
  constructor(private readonly deps: EscalationDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  private async load(incidentId: string): Promise<IncidentRecord> {
    const record = await this.deps.store.getRecord(incidentId);
    if (!record) throw new Error(`${incidentId} not found`);
    return record;
  }

  /** At declaration (and after a re-plan): due tiers page now, later ones get a timer. */
  async start(incidentId: string): Promise<void> {
    const { incident } = await this.load(incidentId);
    await this.scheduleReminder(incident, incident.declaredAt);
    const now = Date.parse(this.now());
    for (const tier of planTiers(this.deps.settings.policy, incident)) {
      if (Date.parse(tier.dueAt) <= now) {
        await this.fireTier(incidentId, tier.severity, tier.tier);
      } else {
        const payload = {
          type: 'escalation-tier' as const,
          incidentId,
          severity: tier.severity,
          tier: tier.tier,
        };
        await this.deps.scheduler.schedule({ id: timerId(payload), dueAt: tier.dueAt, payload });
      }
    }
  }

  /**
   * Nudges: an open incident whose severity has a `reminders` interval in the policy gets a reminder in
   * its channel after each interval without a timeline update. Reminders are due at
   * lastUpdate + k × interval, so every path that schedules one (declaration, a re-plan, the previous
   * reminder) names the same timer, and a claim per interval posts each nudge once.
   */
  private reminderInterval(incident: Incident): number | undefined {
    const { policy } = this.deps.settings;
    if (!policy || incident.status === 'resolved') return undefined;
    return reminderSecondsFor(policy, incident.severity);
  }

  async scheduleReminder(incident: Incident, lastUpdate: string, intervalsPassed = 0): Promise<void> {
    const seconds = this.reminderInterval(incident);
    if (!seconds) return;
    const dueAt = new Date(Date.parse(lastUpdate) + (intervalsPassed + 1) * seconds * 1000).toISOString();
    await this.deps.scheduler.schedule(makeTimer({ type: 'reminder', incidentId: incident.id }, dueAt));
  }

  async remind(incidentId: string): Promise<void> {
    const { incident, events } = await this.load(incidentId);
    const seconds = this.reminderInterval(incident);
    if (!seconds) return;
    const lastUpdate = events.reduce(
      (latest, event) =>
        event.author !== BOT_AUTHOR && event.recordedAt > latest ? event.recordedAt : latest,
      incident.declaredAt,
    );
    const now = this.now();
    const intervals = Math.floor((Date.parse(now) - Date.parse(lastUpdate)) / (seconds * 1000));
    const nudge = `nudge.${incidentId}.${lastUpdate}.${intervals}`;
    if (intervals >= 1 && incident.channelId && (await this.deps.store.claim(nudge, seconds * 2))) {
      await this.deps.chat.postMessage(incident.channelId, {
        text: `:hourglass_flowing_sand: No timeline update on ${incident.id} for ${formatDuration(lastUpdate, now)}. What is happening? Log it with \`/incident log\`, or change the status.`,
      });
    }
    await this.scheduleReminder(incident, lastUpdate, Math.max(intervals, 0));
  }

  /** A tier's timer fired: page its teams if the incident still needs them. */
  async fireTier(incidentId: string, severity: Severity, tierIndex: number): Promise<void> {
    const record = await this.load(incidentId);
    if (reasonNotToPage(record.incident, severity)) return;
    const tier = planTiers(this.deps.settings.policy, record.incident).find((t) => t.tier === tierIndex);
    if (!tier) return;
    const firingId = `page.${incidentId}.${severity}.t${tierIndex}`;
    if (record.events.some((event) => event.id.startsWith(`${firingId}.`))) return;
    if (!(await this.deps.store.claim(firingId, FIRING_CLAIM_SECONDS))) return;
    const already = pagedTeams(record.events);
    const teams = tier.teams.filter((team) => !already.includes(team));
    await this.pageTeams(record.incident, teams, tierIndex, firingId);
  }

  /** `/incident escalate [team]`: the named team, or the next tier's teams nobody has paged. */
  async escalateManually(incidentId: string, team: string | undefined, requestId: string): Promise<string[]> {
    const record = await this.load(incidentId);
    if (!this.deps.settings.policy || record.incident.status === 'resolved') return [];
    const already = pagedTeams(record.events);
    const teams = team
      ? [team]
      : (nextTier(planTiers(this.deps.settings.policy, record.incident), already)?.teams ?? []).filter(
          (name) => !already.includes(name),
        );
    const firingId = `page.${incidentId}.manual.${requestId}`;
    if (record.events.some((event) => event.id.startsWith(`${firingId}.`))) return teams;
    if (!(await this.deps.store.claim(firingId, FIRING_CLAIM_SECONDS))) return teams;
    // A named team already has its escalation event, logged by the command with the reason; only a
    // failure adds another. The policy's next tier has none, so its pages are recorded.
    await this.pageTeams(record.incident, teams, 'manual', firingId, { recordSuccess: !team });
    return teams;
  }

  /** Ack: no later tier pages; the pagers hear the acknowledgement. */
  async acknowledge(incidentId: string): Promise<void> {
    const record = await this.load(incidentId);
    await this.cancelTimers(record.incident, record.incident.severity);
    await this.notifyPaged(record, 'acknowledge');
  }

  /** Resolve: timers cancelled, every page this incident triggered resolved (same dedup key). */
  async resolve(incidentId: string): Promise<void> {
    const record = await this.load(incidentId);
    await this.cancelTimers(record.incident, record.incident.severity);
    await this.notifyPaged(record, 'resolve');
  }

  /** Severity changed: the old plan's timers go, the new plan's remaining tiers are scheduled. */
  async replan(incidentId: string, previous: Severity): Promise<void> {
    const { incident } = await this.load(incidentId);
    await this.cancelTimers(incident, previous);
    if (!reasonNotToPage(incident, incident.severity)) await this.start(incidentId);
  }

  private async cancelTimers(incident: Incident, severity: Severity): Promise<void> {
    const plan: PlannedTier[] = planTiers(this.deps.settings.policy, { ...incident, severity });
    for (const tier of plan) {
      await this.deps.scheduler.cancel(
        timerId({ type: 'escalation-tier', incidentId: incident.id, severity, tier: tier.tier }),
      );
    }
  }

  private teamConfig(team: string) {
    return this.deps.settings.policy?.teams[team];
  }

  private async notifyPaged(record: IncidentRecord, action: PageAction): Promise<void> {
    for (const team of pagedTeams(record.events)) {
      const config = this.teamConfig(team);
      if (!config) continue;
      await this.deps.pager.page(
        { incident: record.incident, team, config, channelLink: channelLink(record.incident) },
        action,
      );
    }
  }

  private async pageTeams(
    incident: Incident,
    teams: string[],
    tier: number | 'manual',
    firingId: string,
    options: { recordSuccess: boolean } = { recordSuccess: true },
  ): Promise<void> {
    for (const team of teams) {
      const config = this.teamConfig(team);
      if (!config) continue;
      const outcomes = await this.deps.pager.page(
        {
          incident,
          team,
          config,
          channelLink: channelLink(incident),
          ...(typeof tier === 'number' ? { tier } : {}),
        },
        'trigger',
      );
      const failed = outcomes.length === 0 || outcomes.some((outcome) => !outcome.ok);
      if (failed || options.recordSuccess)
        await this.record(incident, team, tier, outcomes, `${firingId}.${team}`);
    }
  }

  private async record(
    incident: Incident,
    team: string,
    tier: number | 'manual',
    outcomes: PageOutcome[],
    eventId: string,
  ): Promise<void> {
    const took = [...new Set(outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.channel))];
    const failed = outcomes.filter((outcome) => !outcome.ok);
    const what = tier === 'manual' ? 'manual escalation' : `automatic, tier ${tier}`;
    const failures = failed.map(
      (f) => `${f.channel} failed after ${f.attempts} attempts (${f.error ?? 'error'})`,
    );
    const text =
      took.length > 0
        ? `Paged ${team} (${what}) via ${took.join(', ')}${failures.length ? `; ${failures.join('; ')}` : ''}`
        : `Paging ${team} failed (${what}): ${failures.join('; ') || 'the team has no pager configured'}`;
    const now = this.now();
    const event: TimelineEvent = {
      id: eventId,
      incidentId: incident.id,
      at: now,
      recordedAt: now,
      kind: 'escalation',
      text,
      author: BOT_AUTHOR,
      team,
      page: { tier, channels: took, failed: took.length === 0 },
    };
    await this.deps.store.addEvent(event);
    if (failed.length > 0 && incident.channelId) {
      await this.deps.chat.postMessage(incident.channelId, {
        text: `:warning: ${text}. Page them another way.`,
      });
    }
  }
}
