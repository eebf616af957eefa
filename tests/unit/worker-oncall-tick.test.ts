/**
 * The reconcile schedule's minute tick in the worker runs the reconciler and the on-call work
 * (handoffs, user groups) side by side: a failure of one does not stop the other, and still fails
 * the invocation so the operators see it.
 */
import { createWorkerHandler, type WorkerBot } from '../../lambda/handlers/worker';
import { memoryLog } from '../../lambda/observability/log';

const context = { getRemainingTimeInMillis: () => 60_000 };

function bot(failing: { reconcile?: Error; syncOnCall?: Error }) {
  const ran: string[] = [];
  const worker: WorkerBot = {
    runJob: async () => {},
    reconcile: async () => {
      ran.push('reconcile');
      if (failing.reconcile) throw failing.reconcile;
    },
    syncOnCall: async () => {
      ran.push('syncOnCall');
      if (failing.syncOnCall) throw failing.syncOnCall;
    },
  };
  return { worker, ran };
}

describe('worker: the minute tick', () => {
  it('runs the reconciler and the on-call sync', async () => {
    // prepare
    const { worker, ran } = bot({});
    const handler = createWorkerHandler({ bot: async () => worker, logger: memoryLog() });

    // act
    await handler({ type: 'reconcile' }, context);

    // assess
    expect(ran.sort()).toEqual(['reconcile', 'syncOnCall']);
  });

  it('syncs on-call when the reconciler fails, and fails the invocation with the reconciler', async () => {
    // prepare
    const { worker, ran } = bot({ reconcile: new Error('DynamoDB unavailable') });
    const handler = createWorkerHandler({ bot: async () => worker, logger: memoryLog() });

    // act
    const outcome = handler({ type: 'reconcile' }, context);

    // assess
    await expect(outcome).rejects.toThrow('DynamoDB unavailable');
    expect(ran.sort()).toEqual(['reconcile', 'syncOnCall']);
  });

  it('reconciles when the on-call sync fails, logs it and fails the invocation', async () => {
    // prepare
    const { worker, ran } = bot({ syncOnCall: new Error('overrides unreadable') });
    const logger = memoryLog();
    const handler = createWorkerHandler({ bot: async () => worker, logger });

    // act
    const outcome = handler({ type: 'reconcile' }, context);

    // assess
    await expect(outcome).rejects.toThrow('overrides unreadable');
    expect(ran.sort()).toEqual(['reconcile', 'syncOnCall']);
    expect(logger.messages()).toEqual(['on-call sync failed: overrides unreadable']);
  });
});
