/**
 * What a due timer does, whichever scheduler delivered it (EventBridge to the escalation Lambda, or
 * the local scheduler in-process).
 */
import type { Timer } from '../scheduling/scheduler';
import type { EscalationEngine } from './engine';

export interface TimerHandlers {
  escalation: EscalationEngine;
  /** Nudges (reminders); absent until wired, when a reminder timer does nothing. */
  remind?: (incidentId: string, timer: Timer) => Promise<void>;
}

export async function handleTimer(timer: Timer, handlers: TimerHandlers): Promise<void> {
  const { payload } = timer;
  switch (payload.type) {
    case 'escalation-tier':
      return handlers.escalation.fireTier(payload.incidentId, payload.severity, payload.tier);
    case 'reminder':
      return handlers.remind?.(payload.incidentId, timer);
  }
}
