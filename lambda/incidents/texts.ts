/**
 * Who gets a text message (SMS) when a page goes unacknowledged: pure, from the record alone. When
 * tier N (N ≥ 1) of an open, unacknowledged incident comes due, every person an earlier tier paged in
 * person (a team's `schedule:` named them: the page event's `page.onCall`) is texted once for that
 * tier. A single-tier plan has no later tier, so nobody is texted. Whether a person has a phone number
 * is not the domain's business: the escalation's texts (escalation/texts.ts) skip those without one.
 */
import { planTiers, reasonNotToPage } from './escalation';
import type { EscalationPolicy } from './policy';
import { BOT_AUTHOR, type IncidentRecord, type Severity } from './types';

/** One person to text for one tier: who, for which team's page, paged when. */
export interface TextRecipient {
  userId: string;
  team: string;
  /** When the earlier page reached them (the page event's time). */
  pagedAt: string;
}

/** A tier whose coming due texts the people earlier tiers paged in person. */
export interface TierTexts {
  /** `sms.sev1.t1`: the step that texts them, once each. */
  name: string;
  severity: Severity;
  /** The policy's 0-based tier index, at least 1. */
  tier: number;
  dueAt: string;
  recipients: TextRecipient[];
}

/** The step that texts the people an unacknowledged page reached when tier `tier` comes due. */
export function textStepName(severity: Severity, tier: number): string {
  return `sms.${severity}.t${tier}`;
}

export function isTextStep(name: string): boolean {
  return name.startsWith('sms.');
}

/** The timeline event saying `userId` was texted for the step (or that texting them failed). */
export const textEventId = {
  sent: (step: string, userId: string) => `${step}.${userId}`,
  failed: (step: string, userId: string) => `${step}.${userId}.failed`,
};

/**
 * People paged in person before tier `tier` came due, by earlier tiers (manual pages are not counted):
 * each once, with their first such page. A page from the moment the tier came due or later (a
 * re-plan that made several tiers due at once) is not "unacknowledged after" anything yet.
 */
export function pagedInPersonBefore(record: IncidentRecord, tier: number, dueAt: string): TextRecipient[] {
  const due = Date.parse(dueAt);
  const byUser = new Map<string, TextRecipient>();
  for (const event of record.events) {
    const page = event.page;
    if (event.kind !== 'escalation' || event.author !== BOT_AUTHOR || !page?.onCall || page.failed) continue;
    if (typeof page.tier !== 'number' || page.tier >= tier) continue;
    if (!(Date.parse(event.at) < due)) continue;
    const known = byUser.get(page.onCall);
    if (!known || Date.parse(event.at) < Date.parse(known.pagedAt)) {
      byUser.set(page.onCall, { userId: page.onCall, team: event.team ?? '', pagedAt: event.at });
    }
  }
  return [...byUser.values()].sort((a, b) => Date.parse(a.pagedAt) - Date.parse(b.pagedAt));
}

/**
 * The tiers of the incident's current plan that are due by `nowMs`, from the second on, each with the
 * people to text; none while the incident is resolved or acknowledged. A tier with nobody paged in
 * person before it is left out (nothing to do).
 */
export function textsDue(
  record: IncidentRecord,
  policy: EscalationPolicy | undefined,
  nowMs: number,
): TierTexts[] {
  const { incident } = record;
  if (!policy || reasonNotToPage(incident, incident.severity)) return [];
  return planTiers(policy, incident)
    .filter((tier) => tier.tier >= 1 && Date.parse(tier.dueAt) <= nowMs)
    .map((tier) => ({
      name: textStepName(tier.severity, tier.tier),
      severity: tier.severity,
      tier: tier.tier,
      dueAt: tier.dueAt,
      recipients: pagedInPersonBefore(record, tier.tier, tier.dueAt),
    }))
    .filter((tier) => tier.recipients.length > 0);
}
