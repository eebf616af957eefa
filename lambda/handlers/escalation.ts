/**
 * Lambda entry for EventBridge Scheduler: a tier (or reminder) timer fell due. The timer is
 * validated; the engine re-checks the incident and pages at most once per tier.
 */
import { parseTimerEvent } from '../scheduling/eventbridge';
import { lambdaBot } from './environment';

export const handler = async (event: unknown): Promise<void> => {
  // A malformed event throws here, so Lambda's retries and the DLQ keep it visible rather than lost.
  const timer = parseTimerEvent(event);
  const bot = await lambdaBot();
  await bot.fireTimer(timer);
};
