/**
 * Lambda entry for EventBridge Scheduler: a tier (or reminder) timer fell due. The timer is
 * validated; the engine re-checks the incident and pages at most once per tier.
 */

import type { Context } from 'aws-lambda';
import { errorMessage } from '../incidents/errors';
import { lambdaLogger } from '../observability/log';
import { lambdaMetrics } from '../observability/metrics';
import { parseTimerEvent } from '../scheduling/eventbridge';
import { lambdaBot } from './environment';

export const handler = async (event: unknown, context?: Context): Promise<void> => {
  const logger = lambdaLogger();
  if (context) logger.addContext(context);
  try {
    // A malformed event throws here, so Lambda's retries and the DLQ keep it visible rather than lost.
    const timer = parseTimerEvent(event);
    logger.appendKeys({ timerId: timer.id, incidentId: timer.payload.incidentId });
    const bot = await lambdaBot();
    await bot.fireTimer(timer);
  } catch (error) {
    logger.error('timer failed; Lambda retries it, then its dead-letter queue keeps it', {
      error: errorMessage(error),
    });
    throw error;
  } finally {
    logger.removeKeys(['timerId', 'incidentId']);
    // Pages the timer sent are counted per invocation.
    lambdaMetrics().flush();
  }
};
