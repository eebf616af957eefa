/**
 * LocalScheduler on a real dynalite: timers fire once, not early, survive a restart, and are removed
 * only after their fire succeeded. A controlled clock decides what is due wherever the test does not
 * need real time to pass; each test gets its own table, because all timers share one partition.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalScheduler, type LocalSchedulerOptions, type TimerFailure } from '../../lambda/scheduling/local';
import { makeTimer, type Timer } from '../../lambda/scheduling/scheduler';
import { DynamoTimerStore } from '../../lambda/store/timer-store';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

let dynamo: TestDynamo;
let timers: DynamoTimerStore;
const started: LocalScheduler[] = [];

beforeAll(async () => {
  dynamo = await startTestDynamo();
});

beforeEach(async () => {
  timers = new DynamoTimerStore({
    client: dynamo.client,
    tableName: await dynamo.freshTable('local-scheduler-test'),
  });
});

afterEach(async () => {
  // A failed assertion must not leave a poll loop running into the next test.
  await Promise.all(started.splice(0).map((scheduler) => scheduler.stop()));
});

afterAll(() => dynamo?.close());

const T0 = Date.parse('2024-02-18T15:00:00.000Z');

/** A clock the test moves by hand. */
function controlledClock(startMs = T0) {
  let nowMs = startMs;
  return {
    now: () => new Date(nowMs),
    set: (iso: string) => {
      nowMs = Date.parse(iso);
    },
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

function aTier(incidentNumber: number, dueAt: string | number): Timer {
  return makeTimer(
    { type: 'escalation-tier', incidentId: `INC-${incidentNumber}`, severity: 'sev2', tier: 1 },
    new Date(dueAt).toISOString(),
  );
}

/** Records fires; `behaviour` decides what each call does (resolve by default). */
function recordingFire(behaviour: (timer: Timer, call: number) => Promise<void> = async () => {}) {
  const calls: { timer: Timer; atMs: number }[] = [];
  const fire = (timer: Timer) => {
    calls.push({ timer, atMs: Date.now() });
    return behaviour(timer, calls.length);
  };
  return { fire, calls };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function aScheduler(options: Partial<LocalSchedulerOptions> & Pick<LocalSchedulerOptions, 'fire'>) {
  const errors: { error: unknown; failure: TimerFailure }[] = [];
  const scheduler = new LocalScheduler({
    timers,
    pollMs: 10,
    onError: (error, failure) => errors.push({ error, failure }),
    ...options,
  });
  return { scheduler, errors };
}

function startScheduler(scheduler: LocalScheduler): void {
  started.push(scheduler);
  scheduler.start();
}

describe('firing on time', () => {
  it('fires a timer 300 ms ahead once, after its due time, on real time', async () => {
    // prepare
    const { fire, calls } = recordingFire();
    const { scheduler, errors } = aScheduler({ fire });
    const timer = aTier(1, Date.now() + 300);
    await scheduler.schedule(timer);

    // act
    startScheduler(scheduler);
    await waitFor(() => calls.length > 0, 'the fire');
    await sleep(100); // ten more polls, any of which could fire it again

    // assess
    const latenessMs = (calls[0]?.atMs ?? 0) - Date.parse(timer.dueAt);
    expect(calls.map((call) => call.timer)).toEqual([timer]);
    expect(latenessMs).toBeGreaterThanOrEqual(0);
    expect(await timers.listAll()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('does not fire a millisecond before the due time, and fires at it', async () => {
    // prepare
    const clock = controlledClock();
    const { fire, calls } = recordingFire();
    const { scheduler } = aScheduler({ fire, clock });
    const timer = aTier(1, T0 + 60_000);
    await scheduler.schedule(timer);

    // act
    clock.set('2024-02-18T15:00:59.999Z');
    await scheduler.runDue();
    const firesBeforeDue = calls.length;
    clock.set('2024-02-18T15:01:00.000Z');
    await scheduler.runDue();

    // assess
    expect(firesBeforeDue).toBe(0);
    expect(calls.map((call) => call.timer)).toEqual([timer]);
    expect(await timers.listAll()).toEqual([]);
  });

  it('fires each due timer once however often it runs, earliest first, and leaves later ones', async () => {
    // prepare
    const clock = controlledClock();
    const { fire, calls } = recordingFire();
    const { scheduler } = aScheduler({ fire, clock });
    const second = aTier(2, T0 + 20_000);
    const first = aTier(1, T0 + 10_000);
    const later = aTier(3, T0 + 60_000);
    for (const timer of [second, later, first]) await scheduler.schedule(timer);
    clock.advance(30_000);

    // act
    await scheduler.runDue();
    await scheduler.runDue();

    // assess
    expect(calls.map((call) => call.timer)).toEqual([first, second]);
    expect(await timers.listAll()).toEqual([later]);
  });
});

describe('schedule and cancel', () => {
  it('never fires a cancelled timer', async () => {
    // prepare
    const clock = controlledClock();
    const { fire, calls } = recordingFire();
    const { scheduler } = aScheduler({ fire, clock });
    const cancelled = aTier(1, T0 + 1_000);
    const kept = aTier(2, T0 + 1_000);
    await scheduler.schedule(cancelled);
    await scheduler.schedule(kept);

    // act
    await scheduler.cancel(cancelled.id);
    clock.advance(60_000);
    await scheduler.runDue();

    // assess
    expect(calls.map((call) => call.timer)).toEqual([kept]);
  });

  it('cancels an unknown id without complaint', async () => {
    // prepare
    const { scheduler } = aScheduler({ fire: async () => {} });

    // act
    const cancel = scheduler.cancel('INC-404.sev1.t0');

    // assess
    await expect(cancel).resolves.toBeUndefined();
  });

  it('fires a timer scheduled twice once, as first scheduled, even when the second asks another time', async () => {
    // prepare
    const clock = controlledClock();
    const { fire, calls } = recordingFire();
    const { scheduler } = aScheduler({ fire, clock });
    const timer = aTier(1, T0 + 1_000);

    // act
    await scheduler.schedule(timer);
    await scheduler.schedule(timer);
    await scheduler.schedule({ ...timer, dueAt: new Date(T0 + 5_000).toISOString() });
    clock.advance(10_000);
    await scheduler.runDue();
    await scheduler.runDue();

    // assess
    expect(calls.map((call) => call.timer)).toEqual([timer]);
  });

  it('refuses a timer id EventBridge would refuse, so local runs catch it too', async () => {
    // prepare
    const { scheduler } = aScheduler({ fire: async () => {} });

    // act
    const schedule = scheduler.schedule({ ...aTier(1, T0), id: 'INC-1 tier 1' });

    // assess
    await expect(schedule).rejects.toThrow(/must match/);
  });
});

describe('restarts', () => {
  it('fires, after a restart on the same data directory, a timer that fell due while stopped', async () => {
    // prepare: scheduler A polls, then stops (with its store) before the timer is due
    const dataDir = await mkdtemp(join(tmpdir(), 'incident-bot-timers-'));
    const clock = controlledClock();
    const timer = aTier(1, T0 + 60_000);
    const a = recordingFire();
    const b = recordingFire();
    try {
      const first = await startTestDynamo({ dataDir });
      const firstTable = await first.freshTable('local-scheduler-restart');
      const schedulerA = new LocalScheduler({
        timers: new DynamoTimerStore({ client: first.client, tableName: firstTable }),
        fire: a.fire,
        clock,
        pollMs: 10,
      });
      startScheduler(schedulerA);
      await schedulerA.schedule(timer);
      await sleep(50);
      await schedulerA.stop();
      await first.close();
      clock.advance(120_000);

      // act: scheduler B starts on the same data after the due time
      const second = await startTestDynamo({ dataDir });
      const secondTimers = new DynamoTimerStore({ client: second.client, tableName: firstTable });
      const schedulerB = new LocalScheduler({ timers: secondTimers, fire: b.fire, clock, pollMs: 10 });
      startScheduler(schedulerB);
      await waitFor(() => b.calls.length > 0, 'scheduler B to fire');
      await schedulerB.stop();
      const left = await secondTimers.listAll();
      await second.close();

      // assess
      expect(a.calls).toEqual([]);
      expect(b.calls.map((call) => call.timer)).toEqual([timer]);
      expect(left).toEqual([]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fires again, in the next process, a timer whose fire never finished (a crash mid-fire)', async () => {
    // prepare: A's fire hangs, as if the process died in it
    const clock = controlledClock();
    const hung = deferred();
    const a = recordingFire(() => hung.promise);
    const b = recordingFire();
    const { scheduler: schedulerA } = aScheduler({ fire: a.fire, clock });
    const { scheduler: schedulerB } = aScheduler({ fire: b.fire, clock });
    const timer = aTier(1, T0);
    await schedulerA.schedule(timer);
    const runA = schedulerA.runDue();
    await waitFor(() => a.calls.length > 0, 'scheduler A to fire');

    // act
    await schedulerB.runDue();

    // assess
    expect(b.calls.map((call) => call.timer)).toEqual([timer]);
    expect(await timers.listAll()).toEqual([]);
    hung.resolve();
    await runA;
  });
});

describe('failures', () => {
  it('retries a fire that threw after its backoff, then removes the timer', async () => {
    // prepare
    const clock = controlledClock();
    const { fire, calls } = recordingFire(async (_, call) => {
      if (call === 1) throw new Error('Slack is down');
    });
    const { scheduler, errors } = aScheduler({ fire, clock, retry: { baseMs: 1_000 } });
    const timer = aTier(1, T0);
    await scheduler.schedule(timer);

    // act
    await scheduler.runDue();
    const storedAfterFailure = await timers.listAll();
    clock.advance(999);
    await scheduler.runDue();
    const callsDuringBackoff = calls.length;
    clock.advance(1);
    await scheduler.runDue();

    // assess
    expect(storedAfterFailure).toEqual([timer]);
    expect(callsDuringBackoff).toBe(1);
    expect(calls).toHaveLength(2);
    expect(errors).toEqual([
      { error: new Error('Slack is down'), failure: { stage: 'fire', timer, attempt: 1, willRetry: true } },
    ]);
    expect(await timers.listAll()).toEqual([]);
  });

  it('retries from the poll loop on real time', async () => {
    // prepare
    const { fire, calls } = recordingFire(async (_, call) => {
      if (call === 1) throw new Error('Slack is down');
    });
    const { scheduler, errors } = aScheduler({ fire, retry: { baseMs: 30 } });
    const timer = aTier(1, Date.now());
    await scheduler.schedule(timer);

    // act
    startScheduler(scheduler);
    await waitFor(() => calls.length === 2, 'the retry');
    await scheduler.stop();

    // assess
    expect((calls[1]?.atMs ?? 0) - (calls[0]?.atMs ?? 0)).toBeGreaterThanOrEqual(30);
    expect(errors.map(({ failure }) => failure)).toEqual([
      { stage: 'fire', timer, attempt: 1, willRetry: true },
    ]);
    expect(await timers.listAll()).toEqual([]);
  });

  it('doubles the backoff and drops the timer, reporting it, after the last attempt', async () => {
    // prepare
    const clock = controlledClock();
    const { fire, calls } = recordingFire(async () => {
      throw new Error('incident store unreachable');
    });
    const { scheduler, errors } = aScheduler({ fire, clock, retry: { baseMs: 1_000, maxAttempts: 3 } });
    const timer = aTier(1, T0);
    await scheduler.schedule(timer);

    // act: attempts at +0, +1 s and +3 s (1 s, then 2 s of backoff)
    await scheduler.runDue();
    clock.advance(1_000);
    await scheduler.runDue();
    clock.advance(1_999);
    await scheduler.runDue();
    const callsBeforeSecondBackoffEnds = calls.length;
    clock.advance(1);
    await scheduler.runDue();
    clock.advance(60_000);
    await scheduler.runDue();

    // assess
    expect(callsBeforeSecondBackoffEnds).toBe(2);
    expect(calls).toHaveLength(3);
    expect(errors.map(({ failure }) => failure)).toEqual([
      { stage: 'fire', timer, attempt: 1, willRetry: true },
      { stage: 'fire', timer, attempt: 2, willRetry: true },
      { stage: 'fire', timer, attempt: 3, willRetry: false },
    ]);
    expect(await timers.listAll()).toEqual([]);
  });

  it('retries only the removal when removing a fired timer failed, without firing it again', async () => {
    // prepare
    const clock = controlledClock();
    const { fire, calls } = recordingFire();
    const { scheduler, errors } = aScheduler({ fire, clock });
    const timer = aTier(1, T0);
    await scheduler.schedule(timer);
    const remove = jest.spyOn(timers, 'remove').mockRejectedValueOnce(new Error('connection reset'));

    // act
    await scheduler.runDue();
    const storedAfterFailedRemoval = await timers.listAll();
    await scheduler.runDue();

    // assess
    remove.mockRestore();
    expect(storedAfterFailedRemoval).toEqual([timer]);
    expect(calls).toHaveLength(1);
    expect(errors.map(({ failure }) => failure)).toEqual([{ stage: 'remove', timer }]);
    expect(await timers.listAll()).toEqual([]);
  });

  it('reports a failed poll and keeps polling', async () => {
    // prepare
    const { fire, calls } = recordingFire();
    const { scheduler, errors } = aScheduler({ fire });
    await scheduler.schedule(aTier(1, Date.now()));
    const listDue = jest.spyOn(timers, 'listDue').mockRejectedValueOnce(new Error('ECONNREFUSED'));

    // act
    startScheduler(scheduler);
    await waitFor(() => calls.length > 0, 'the fire after the failed poll');
    await scheduler.stop();

    // assess
    listDue.mockRestore();
    expect(errors).toEqual([{ error: new Error('ECONNREFUSED'), failure: { stage: 'poll' } }]);
  });
});

describe('concurrency and stopping', () => {
  it('never runs two fires of one timer at once, whoever asks', async () => {
    // prepare
    const release = deferred();
    const { fire, calls } = recordingFire(() => release.promise);
    const { scheduler } = aScheduler({ fire, pollMs: 5 });
    const timer = aTier(1, Date.now());
    await scheduler.schedule(timer);

    // act: the poll loop and two direct runs all see the timer due while its fire is under way
    startScheduler(scheduler);
    await waitFor(() => calls.length > 0, 'the first fire');
    const runs = [scheduler.runDue(), scheduler.runDue()];
    await sleep(50);
    const callsWhileFiring = calls.length;
    release.resolve();
    await Promise.all(runs);

    // assess
    expect(callsWhileFiring).toBe(1);
    expect(calls).toHaveLength(1);
    expect(await timers.listAll()).toEqual([]);
  });

  it('does not hold up other due timers behind a slow fire', async () => {
    // prepare
    const clock = controlledClock();
    const release = deferred();
    const slow = aTier(1, T0 + 1_000);
    const next = aTier(2, T0 + 2_000);
    const { fire, calls } = recordingFire((timer) =>
      timer.id === slow.id ? release.promise : Promise.resolve(),
    );
    const { scheduler } = aScheduler({ fire, clock });
    await scheduler.schedule(slow);
    await scheduler.schedule(next);
    startScheduler(scheduler);

    // act
    clock.advance(1_000);
    await waitFor(() => calls.length === 1, 'the slow fire');
    clock.advance(1_000);
    await waitFor(() => calls.length === 2, 'the next timer, while the slow fire still runs');
    release.resolve();
    await scheduler.stop();

    // assess
    expect(calls.map((call) => call.timer)).toEqual([slow, next]);
    expect(await timers.listAll()).toEqual([]);
  });

  it('stops only once the fire under way has finished and its timer is removed', async () => {
    // prepare
    const release = deferred();
    const { fire, calls } = recordingFire(() => release.promise);
    const { scheduler } = aScheduler({ fire });
    await scheduler.schedule(aTier(1, Date.now()));
    startScheduler(scheduler);
    await waitFor(() => calls.length > 0, 'the fire');

    // act
    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await sleep(50);
    const stoppedWhileFiring = stopped;
    release.resolve();
    await stopping;

    // assess
    expect(stoppedWhileFiring).toBe(false);
    expect(await timers.listAll()).toEqual([]);
  });

  it('fires nothing more once stopped', async () => {
    // prepare
    const clock = controlledClock();
    const { fire, calls } = recordingFire();
    const { scheduler } = aScheduler({ fire, clock });
    startScheduler(scheduler);
    await scheduler.schedule(aTier(1, T0 + 1_000));

    // act
    await scheduler.stop();
    clock.advance(60_000);
    await sleep(50);

    // assess
    expect(calls).toEqual([]);
    expect(await timers.listAll()).toHaveLength(1);
  });
});
