/**
 * What the world must reflect of an incident, and what of it is still missing: pure, from the record
 * alone. The incident holds the state (open, acknowledged, resolved); its steps hold the progress
 * (channel made, summary pinned, each tier's page per team, postmortem uploaded). Whatever a crash,
 * a lost job or a Slack outage left undone shows up here, and the reconciler does it.
 */
import { pagedTeams, planTiers } from './escalation';
import type { EscalationPolicy } from './policy';
import { isTextStep, textsDue } from './texts';
import { ticketsWanted } from './tickets';
import { BOT_AUTHOR, type IncidentRecord, type Severity, type StepState } from './types';

/** Slack work, in the order it is done; a step runs once the steps it needs are finished. */
export const SLACK_STEPS = [
  'channel',
  'summary',
  'summary-pinned',
  'announce-declared',
  'postmortem-stored',
  'postmortem-uploaded',
  'resolution-posted',
  'announce-resolution',
] as const;
export type SlackStep = (typeof SLACK_STEPS)[number];

const NEEDS: Record<SlackStep, SlackStep[]> = {
  channel: [],
  summary: ['channel'],
  'summary-pinned': ['summary'],
  // The announcement names the channel when there is one; a channel that cannot be made must not
  // silence it, so it waits only until the channel step is finished one way or the other.
  'announce-declared': ['channel'],
  'postmortem-stored': [],
  'postmortem-uploaded': ['channel', 'postmortem-stored'],
  'resolution-posted': ['channel', 'postmortem-uploaded'],
  'announce-resolution': ['postmortem-stored'],
};

/** Pagers hear an acknowledgement and a resolution once each (PagerDuty's dedup_key closes its incident). */
export const PAGES_ACKNOWLEDGED = 'pages-acknowledged';
export const PAGES_RESOLVED = 'pages-resolved';

export interface ProgressSettings {
  /** An announcement channel is configured. */
  announcements: boolean;
  policy?: EscalationPolicy;
  /** Text messages for unacknowledged pages are on (phone numbers configured): their steps count. */
  texting?: boolean;
}

/** Done, or failed in a way retrying cannot fix: nothing more will happen to it. */
export function isFinished(step: StepState | undefined): boolean {
  return step?.state === 'done' || (step?.state === 'failed' && step.permanent === true);
}

export function wantedSlackSteps(record: IncidentRecord, settings: ProgressSettings): SlackStep[] {
  const resolved = record.incident.status === 'resolved';
  return SLACK_STEPS.filter((step) => {
    if (step === 'announce-declared' || step === 'announce-resolution') {
      if (!settings.announcements) return false;
    }
    if (step.startsWith('postmortem') || step === 'resolution-posted' || step === 'announce-resolution') {
      return resolved;
    }
    return true;
  });
}

/** Slack steps not finished yet, in order, each with whether the steps it needs are finished. */
export function pendingSlackSteps(
  record: IncidentRecord,
  settings: ProgressSettings,
): { step: SlackStep; ready: boolean }[] {
  const steps = record.steps ?? {};
  return wantedSlackSteps(record, settings)
    .filter((step) => !isFinished(steps[step]))
    .map((step) => ({ step, ready: NEEDS[step].every((need) => isFinished(steps[need])) }));
}

export function slackStepNeeds(step: SlackStep): readonly SlackStep[] {
  return NEEDS[step];
}

/** One team's page for one tier (or one `/incident escalate`): its own step, retried on its own. */
export interface PagePlan {
  /** `page.sev1.t0.sre`, `page.manual.<event id>.sre` */
  name: string;
  team: string;
  tier: number | 'manual';
  severity: Severity;
  /** The reason typed with `/incident escalate`, for the paged team to read. */
  reason?: string;
  /** Automatic pages stop at acknowledgement; a page asked for by hand goes out while the incident is open. */
  automatic: boolean;
}

export function pageStepName(
  plan: Pick<PagePlan, 'tier' | 'team' | 'severity'> & { eventId?: string },
): string {
  return plan.tier === 'manual'
    ? `page.manual.${plan.eventId}.${plan.team}`
    : `page.${plan.severity}.t${plan.tier}.${plan.team}`;
}

/** The step that sets a plan's later tiers' timers, once per severity. */
export function timersStepName(severity: Severity): string {
  return `timers.${severity}`;
}

export function isPageStep(name: string): boolean {
  return name.startsWith('page.');
}

function teamOf(step: StepState): string | undefined {
  const team = step.result?.team;
  return typeof team === 'string' ? team : undefined;
}

/**
 * The pages this incident calls for by now: each due tier of its current plan, for teams no earlier
 * page reached (a team in two tiers is paged once), while it is open and unacknowledged; and the
 * teams named by `/incident escalate`, while it is open.
 */
export function wantedPages(
  record: IncidentRecord,
  policy: EscalationPolicy | undefined,
  nowMs: number,
): PagePlan[] {
  const { incident, events } = record;
  if (incident.status === 'resolved' || !policy) return [];
  const steps = record.steps ?? {};
  const plans: PagePlan[] = [];

  const manual = events.filter(
    (event) =>
      event.kind === 'escalation' && event.author !== BOT_AUTHOR && (event.pageTeams ?? []).length > 0,
  );
  for (const event of manual) {
    for (const team of event.pageTeams ?? []) {
      if (!policy.teams[team]) continue;
      const plan: PagePlan = {
        name: '',
        team,
        tier: 'manual',
        severity: incident.severity,
        automatic: false,
      };
      if (event.text) plan.reason = event.text;
      plan.name = pageStepName({ ...plan, eventId: event.id });
      plans.push(plan);
    }
  }

  if (incident.acknowledgedAt) return plans;
  // Teams some other page already reached, or is reaching: a tier does not page them again.
  // A manual request counts as reaching its teams until its page fails for good, like a tier's.
  const gaveUp = (eventId: string, team: string) => {
    const step = steps[pageStepName({ tier: 'manual', team, severity: incident.severity, eventId })];
    return step?.state === 'failed' && step.permanent === true;
  };
  const reached = new Set<string>(pagedTeams(events.filter((event) => !manual.includes(event))));
  for (const step of Object.values(steps)) {
    const team = teamOf(step);
    if (team && isPageStep(step.name) && !(step.state === 'failed' && step.permanent)) reached.add(team);
  }
  for (const event of manual) {
    for (const team of event.pageTeams ?? []) if (!gaveUp(event.id, team)) reached.add(team);
  }
  for (const tier of planTiers(policy, incident)) {
    if (Date.parse(tier.dueAt) > nowMs) break;
    for (const team of tier.teams) {
      if (!policy.teams[team]) continue;
      const name = pageStepName({ tier: tier.tier, team, severity: tier.severity });
      const existing = steps[name];
      if (!existing && reached.has(team)) continue;
      // A page that failed for good leaves its team to the next tier that names it.
      if (!(existing?.state === 'failed' && existing.permanent)) reached.add(team);
      plans.push({ name, team, tier: tier.tier, severity: tier.severity, automatic: true });
    }
  }
  return plans;
}

/** Pages not finished yet; `readyAt` is when a failed one may be tried again (epoch ms). */
export function pendingPages(
  record: IncidentRecord,
  policy: EscalationPolicy | undefined,
  nowMs: number,
): (PagePlan & { readyAt: number })[] {
  const steps = record.steps ?? {};
  return wantedPages(record, policy, nowMs)
    .filter((plan) => !isFinished(steps[plan.name]))
    .map((plan) => ({ ...plan, readyAt: readyAt(steps[plan.name], nowMs) }));
}

/** When an unfinished step may be tried: after its backoff when it failed, its lease when running, else now. */
export function readyAt(step: StepState | undefined, nowMs: number): number {
  if (step?.state === 'failed') return step.retryAt ?? nowMs;
  if (step?.state === 'running') return step.leaseUntil ?? nowMs;
  return nowMs;
}

/** Teams a page reached, for telling the pagers about an acknowledgement or a resolution. */
export function teamsReached(record: IncidentRecord): string[] {
  const teams = new Set<string>();
  for (const step of Object.values(record.steps ?? {})) {
    const delivered = step.result?.delivered;
    const team = teamOf(step);
    if (team && isPageStep(step.name) && Array.isArray(delivered) && delivered.length > 0) teams.add(team);
  }
  return [...teams];
}

/** `pages-acknowledged` / `pages-resolved`, when due and not finished. */
export function pendingPagerNotices(record: IncidentRecord): string[] {
  const steps = record.steps ?? {};
  if (teamsReached(record).length === 0) return [];
  const notices: string[] = [];
  if (record.incident.status === 'resolved') notices.push(PAGES_RESOLVED);
  else if (record.incident.acknowledgedAt) notices.push(PAGES_ACKNOWLEDGED);
  return notices.filter((name) => !isFinished(steps[name]));
}

/** A resolved incident whose every step is finished: nothing left for the reconciler to do. */
export function isSettled(record: IncidentRecord, settings: ProgressSettings): boolean {
  if (record.incident.status !== 'resolved') return false;
  const steps = Object.values(record.steps ?? {});
  if (steps.some((step) => step.state === 'running')) return false;
  return (
    pendingSlackSteps(record, settings).length === 0 &&
    pendingPagerNotices(record).length === 0 &&
    ticketsWanted(record, settings.policy).length === 0
  );
}

/** A step a try could take now: never tried, failed and due again, or running on a lease that is gone. */
function takeable(step: StepState | undefined, nowMs: number, leasesBefore: number): boolean {
  if (!step) return true;
  if (step.state === 'failed') return !step.permanent && (step.retryAt ?? Number.POSITIVE_INFINITY) <= nowMs;
  if (step.state === 'running') return (step.leaseUntil ?? 0) < nowMs || (step.leasedAt ?? 0) < leasesBefore;
  return false;
}

/**
 * Whether the incident's progress lags its state: some Slack step, page or pager notice could be
 * taken now, timers for later tiers are not set, or a resolved incident is finished but not marked so.
 */
export function isLagging(
  record: IncidentRecord,
  settings: ProgressSettings,
  nowMs: number,
  leasesBefore = 0,
): boolean {
  const steps = record.steps ?? {};
  const { incident } = record;
  if (
    pendingSlackSteps(record, settings).some(
      ({ step, ready }) => ready && takeable(steps[step], nowMs, leasesBefore),
    )
  ) {
    return true;
  }
  if (
    pendingPages(record, settings.policy, nowMs).some((plan) =>
      takeable(steps[plan.name], nowMs, leasesBefore),
    )
  ) {
    return true;
  }
  if (pendingPagerNotices(record).some((name) => takeable(steps[name], nowMs, leasesBefore))) return true;
  if (ticketsWanted(record, settings.policy).some(({ step }) => takeable(steps[step], nowMs, leasesBefore))) {
    return true;
  }
  if (
    settings.texting &&
    textsDue(record, settings.policy, nowMs).some(
      ({ name }) => !isFinished(steps[name]) && takeable(steps[name], nowMs, leasesBefore),
    )
  ) {
    return true;
  }
  if (settings.policy && incident.status !== 'resolved' && !incident.acknowledgedAt) {
    const later = planTiers(settings.policy, incident).some((tier) => Date.parse(tier.dueAt) > nowMs);
    const timers = steps[timersStepName(incident.severity)];
    if (later && !isFinished(timers) && takeable(timers, nowMs, leasesBefore)) return true;
  }
  return incident.status === 'resolved' && !incident.settledAt && isSettled(record, settings);
}

const STEP_WHAT: Record<string, string> = {
  channel: 'incident channel',
  summary: 'summary',
  'summary-pinned': 'pin and topic',
  'announce-declared': 'announcement',
  'postmortem-stored': 'postmortem storage',
  'postmortem-uploaded': 'postmortem upload',
  'resolution-posted': 'resolution post',
  'announce-resolution': 'resolution announcement',
  [PAGES_ACKNOWLEDGED]: 'telling the pagers of the acknowledgement',
  [PAGES_RESOLVED]: 'resolving the pages',
};

/**
 * What the bot could not do, in plain words, for the pinned summary: steps failed for good, and
 * pages that keep failing (whether or not retries go on).
 */
export function progressProblems(record: IncidentRecord): string[] {
  const problems: string[] = [];
  for (const step of Object.values(record.steps ?? {})) {
    if (step.state !== 'failed' || !step.error) continue;
    if (isPageStep(step.name)) {
      const team = typeof step.result?.team === 'string' ? step.result.team : step.name;
      if (step.permanent || step.result?.noticed) {
        problems.push(
          `Paging ${team}${step.permanent ? ' failed' : ' keeps failing (retrying)'}: ${step.error}`,
        );
      }
    } else if (step.permanent && isTextStep(step.name)) {
      problems.push(`Texting about the unacknowledged page failed: ${step.error}`);
    } else if (step.permanent) {
      problems.push(`${STEP_WHAT[step.name] ?? step.name} failed: ${step.error}`);
    }
  }
  return problems;
}
