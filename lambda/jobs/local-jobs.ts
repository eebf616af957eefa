/**
 * The local job queue: lanes that run side by side (one per incident's Slack work, per page, …; see
 * `laneOf`), each in order. A job waiting out a delay (a backoff, a rate limit's Retry-After) waits at
 * the head of its lane on a timer: nothing sleeps, and other lanes go on. With a journal, every job
 * is written to the store before `enqueue` returns and removed once done, so a SIGKILL loses nothing
 * that was acknowledged: the next start replays what is left.
 */
import { randomUUID } from 'node:crypto';
import { type EnqueueOptions, type Job, type JobRunner, type Jobs, laneOf } from './jobs';
import { isRetryLater } from './retry-later';

export interface JournalEntry {
  id: string;
  job: Job;
  /** Epoch ms. */
  notBefore: number;
}

/** Where pending jobs are kept between enqueue and done. */
export interface JobJournal {
  put(entry: JournalEntry): Promise<void>;
  remove(id: string): Promise<void>;
  list(): Promise<JournalEntry[]>;
}

export interface LocalJobsOptions {
  journal?: JobJournal;
  /** Tries of a failing job (a rate limit's reschedule not counted). */
  attempts?: number;
  /** Wait before the second try; doubled per try. */
  backoffMs?: number;
  onError?: (job: Job, error: unknown) => void;
}

interface Entry extends JournalEntry {
  key: string;
  attempts: number;
  started: boolean;
}

/** `drain()` waits through delays up to this long (a quick retry), not through a page's backoff. */
const DRAIN_HORIZON_MS = 1_000;

export class LocalJobs implements Jobs {
  private readonly lanes = new Map<string, Entry[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly wakeAt = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly attempts: number;
  private readonly backoffMs: number;
  private stopped = false;

  constructor(
    private readonly run: JobRunner,
    private readonly options: LocalJobsOptions = {},
  ) {
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? 200;
  }

  async enqueue(job: Job, options: EnqueueOptions = {}): Promise<void> {
    const lane = laneOf(job);
    const notBefore = Date.now() + Math.max(0, options.delayMs ?? 0);
    const key = JSON.stringify(job);
    // The same job already waiting in its lane, due no later, does this one's work too. One due
    // later is not moved earlier: it may be a retry that must not run before its time.
    const waiting = this.lanes
      .get(lane)
      ?.find((entry) => entry.key === key && !entry.started && entry.notBefore <= notBefore);
    if (waiting) return;
    const entry: Entry = {
      id: `${Date.now()}-${randomUUID()}`,
      job,
      notBefore,
      key,
      attempts: 0,
      started: false,
    };
    await this.options.journal?.put({ id: entry.id, job, notBefore });
    // Looked up after the write: the lane may have emptied (and gone) or been created meanwhile.
    const queue = this.lanes.get(lane) ?? [];
    queue.push(entry);
    this.lanes.set(lane, queue);
    this.kick(lane);
  }

  /** Jobs a previous process left in the journal: queued again, in the order they were enqueued. */
  async resume(): Promise<number> {
    const entries = (await this.options.journal?.list()) ?? [];
    for (const entry of entries) {
      const lane = laneOf(entry.job);
      const queue = this.lanes.get(lane) ?? [];
      queue.push({ ...entry, key: JSON.stringify(entry.job), attempts: 0, started: false });
      this.lanes.set(lane, queue);
    }
    for (const lane of this.lanes.keys()) this.kick(lane);
    return entries.length;
  }

  /** Resolves once every job that can run within about a second has run (or given up). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.running.size > 0) {
        await Promise.all(this.running.values());
        continue;
      }
      const soon = [...this.wakeAt.values()]
        .map((wake) => wake.at)
        .filter((at) => at - Date.now() <= DRAIN_HORIZON_MS);
      if (soon.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(...soon) - Date.now()) + 5));
    }
  }

  /** Jobs waiting or running, by lane (for tests and the bench). */
  pending(): number {
    let count = 0;
    for (const queue of this.lanes.values()) count += queue.length;
    return count;
  }

  /**
   * Stops starting jobs and waits up to `timeoutMs` for the running ones; false when some still run
   * (`idle()` says when they end). What is left stays in the journal for the next start.
   */
  async stop(timeoutMs = 10_000): Promise<boolean> {
    this.stopped = true;
    for (const wake of this.wakeAt.values()) clearTimeout(wake.timer);
    this.wakeAt.clear();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const finished = Promise.all(this.running.values()).then(() => true as const);
    const result = await Promise.race([finished, timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Resolves once no job is running (every outbound call is bounded, so this comes). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private kick(lane: string): void {
    if (this.stopped || this.running.has(lane)) return;
    const wake = this.wakeAt.get(lane);
    if (wake) {
      clearTimeout(wake.timer);
      this.wakeAt.delete(lane);
    }
    const run = this.runLane(lane).finally(() => {
      this.running.delete(lane);
      // A job enqueued while the lane was finishing found it running and did not start it.
      if (this.lanes.get(lane)?.length && !this.wakeAt.has(lane)) this.kick(lane);
    });
    this.running.set(lane, run);
  }

  private async runLane(lane: string): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const queue = this.lanes.get(lane);
      const entry = queue?.[0];
      if (!queue || !entry) {
        this.lanes.delete(lane);
        return;
      }
      const wait = entry.notBefore - Date.now();
      if (wait > 0) {
        // Wait on a timer, not in this loop: the lane is idle meanwhile.
        const timer = setTimeout(() => {
          this.wakeAt.delete(lane);
          this.kick(lane);
        }, wait);
        timer.unref();
        this.wakeAt.set(lane, { at: entry.notBefore, timer });
        return;
      }
      entry.started = true;
      try {
        await this.run(entry.job);
      } catch (error) {
        entry.started = false;
        if (isRetryLater(error)) {
          entry.notBefore = Date.now() + error.delayMs;
          continue;
        }
        entry.attempts += 1;
        if (entry.attempts < this.attempts) {
          entry.notBefore = Date.now() + this.backoffMs * 2 ** (entry.attempts - 1);
          continue;
        }
        this.report(entry.job, error);
      }
      queue.shift();
      await this.options.journal?.remove(entry.id).catch((error: unknown) => this.report(entry.job, error));
    }
  }

  private report(job: Job, error: unknown): void {
    try {
      this.options.onError?.(job, error);
    } catch {
      // A failing reporter must not stop the lane.
    }
  }
}
