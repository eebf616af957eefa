/**
 * Text messages (SMS) for pages nobody acknowledged: when tier N (N ≥ 1) comes due on an open,
 * unacknowledged incident, each person an earlier tier paged in person (incidents/texts.ts) who has a
 * phone number gets one SMS. Off unless numbers are configured (the Slack secret's `phoneNumbers`, or
 * ONCALL_PHONE_NUMBERS locally). Each tier's texts are one step (`sms.<sev>.t<n>`) whose result lists
 * who was texted, so a timer delivered twice, a redelivered job or two workers text nobody twice; a
 * failure SNS may get past is retried with backoff through an `sms` job, and one it refused is told
 * on the timeline as such. The timeline says "texted" only for a text SNS accepted.
 */
import { planTiers, reasonNotToPage } from '../incidents/escalation';
import type { EscalationPolicy } from '../incidents/policy';
import { isFinished, readyAt } from '../incidents/progress';
import {
  pagedInPersonBefore,
  type TextRecipient,
  textEventId,
  textStepName,
  textsDue,
} from '../incidents/texts';
import type { Clock } from '../incidents/time';
import type { Incident, IncidentRecord, Severity, StepState } from '../incidents/types';
import type { Job } from '../jobs/jobs';
import { TextSendError, type TextSender } from '../paging/sms';
import { unacknowledgedPageSms } from '../paging/sms-text';
import { channelLink } from '../slack/page-text';
import type { IncidentStore } from '../store/store';
import {
  addEscalationEvent,
  backoffMs,
  comeBackDelayMs,
  DEFAULT_PAGE_RETRY,
  PAGE_LEASE_MS,
  type PageRetryPolicy,
} from './engine';

export interface TextDeps {
  store: IncidentStore;
  sender: TextSender;
  /** Slack user id → E.164 number. Secrets: never logged, never stored on the record. */
  phoneNumbers: Readonly<Record<string, string>>;
  clock: Clock;
  policy: EscalationPolicy | undefined;
  enqueue: (job: Job, options?: { delayMs?: number }) => Promise<void>;
  /** The pages' retry policy (attempts and backoff) applies to texts too. */
  retry?: Partial<PageRetryPolicy>;
  random?: () => number;
  log?: (line: string) => void;
}

export class UnacknowledgedTexts {
  private readonly retry: PageRetryPolicy;
  private readonly random: () => number;

  constructor(private readonly deps: TextDeps) {
    this.retry = { ...DEFAULT_PAGE_RETRY, ...deps.retry };
    this.random = deps.random ?? Math.random;
  }

  private nowMs(): number {
    return this.deps.clock.now().getTime();
  }

  /**
   * Queues the texts of every tier due by `nowMs` (only `tier` when given: its timer fired) that are
   * not done and not waiting out a backoff or a running try. Run from the engine's `sync` (so the
   * reconciler catches up a lost job or timer) and when a tier's timer fires.
   */
  async queueDue(record: IncidentRecord, nowMs: number, tier?: number): Promise<void> {
    const steps = record.steps ?? {};
    const due = textsDue(record, this.deps.policy, nowMs).filter(
      (texts) => tier === undefined || texts.tier === tier,
    );
    for (const texts of due) {
      const step = steps[texts.name];
      if (isFinished(step) || readyAt(step, nowMs) > nowMs) continue;
      await this.deps.enqueue(this.job(record.incident.id, texts.severity, texts.tier));
    }
  }

  private job(incidentId: string, severity: Severity, tier: number): Job {
    return { type: 'sms', incidentId, severity, tier };
  }

  /** The `sms` job: texts each person of the tier who has a number and was not texted for it yet. */
  async run(incidentId: string, severity: Severity, tier: number): Promise<void> {
    const { store } = this.deps;
    const record = await store.getRecord(incidentId);
    if (!record) throw new Error(`${incidentId} not found`);
    const { incident } = record;
    const name = textStepName(severity, tier);
    const planned = planTiers(this.deps.policy, incident).find(
      (candidate) => candidate.tier === tier && candidate.severity === severity,
    );
    const stop = reasonNotToPage(incident, severity) ?? (planned ? undefined : 'not in the plan');
    if (stop || !planned) {
      // Acknowledged, resolved or re-planned since it was queued: a pending retry stops here.
      // Done, not failed: nothing is owed, and the pinned summary lists no problem.
      const step = record.steps?.[name];
      if (step && !isFinished(step) && step.state !== 'running') {
        await store.finishStep(incidentId, name, { ...step.result, stopped: stop });
      }
      return;
    }
    const step = await store.acquireStep(incidentId, name, PAGE_LEASE_MS);
    if (!step) {
      await this.comeBackWhenDue(record.steps?.[name], this.job(incidentId, severity, tier));
      return;
    }
    const texted = new Set(listOf(step.result?.texted));
    const refused = new Set(listOf(step.result?.refused));
    const failed: { recipient: TextRecipient; error: string }[] = [];
    for (const recipient of pagedInPersonBefore(record, tier, planned.dueAt)) {
      if (texted.has(recipient.userId) || refused.has(recipient.userId)) continue;
      const phoneNumber = this.deps.phoneNumbers[recipient.userId];
      if (!phoneNumber) continue;
      const now = this.nowMs();
      const text = unacknowledgedPageSms(
        incident,
        now - Date.parse(recipient.pagedAt),
        channelLink(incident),
      );
      try {
        await this.deps.sender.send(phoneNumber, text);
      } catch (error) {
        const retryable = !(error instanceof TextSendError) || error.retryable;
        // The timeline is no place for a number, should an error ever quote one back.
        const reason = (error instanceof Error ? error.message : String(error))
          .split(phoneNumber)
          .join('(number)')
          .replace(/\+\d{8,15}/g, '(number)');
        if (retryable) {
          failed.push({ recipient, error: reason });
        } else {
          refused.add(recipient.userId);
          await this.recordFailure(incident, name, tier, recipient, reason, 'refused');
        }
        continue;
      }
      texted.add(recipient.userId);
      await this.addEvent(incident, textEventId.sent(name, recipient.userId), {
        subject: recipient.userId,
        text: `was texted (SMS): their page to ${recipient.team} was unacknowledged when tier ${tier + 1} came due`,
      });
    }
    const result = { ...step.result, tier, texted: [...texted], refused: [...refused] };
    if (failed.length === 0) {
      await store.finishStep(incidentId, name, result);
      return;
    }
    const error = failed.map((f) => `${f.recipient.userId}: ${f.error}`).join('; ');
    if (step.attempts >= this.retry.maxAttempts) {
      for (const f of failed) {
        await this.recordFailure(
          incident,
          name,
          tier,
          f.recipient,
          f.error,
          `gave up after ${step.attempts} tries`,
        );
      }
      await store.failStep(incidentId, name, { error, permanent: true, result });
      return;
    }
    const delayMs = backoffMs(this.retry, step.attempts, this.random);
    this.deps.log?.(`${incidentId} ${name}: ${error}; retrying in ${delayMs} ms`);
    await store.failStep(incidentId, name, { error, retryAt: this.nowMs() + delayMs, result });
    await this.deps.enqueue(this.job(incidentId, severity, tier), { delayMs });
  }

  private async recordFailure(
    incident: Incident,
    step: string,
    tier: number,
    recipient: TextRecipient,
    error: string,
    how: string,
  ): Promise<void> {
    this.deps.log?.(`${incident.id} ${step}: SMS to ${recipient.userId} not sent (${how}): ${error}`);
    await this.addEvent(incident, textEventId.failed(step, recipient.userId), {
      subject: recipient.userId,
      text: `could not be texted (SMS) when tier ${tier + 1} came due: ${how}: ${error}`,
    });
  }

  private async addEvent(
    incident: Incident,
    id: string,
    fields: { subject: string; text: string },
  ): Promise<void> {
    await addEscalationEvent(this.deps.store, incident.id, id, this.nowMs(), fields);
  }

  /** As the engine's pages: a try that finds the step waiting out a backoff comes back when it ends. */
  private async comeBackWhenDue(step: StepState | undefined, job: Job): Promise<void> {
    const delayMs = comeBackDelayMs(step, this.nowMs());
    if (delayMs !== undefined) await this.deps.enqueue(job, { delayMs });
  }
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
