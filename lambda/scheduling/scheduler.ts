/**
 * The scheduling port: escalation tiers and reminders become timers that fire later, through
 * EventBridge Scheduler in AWS and through `LocalScheduler` on one machine. Both adapters accept
 * the same ids and deliver the same JSON, so the escalation handler cannot tell them apart.
 */
import { z } from 'zod';
import { INCIDENT_ID_PATTERN, SEVERITIES } from '../incidents/types';

/** EventBridge Scheduler's rule for schedule names; the local adapter enforces it too. */
export const TIMER_ID_PATTERN = /^[0-9A-Za-z_.-]{1,64}$/;
// Ids are built from these parts joined by '.', so a part must not contain one.
const ID_PART = /^[0-9A-Za-z_-]+$/;

/** What fires when a timer is due; kept small and JSON-serialisable (it crosses EventBridge). */
const payloadSchema = z.discriminatedUnion(
  'type',
  [
    /** A tier of the escalation policy falls due. */
    z.object({
      type: z.literal('escalation-tier'),
      incidentId: z.string().regex(INCIDENT_ID_PATTERN, { error: 'expected an incident id like INC-7' }),
      severity: z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` }),
      tier: z.number({ error: 'expected a tier number (0, 1, 2, ...)' }).int().nonnegative(),
    }),
    /** The channel has had no update for the reminder interval. */
    z.object({
      type: z.literal('reminder'),
      incidentId: z.string().regex(INCIDENT_ID_PATTERN, { error: 'expected an incident id like INC-7' }),
    }),
  ],
  { error: 'expected type escalation-tier or reminder' },
);

/** A timer as JSON: what EventBridge delivers and what the local store holds. */
export const timerSchema = z.object({
  id: z.string().regex(TIMER_ID_PATTERN, { error: 'expected a schedule name ([0-9A-Za-z_.-], at most 64)' }),
  dueAt: z.iso.datetime({ offset: true, error: 'expected an ISO-8601 date-time' }),
  payload: payloadSchema,
});

export type TimerPayload = z.infer<typeof payloadSchema>;
export type EscalationTierPayload = Extract<TimerPayload, { type: 'escalation-tier' }>;
export type ReminderPayload = Extract<TimerPayload, { type: 'reminder' }>;
export type Timer = z.infer<typeof timerSchema>;

/**
 * Delivery is at least once and may be late (EventBridge works to the minute) or, after a cancel
 * that raced the firing, after all: the handler re-checks the incident before acting.
 */
export interface Scheduler {
  /** Idempotent: scheduling an id that exists replaces nothing and does not throw. */
  schedule(timer: Timer): Promise<void>;
  /** Idempotent: cancelling an unknown id is fine. */
  cancel(timerId: string): Promise<void>;
}

// Ids are built from these parts joined by '.', so a part must not contain one.

/**
 * The timer's name, the same for the same payload (and, for reminders, the same due second), so
 * a retried request schedules nothing twice and `cancel` needs no lookup.
 *
 * - `INC-7.sev2.t1`: a tier's id ignores its due time, so the engine cancels it knowing only the
 *   plan. The severity is part of it because a severity change re-plans with different tiers.
 * - `INC-7.reminder.20240218T153000Z`: each reminder is named by its due second. A fixed name would
 *   collide with the reminder that is firing (EventBridge deletes a schedule only after invoking
 *   its target, the local scheduler only after `fire` resolved), so the handler's "next reminder"
 *   would be dropped as a duplicate. Stale reminders need no cancel: the handler skips one when the
 *   incident has had an update since.
 */
export function timerId(payload: EscalationTierPayload): string;
export function timerId(payload: TimerPayload, dueAt: string): string;
export function timerId(payload: TimerPayload, dueAt?: string): string {
  const { incidentId } = payload;
  if (!ID_PART.test(incidentId)) {
    throw new Error(`Incident id ${JSON.stringify(incidentId)} cannot name a timer`);
  }
  let id: string;
  if (payload.type === 'escalation-tier') {
    if (!Number.isInteger(payload.tier) || payload.tier < 0) throw new Error(`Bad tier ${payload.tier}`);
    id = `${incidentId}.${payload.severity}.t${payload.tier}`;
  } else {
    if (dueAt === undefined) throw new Error('A reminder timer id needs its due time');
    // 2024-02-18T15:30:00.000Z -> 20240218T153000Z
    const compact = `${normalizeDueAt(dueAt).slice(0, 19).replace(/[-:]/g, '')}Z`;
    id = `${incidentId}.reminder.${compact}`;
  }
  if (!TIMER_ID_PATTERN.test(id)) throw new Error(`Timer id ${id} is not a valid schedule name`);
  return id;
}

/** A timer with its canonical id and due time. */
export function makeTimer(payload: TimerPayload, dueAt: string): Timer {
  return { id: timerId(payload, dueAt), dueAt: normalizeDueAt(dueAt), payload };
}

/**
 * `2024-02-18T15:30:00.000Z`, whatever ISO form came in. The local store orders timers by this
 * string, which is only chronological when every due time has the same shape.
 */
export function normalizeDueAt(dueAt: string): string {
  const ms = Date.parse(dueAt);
  if (Number.isNaN(ms)) throw new Error(`Bad timer due time ${JSON.stringify(dueAt)}`);
  return new Date(ms).toISOString();
}

/** Throws unless `timer` can be scheduled by either adapter. */
export function assertSchedulable(timer: Timer): void {
  if (!TIMER_ID_PATTERN.test(timer.id)) {
    throw new Error(
      `Timer id ${JSON.stringify(timer.id)} must match ${TIMER_ID_PATTERN} (EventBridge names)`,
    );
  }
  normalizeDueAt(timer.dueAt);
}
