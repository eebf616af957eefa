/**
 * The worker's minute tick also polls tickets (trackers/poll.ts) beside the reconciler and the on-call
 * work: one failing does not stop the others, and a polling failure is logged and fails the invocation.
 */
import { createWorkerHandler, type WorkerBot } from '../../lambda/handlers/worker';
import { memoryLog } from '../../lambda/observability/log';

const context = { getRemainingTimeInMillis: () => 60_000 };

function bot(failing: { reconcile?: Error; syncOnCall?: Error; pollTickets?: Error }) {
  const ran: string[] = [];
  const step = (name: keyof typeof failing) => async () => {
    ran.push(name);
    if (failing[name]) throw failing[name];
  };
  const worker: WorkerBot = {
    runJob: async () => {},
    reconcile: step('reconcile'),
    syncOnCall: step('syncOnCall'),
    pollTickets: step('pollTickets'),
  };
  return { worker, ran };
}

describe('worker: ticket polling on the minute tick', () => {
  it('polls tickets beside the reconciler and the on-call sync', async () => {
    const { worker, ran } = bot({});
    const handler = createWorkerHandler({ bot: async () => worker, logger: memoryLog() });

    await handler({ type: 'reconcile' }, context);

    expect(ran.sort()).toEqual(['pollTickets', 'reconcile', 'syncOnCall']);
  });

  it("passes the reconciler's deadline: no poll starts within the reserve before the function's timeout", async () => {
    const { worker } = bot({});
    const seen: (number | undefined)[] = [];
    const polling: WorkerBot = {
      ...worker,
      pollTickets: async (options) => {
        seen.push(options?.deadline);
      },
    };
    const handler = createWorkerHandler({ bot: async () => polling, logger: memoryLog(), reserveMs: 15_000 });
    const before = Date.now();

    await handler({ type: 'reconcile' }, context);

    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeGreaterThanOrEqual(before + 60_000 - 15_000);
    expect(seen[0]).toBeLessThanOrEqual(Date.now() + 60_000 - 15_000);
  });

  it('polls when the reconciler and the on-call sync fail', async () => {
    const { worker, ran } = bot({ reconcile: new Error('DynamoDB unavailable'), syncOnCall: new Error('x') });
    const handler = createWorkerHandler({ bot: async () => worker, logger: memoryLog() });

    await expect(handler({ type: 'reconcile' }, context)).rejects.toThrow('DynamoDB unavailable');
    expect(ran.sort()).toEqual(['pollTickets', 'reconcile', 'syncOnCall']);
  });

  it('reconciles and syncs when polling fails, logs it and fails the invocation', async () => {
    const { worker, ran } = bot({ pollTickets: new Error('follow-ups unreadable') });
    const logger = memoryLog();
    const handler = createWorkerHandler({ bot: async () => worker, logger });

    await expect(handler({ type: 'reconcile' }, context)).rejects.toThrow('follow-ups unreadable');
    expect(ran.sort()).toEqual(['pollTickets', 'reconcile', 'syncOnCall']);
    expect(logger.messages()).toEqual(['ticket polling failed: follow-ups unreadable']);
  });
});
