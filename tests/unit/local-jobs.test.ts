/**
 * lambda/jobs/local-jobs.ts, the local queue, with no store: an in-memory journal and a runner whose
 * jobs finish when the test says so. Waiting is on the runner's calls (promises resolved by hand);
 * where a delay matters, Jest's fake clock moves time.
 */
import { type Job, type JobRunner, laneOf } from '../../lambda/jobs/jobs';
import { type JobJournal, type JournalEntry, LocalJobs } from '../../lambda/jobs/local-jobs';
import { RetryLaterError } from '../../lambda/jobs/retry-later';

// Jobs in lane INC-A, in lane INC-B, and a page of INC-A in its own lane.
const A1: Job = { type: 'setup-channel', incidentId: 'INC-A' };
const A2: Job = { type: 'refresh-summary', incidentId: 'INC-A' };
const A3: Job = { type: 'publish-postmortem', incidentId: 'INC-A' };
const B1: Job = { type: 'setup-channel', incidentId: 'INC-B' };
const PAGE_A: Job = { type: 'page', incidentId: 'INC-A', step: 'page.sev1.t0.sre' };

const name = (job: Job) => `${job.type}@${laneOf(job)}`;

/** Lets every pending promise callback and I/O callback run (setImmediate stays real under fake timers). */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface Call {
  job: Job;
  finish(): void;
  fail(error: unknown): void;
}

/** A runner whose every job runs until the test finishes or fails it. */
function manualRunner() {
  const calls: Call[] = [];
  const listeners = new Set<() => void>();
  const run: JobRunner = (job) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ job, finish: () => resolve(), fail: reject });
      for (const listener of [...listeners]) listener();
    });
  /** The nth call (1-based) of this job, once it has started. */
  const started = (job: Job, nth = 1): Promise<Call> =>
    new Promise((resolve) => {
      const check = () => {
        const matching = calls.filter((call) => name(call.job) === name(job));
        const call = matching[nth - 1];
        if (call) {
          listeners.delete(check);
          resolve(call);
        }
      };
      listeners.add(check);
      check();
    });
  return { run, calls, started, names: () => calls.map((call) => name(call.job)) };
}

/** The journal in memory. Writes wait a turn of the event loop, as a store's would. */
class MemoryJournal implements JobJournal {
  readonly entries = new Map<string, JournalEntry>();

  async put(entry: JournalEntry): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.entries.set(entry.id, structuredClone(entry));
  }

  async remove(id: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.entries.delete(id);
  }

  async list(): Promise<JournalEntry[]> {
    // Like the store's journal: by id, which starts with the enqueue time.
    return [...this.entries.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  names(): string[] {
    return [...this.entries.values()].map((entry) => name(entry.job));
  }
}

let queues: LocalJobs[] = [];
function aQueue(run: JobRunner, options: ConstructorParameters<typeof LocalJobs>[1] = {}): LocalJobs {
  const jobs = new LocalJobs(run, options);
  queues.push(jobs);
  return jobs;
}

afterEach(async () => {
  jest.useRealTimers();
  // Stop every queue a test left behind, without waiting for jobs the test left hanging.
  await Promise.all(queues.map((jobs) => jobs.stop(0)));
  queues = [];
});

const useFakeClock = () =>
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'], now: 1_700_000_000_000 });

describe('lanes', () => {
  it('runs a job in another lane while one hangs', async () => {
    // prepare
    const runner = manualRunner();
    const jobs = aQueue(runner.run, { journal: new MemoryJournal() });
    await jobs.enqueue(A1);
    const hanging = await runner.started(A1);

    // act
    await jobs.enqueue(B1);
    await jobs.enqueue(PAGE_A);
    const other = await runner.started(B1);
    const page = await runner.started(PAGE_A);
    other.finish();
    page.finish();
    await settle();

    // assess
    expect(runner.names()).toEqual([name(A1), name(B1), name(PAGE_A)]);
    expect(jobs.pending()).toBe(1); // only the hanging job is left
    hanging.finish();
  });

  it('keeps the order within a lane, one job at a time', async () => {
    // prepare
    const runner = manualRunner();
    const jobs = aQueue(runner.run);

    // act
    await jobs.enqueue(A1);
    await jobs.enqueue(A2);
    await jobs.enqueue(A3);
    const first = await runner.started(A1);
    await settle();
    const whileFirstRuns = runner.names();
    first.fail(new Error('boom')); // a failed job holds its place for its retry: attempts default to 3
    await settle();
    const afterFailure = runner.names();

    // assess
    expect(whileFirstRuns).toEqual([name(A1)]);
    expect(afterFailure).toEqual([name(A1)]);
  });

  it('starts the next job of a lane only when the one before it is done', async () => {
    // prepare
    const runner = manualRunner();
    const jobs = aQueue(runner.run);
    await jobs.enqueue(A1);
    await jobs.enqueue(A2);
    await jobs.enqueue(A3);

    // act
    (await runner.started(A1)).finish();
    const second = await runner.started(A2);
    await settle();
    const whileSecondRuns = runner.names();
    second.finish();
    (await runner.started(A3)).finish();
    await jobs.drain();

    // assess
    expect(whileSecondRuns).toEqual([name(A1), name(A2)]);
    expect(runner.names()).toEqual([name(A1), name(A2), name(A3)]);
    expect(jobs.pending()).toBe(0);
  });
});

describe('retries', () => {
  it('reschedules a job that asks to retry later, after its delay, without counting an attempt or holding other lanes', async () => {
    // prepare
    useFakeClock();
    const runner = manualRunner();
    const errors: unknown[] = [];
    const jobs = aQueue(runner.run, { attempts: 1, onError: (_job, error) => errors.push(error) });
    await jobs.enqueue(A1);
    (await runner.started(A1)).fail(new RetryLaterError('ratelimited', 30_000));
    await settle();

    // act
    await jobs.enqueue(B1);
    (await runner.started(B1)).finish();
    await jest.advanceTimersByTimeAsync(29_999);
    const beforeDelay = runner.names();
    await jest.advanceTimersByTimeAsync(1);
    (await runner.started(A1, 2)).fail(new RetryLaterError('ratelimited again', 5_000));
    await jest.advanceTimersByTimeAsync(5_000);
    (await runner.started(A1, 3)).finish();
    await settle();

    // assess
    expect(beforeDelay).toEqual([name(A1), name(B1)]);
    expect(runner.names()).toEqual([name(A1), name(B1), name(A1), name(A1)]);
    expect(errors).toEqual([]); // with attempts: 1, a counted reschedule would have been reported
    expect(jobs.pending()).toBe(0);
  });

  it('keeps later jobs of the lane behind a job waiting out its retry delay', async () => {
    // prepare
    useFakeClock();
    const runner = manualRunner();
    const jobs = aQueue(runner.run);
    await jobs.enqueue(A1);
    await jobs.enqueue(A2);

    // act
    (await runner.started(A1)).fail(new RetryLaterError('ratelimited', 10_000));
    await settle();
    const whileWaiting = runner.names();
    await jest.advanceTimersByTimeAsync(10_000);
    (await runner.started(A1, 2)).finish();
    (await runner.started(A2)).finish();
    await settle();

    // assess
    expect(whileWaiting).toEqual([name(A1)]);
    expect(runner.names()).toEqual([name(A1), name(A1), name(A2)]);
  });

  it('tries a failing job `attempts` times, backing off, then reports it and goes on with the lane', async () => {
    // prepare
    useFakeClock();
    const errors: [string, unknown][] = [];
    const failure = new Error('HTTP 500');
    const runs: string[] = [];
    const run: JobRunner = async (job) => {
      runs.push(name(job));
      if (job === A1) throw failure;
    };
    const journal = new MemoryJournal();
    const jobs = aQueue(run, {
      journal,
      attempts: 3,
      backoffMs: 100,
      onError: (job, error) => errors.push([name(job), error]),
    });

    // act
    await jobs.enqueue(A1);
    await jobs.enqueue(A2);
    await settle();
    const first = runs.length;
    await jest.advanceTimersByTimeAsync(99);
    const beforeBackoff = runs.length;
    await jest.advanceTimersByTimeAsync(1);
    const second = runs.length;
    await jest.advanceTimersByTimeAsync(199);
    const beforeDoubledBackoff = runs.length;
    await jest.advanceTimersByTimeAsync(1);
    await settle();

    // assess
    expect([first, beforeBackoff, second, beforeDoubledBackoff]).toEqual([1, 1, 2, 2]);
    expect(runs).toEqual([name(A1), name(A1), name(A1), name(A2)]);
    expect(errors).toEqual([[name(A1), failure]]);
    expect(journal.entries.size).toBe(0);
  });

  it('keeps going when the error reporter itself throws', async () => {
    // prepare
    const runs: string[] = [];
    const run: JobRunner = async (job) => {
      runs.push(name(job));
      if (job === A1) throw new Error('always');
    };
    const jobs = aQueue(run, {
      attempts: 1,
      onError: () => {
        throw new Error('reporter broke');
      },
    });

    // act
    await jobs.enqueue(A1);
    await jobs.enqueue(A2);
    await jobs.drain();

    // assess
    expect(runs).toEqual([name(A1), name(A2)]);
  });
});

describe('an identical job', () => {
  it('is not queued twice while one is waiting in its lane', async () => {
    // prepare
    const runner = manualRunner();
    const journal = new MemoryJournal();
    const jobs = aQueue(runner.run, { journal });
    await jobs.enqueue(A1);
    const head = await runner.started(A1);

    // act
    await jobs.enqueue(A2);
    await jobs.enqueue({ ...A2 });
    await jobs.enqueue(A2);
    const waiting = jobs.pending();
    const journalled = journal.names();
    head.finish();
    (await runner.started(A2)).finish();
    await jobs.drain();

    // assess
    expect(waiting).toBe(2);
    expect(journalled).toEqual([name(A1), name(A2)]);
    expect(runner.names()).toEqual([name(A1), name(A2)]);
  });

  it('is queued again while the first one is already running (it may have read the record too early)', async () => {
    // prepare
    const runner = manualRunner();
    const jobs = aQueue(runner.run);
    await jobs.enqueue(A2);
    const first = await runner.started(A2);

    // act
    await jobs.enqueue(A2);
    const waiting = jobs.pending();
    first.finish();
    (await runner.started(A2, 2)).finish();
    await jobs.drain();

    // assess
    expect(waiting).toBe(2);
    expect(runner.names()).toEqual([name(A2), name(A2)]);
  });

  it('is not queued again with a later delay while one due sooner is waiting', async () => {
    // prepare
    const runner = manualRunner();
    const jobs = aQueue(runner.run);
    await jobs.enqueue(A1);
    const head = await runner.started(A1);
    await jobs.enqueue(A2);

    // act
    await jobs.enqueue(A2, { delayMs: 60_000 });
    const waiting = jobs.pending();
    head.finish();
    (await runner.started(A2)).finish();
    await jobs.drain();

    // assess
    expect(waiting).toBe(2);
    expect(runner.names()).toEqual([name(A1), name(A2)]);
    expect(jobs.pending()).toBe(0);
  });

  it('does not move a delayed one earlier: a retry never runs before its time', async () => {
    // prepare
    useFakeClock();
    const runner = manualRunner();
    const jobs = aQueue(runner.run);
    await jobs.enqueue(PAGE_A, { delayMs: 60_000 });

    // act
    await jobs.enqueue(PAGE_A);
    await settle();
    const beforeItsTime = runner.names();
    await jest.advanceTimersByTimeAsync(59_999);
    const justBefore = runner.names();
    await jest.advanceTimersByTimeAsync(1);
    (await runner.started(PAGE_A)).finish();
    (await runner.started(PAGE_A, 2)).finish(); // the second copy, queued behind it, runs after it
    await settle();

    // assess
    expect(beforeItsTime).toEqual([]);
    expect(justBefore).toEqual([]);
    expect(runner.names()).toEqual([name(PAGE_A), name(PAGE_A)]);
    expect(jobs.pending()).toBe(0);
  });
});

describe('the journal', () => {
  it('holds every job from before enqueue returns until it is done', async () => {
    // prepare
    const journal = new MemoryJournal();
    const runner = manualRunner();
    const jobs = aQueue(runner.run, { journal });

    // act
    await jobs.enqueue(A1);
    const afterEnqueue = journal.names();
    const running = await runner.started(A1);
    const whileRunning = journal.names();
    running.finish();
    await jobs.drain();
    await settle();

    // assess
    expect(afterEnqueue).toEqual([name(A1)]);
    expect(whileRunning).toEqual([name(A1)]);
    expect(journal.entries.size).toBe(0);
  });

  it('keeps a job that waits out a retry delay, and removes one that failed for good', async () => {
    // prepare
    useFakeClock();
    const journal = new MemoryJournal();
    const runner = manualRunner();
    const jobs = aQueue(runner.run, { journal, attempts: 1, onError: () => {} });
    await jobs.enqueue(A1);
    await jobs.enqueue(B1);

    // act
    (await runner.started(A1)).fail(new RetryLaterError('ratelimited', 60_000));
    (await runner.started(B1)).fail(new Error('channel_not_found'));
    await settle();

    // assess
    expect(journal.names()).toEqual([name(A1)]);
    expect([...journal.entries.values()][0]?.job).toEqual(A1);
  });

  it('is replayed by resume(), each lane in its order, and emptied as the jobs finish', async () => {
    // prepare: what a killed process left
    const journal = new MemoryJournal();
    const now = Date.now();
    const left: JournalEntry[] = [
      { id: `${now - 3}-a`, job: A1, notBefore: now - 3 },
      { id: `${now - 2}-b`, job: B1, notBefore: now - 2 },
      { id: `${now - 1}-c`, job: A2, notBefore: now - 1 },
    ];
    for (const entry of left) await journal.put(entry);
    const runs: string[] = [];
    const jobs = aQueue(
      async (job) => {
        runs.push(name(job));
      },
      { journal },
    );

    // act
    const resumed = await jobs.resume();
    await jobs.drain();
    await settle();

    // assess
    expect(resumed).toBe(3);
    expect(runs.filter((run) => run.endsWith('@INC-A'))).toEqual([name(A1), name(A2)]);
    expect(runs).toContain(name(B1));
    expect(journal.entries.size).toBe(0);
  });

  it('resumes a journalled job that was delayed only when its time comes', async () => {
    // prepare
    useFakeClock();
    const journal = new MemoryJournal();
    await journal.put({ id: `${Date.now()}-page`, job: PAGE_A, notBefore: Date.now() + 20_000 });
    const runner = manualRunner();
    const jobs = aQueue(runner.run, { journal });

    // act
    await jobs.resume();
    await jest.advanceTimersByTimeAsync(19_999);
    const early = runner.names();
    await jest.advanceTimersByTimeAsync(1);
    (await runner.started(PAGE_A)).finish();

    // assess
    expect(early).toEqual([]);
    expect(runner.names()).toEqual([name(PAGE_A)]);
  });
});

describe('stop', () => {
  it('gives up waiting at its timeout and starts nothing more, leaving the rest in the journal', async () => {
    // prepare
    useFakeClock();
    const journal = new MemoryJournal();
    const runner = manualRunner();
    const jobs = aQueue(runner.run, { journal });
    await jobs.enqueue(A1);
    await jobs.enqueue(A2);
    await jobs.enqueue(B1, { delayMs: 50 });
    const hanging = await runner.started(A1);

    // act
    let stopped: boolean | undefined;
    const stopping = jobs.stop(1_000).then((result) => {
      stopped = result;
    });
    await jest.advanceTimersByTimeAsync(999);
    const beforeTimeout = stopped;
    await jest.advanceTimersByTimeAsync(1);
    await stopping;
    await jobs.enqueue(B1);
    await jobs.enqueue(A3);
    hanging.finish();
    await jest.advanceTimersByTimeAsync(60_000);
    await settle();

    // assess
    expect(beforeTimeout).toBeUndefined();
    expect(stopped).toBe(false);
    expect(runner.names()).toEqual([name(A1)]);
    expect(journal.names().sort()).toEqual([name(A2), name(A3), name(B1)].sort());
  });

  it('returns as soon as the running jobs finish, before its timeout', async () => {
    // prepare
    useFakeClock();
    const journal = new MemoryJournal();
    const runner = manualRunner();
    const jobs = aQueue(runner.run, { journal });
    await jobs.enqueue(A1);
    await jobs.enqueue(B1);
    const a = await runner.started(A1);
    const b = await runner.started(B1);

    // act
    let stopped: boolean | undefined;
    const stopping = jobs.stop(10_000).then((result) => {
      stopped = result;
    });
    a.finish();
    await settle();
    const withOneRunning = stopped;
    b.finish();
    await stopping; // no fake time has passed

    // assess
    expect(withOneRunning).toBeUndefined();
    expect(stopped).toBe(true);
    expect(journal.entries.size).toBe(0);
  });
});

describe('drain', () => {
  it('waits for ready and briefly delayed jobs, and returns while only long-delayed ones remain', async () => {
    // prepare
    const journal = new MemoryJournal();
    const runs: string[] = [];
    const jobs = aQueue(
      async (job) => {
        runs.push(name(job));
      },
      { journal },
    );

    // act
    await jobs.enqueue(PAGE_A, { delayMs: 60_000 });
    await jobs.enqueue(A1);
    await jobs.enqueue(B1, { delayMs: 50 });
    await jobs.drain();

    // assess
    expect(runs.sort()).toEqual([name(A1), name(B1)].sort());
    expect(jobs.pending()).toBe(1);
    expect(journal.names()).toEqual([name(PAGE_A)]);
  });

  it('waits for jobs that running jobs enqueue', async () => {
    // prepare
    const runs: string[] = [];
    let jobs: LocalJobs | undefined;
    jobs = aQueue(async (job) => {
      runs.push(name(job));
      if (job === A1) await jobs?.enqueue(B1);
      if (job === B1) await jobs?.enqueue(PAGE_A, { delayMs: 20 });
    });

    // act
    await jobs.enqueue(A1);
    await jobs.drain();

    // assess
    expect(runs).toEqual([name(A1), name(B1), name(PAGE_A)]);
  });
});
