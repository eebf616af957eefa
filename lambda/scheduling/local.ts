/**
 * The local adapter: timers kept in the table (so they survive a restart) and fired from a poll
 * loop in this process. A timer is removed only after `fire` resolved, so a crash mid-fire fires it
 * again after the restart: delivery is at least once, as with EventBridge, and the handler is
 * idempotent.
 */
import { type Clock, systemClock } from '../incidents/time';
import type { DynamoTimerStore } from '../store/timer-store';
import { assertSchedulable, type Scheduler, type Timer } from './scheduler';

export type TimerFailure =
  /** Listing the due timers failed; the next poll tries again. */
  | { stage: 'poll' }
  /** `fire` threw; retried after a backoff unless this was the last attempt, when the timer is dropped. */
  | { stage: 'fire'; timer: Timer; attempt: number; willRetry: boolean }
  /** Fired, but removing it failed; the next poll retries the removal without firing again. */
  | { stage: 'remove'; timer: Timer };

export interface LocalSchedulerOptions {
  timers: DynamoTimerStore;
  fire: (timer: Timer) => Promise<void>;
  /** Decides what is due; polling itself runs on real time. */
  clock?: Clock;
  pollMs?: number;
  /** Backoff after a failed fire, doubled per attempt up to `maxMs`; defaults 1 s, 60 s, 20 attempts. */
  retry?: { baseMs?: number; maxMs?: number; maxAttempts?: number };
  /** Defaults to console.error: a timer that fails must not fail silently. */
  onError?: (error: unknown, failure: TimerFailure) => void;
}

const DEFAULT_POLL_MS = 250;
const DEFAULT_RETRY = { baseMs: 1_000, maxMs: 60_000, maxAttempts: 20 };

interface FailedAttempts {
  attempts: number;
  /** Epoch ms on the scheduler's clock. */
  retryAt: number;
}

/** One stored timer: an id re-scheduled after it fired is a different occurrence. */
const occurrence = (timer: Pick<Timer, 'id' | 'dueAt'>) => `${timer.dueAt}#${timer.id}`;

export class LocalScheduler implements Scheduler {
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly retry: typeof DEFAULT_RETRY;
  private readonly onError: (error: unknown, failure: TimerFailure) => void;

  /** Fires under way, by occurrence: a timer listed again meanwhile joins the running fire. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, FailedAttempts>();
  /** Fired but not yet removed: the next pass only retries the removal. */
  private readonly firedNotRemoved = new Set<string>();

  private running = false;
  private poll: Promise<void> | undefined;
  private nextPoll: NodeJS.Timeout | undefined;

  constructor(private readonly options: LocalSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.onError =
      options.onError ??
      ((error, failure) =>
        console.error('Local scheduler:', failure, error instanceof Error ? error.message : error));
  }

  async schedule(timer: Timer): Promise<void> {
    assertSchedulable(timer);
    await this.options.timers.put(timer);
  }

  async cancel(timerId: string): Promise<void> {
    await this.options.timers.delete(timerId);
    // A later timer under the same id starts with a clean slate.
    for (const key of [...this.failures.keys(), ...this.firedNotRemoved]) {
      if (key.endsWith(`#${timerId}`)) {
        this.failures.delete(key);
        this.firedNotRemoved.delete(key);
      }
    }
  }

  /** Starts polling; the first poll is immediate, so timers that fell due while stopped fire now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // A poll still finishing from before a stop() reschedules itself now that we run again.
    if (!this.poll) this.pollNow();
  }

  /** Stops polling and resolves once every fire under way has finished. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.nextPoll);
    this.nextPoll = undefined;
    await this.poll;
    await Promise.all(this.inFlight.values());
  }

  /** Fires everything due now, once (a timer waiting out its backoff excepted), and waits for it. */
  async runDue(): Promise<void> {
    await Promise.all(await this.startDue());
  }

  private pollNow(): void {
    this.poll = this.startDue(() => this.running)
      .then(
        () => undefined,
        (error: unknown) => this.report(error, { stage: 'poll' }),
      )
      .finally(() => {
        this.poll = undefined;
        if (this.running) {
          this.nextPoll = setTimeout(() => this.pollNow(), this.pollMs);
          // The scheduler alone should not keep a process alive (a test that forgot stop()).
          this.nextPoll.unref();
        }
      });
  }

  /**
   * Lists the due timers and starts a fire for each one not already under way, not backing off and
   * not fired already; returns what each of them is waiting for. Fires are not awaited here, so a
   * slow fire does not hold up the timers that fall due behind it.
   */
  private async startDue(mayFire: () => boolean = () => true): Promise<Promise<void>[]> {
    const now = this.clock.now();
    const due = await this.options.timers.listDue(now.toISOString());
    if (!mayFire()) return [];
    this.forgetGone(due);
    return due.map((timer) => {
      const key = occurrence(timer);
      const running = this.inFlight.get(key);
      if (running) return running;
      const failed = this.failures.get(key);
      if (failed && failed.retryAt > now.getTime()) return Promise.resolve();
      const run = this.fireAndRemove(timer, key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, run);
      return run;
    });
  }

  /** Never rejects: every failure is reported and left for the next poll. */
  private async fireAndRemove(timer: Timer, key: string): Promise<void> {
    if (!this.firedNotRemoved.has(key)) {
      const attempt = (this.failures.get(key)?.attempts ?? 0) + 1;
      try {
        await this.options.fire(timer);
      } catch (error) {
        const willRetry = attempt < this.retry.maxAttempts;
        this.report(error, { stage: 'fire', timer, attempt, willRetry });
        if (willRetry) {
          const delay = Math.min(this.retry.baseMs * 2 ** (attempt - 1), this.retry.maxMs);
          this.failures.set(key, { attempts: attempt, retryAt: this.clock.now().getTime() + delay });
          return;
        }
        // Out of attempts: dropped (and reported above), like an EventBridge event past its age.
      }
      this.failures.delete(key);
      this.firedNotRemoved.add(key);
    }
    try {
      await this.options.timers.remove(timer);
      this.firedNotRemoved.delete(key);
    } catch (error) {
      this.report(error, { stage: 'remove', timer });
    }
  }

  /** Drops the retry state of timers no longer stored (cancelled, or removed by another process). */
  private forgetGone(due: Timer[]): void {
    // Everything with retry state was due when it failed and stays due, so it is listed unless gone.
    const listed = new Set(due.map(occurrence));
    for (const key of this.failures.keys()) if (!listed.has(key)) this.failures.delete(key);
    for (const key of this.firedNotRemoved) if (!listed.has(key)) this.firedNotRemoved.delete(key);
  }

  private report(error: unknown, failure: TimerFailure): void {
    try {
      this.onError(error, failure);
    } catch {
      // A failing error reporter must not stop the poll loop.
    }
  }
}
