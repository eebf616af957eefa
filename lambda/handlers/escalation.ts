/**
 * Lambda entry for EventBridge Scheduler: a tier (or reminder) timer fell due. The timer is
 * validated; the engine re-checks the incident and pages at most once per tier.
 */

import type { Context } from 'aws-lambda';
import { withObservability } from '../observability/handler';
import { lambdaLogger } from '../observability/log';
import { parseTimerEvent } from '../scheduling/eventbridge';
import { lambdaBot } from './lambda-bot';

// Pages the timer sent are counted per invocation (withObservability flushes them).
export const handler = withObservability(
  async (event: unknown, _context?: Context): Promise<void> => {
    // A malformed event throws here, so Lambda's retries and the DLQ keep it visible rather than lost.
    const timer = parseTimerEvent(event);
    lambdaLogger().appendKeys({ timerId: timer.id, incidentId: timer.payload.incidentId });
    const bot = await lambdaBot();
    await bot.fireTimer(timer);
  },
  {
    failure: 'timer failed; Lambda retries it, then its dead-letter queue keeps it',
    removeKeys: ['timerId', 'incidentId'],
  },
);
