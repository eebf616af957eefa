/**
 * Slow work (Slack calls, postmortem compile and upload) leaves the request path as a job, so the
 * slash command is answered within Slack's 3 s. Jobs carry ids, not data: the worker reloads the
 * incident, so a job run late or twice acts on what is stored now.
 */
import type { LogKind, Severity } from '../incidents/types';

export type Job =
  /** Create the incident channel, invite, post and pin the summary, announce. */
  | { type: 'setup-channel'; incidentId: string }
  /** Edit the pinned summary (and topic) in place after a change. */
  | { type: 'refresh-summary'; incidentId: string }
  /** After resolve: compile, store and upload the postmortem, post the summary. */
  | { type: 'publish-postmortem'; incidentId: string }
  /** After a late fact on a resolved incident: recompile and replace the stored document. */
  | { type: 'store-postmortem'; incidentId: string }
  /** Escalation: start the policy's tiers, stop them on ack, resolve pages, re-plan, page by hand. */
  | { type: 'escalation-start'; incidentId: string }
  | { type: 'escalation-ack'; incidentId: string }
  | { type: 'escalation-resolve'; incidentId: string }
  | { type: 'escalation-replan'; incidentId: string; previous: Severity }
  | { type: 'escalate'; incidentId: string; team?: string; requestId: string }
  /** Tell the announcement channel that the severity changed. */
  | { type: 'announce-severity'; incidentId: string; previous: Severity }
  /**
   * Put a Slack message on the timeline (📌 reaction or the message shortcut): fetch what the job
   * was not given (text, author), add the permalink, record one event under `eventId`.
   */
  | {
      type: 'capture-message';
      incidentId: string;
      channelId: string;
      messageTs: string;
      kind: LogKind;
      eventId: string;
      text?: string;
      author?: string;
      capturedBy: string;
    }
  /** Tell someone what a button or modal did: in the channel, or to that user alone. */
  | {
      type: 'reply';
      incidentId?: string;
      channelId: string;
      userId: string;
      text: string;
      visibility: 'channel' | 'user';
    }
  /** Publish a user's App Home with the open incidents. */
  | { type: 'publish-home'; incidentId?: undefined; userId: string };

export interface Jobs {
  enqueue(job: Job): Promise<void>;
}

export type JobRunner = (job: Job) => Promise<void>;

export interface InProcessJobsOptions {
  attempts?: number;
  /** Base delay between attempts; doubled each time. */
  backoffMs?: number;
  onError?: (job: Job, error: unknown) => void;
}

/**
 * Local adapter: a FIFO queue run one job at a time in this process, so the jobs of one incident
 * happen in the order their commands arrived. A failed job is retried with backoff, then reported.
 */
export class InProcessJobs implements Jobs {
  private readonly queue: Job[] = [];
  private running: Promise<void> | undefined;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(
    private readonly run: JobRunner,
    private readonly options: InProcessJobsOptions = {},
  ) {
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? 200;
  }

  async enqueue(job: Job): Promise<void> {
    this.queue.push(job);
    this.running ??= this.work().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once every queued job has finished (or given up). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async work(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      await this.runWithRetries(job);
    }
  }

  private async runWithRetries(job: Job): Promise<void> {
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        await this.run(job);
        return;
      } catch (error) {
        if (attempt === this.attempts) {
          this.options.onError?.(job, error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.backoffMs * 2 ** (attempt - 1)));
      }
    }
  }
}

/**
 * Runs each job before `enqueue` returns. For a Lambda without a queue, where work left running after
 * the response is frozen with the container.
 */
export class InlineJobs implements Jobs {
  constructor(private readonly run: JobRunner) {}

  async enqueue(job: Job): Promise<void> {
    await this.run(job);
  }
}
