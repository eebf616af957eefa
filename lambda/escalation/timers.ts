/**
 * What a due timer does, whichever scheduler delivered it (EventBridge to the escalation Lambda, or
 * the local scheduler in-process).
 */
import type { Timer } from '../scheduling/scheduler';
import type { EscalationEngine } from './engine';

export interface TimerHandlers {
  escalation: EscalationEngine;
}

export async function handleTimer(timer: Timer, handlers: TimerHandlers): Promise<void> {
  const { payload } = timer;
  switch (payload.type) {
    case 'escalation-tier':
      return handlers.escalation.fireTier(payload.incidentId, payload.severity, payload.tier);
    case 'reminder':
      return handlers.escalation.remind(payload.incidentId);
  }
}
