/**
 * Slow work (Slack calls, pages, postmortem compile and upload) leaves the request path as a job, so
 * the slash command is answered within Slack's 3 s. Jobs carry ids, not data: the worker reloads the
 * incident, so a job run late or twice acts on what is stored now. Jobs make things fast; what a lost
 * job would have done, the reconciler finds missing in the incident's progress record and does.
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
  /** Brings paging up to date after `/incident escalate` (the request is on the timeline). */
  | { type: 'escalate'; incidentId: string }
  /** One team's page for one tier (or one `/incident escalate`): the step named `step`. */
  | { type: 'page'; incidentId: string; step: string }
  /** Do whatever the incident's progress record says is missing (the reconciler's unit of work). */
  | { type: 'reconcile-incident'; incidentId: string }
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
      /** The interaction's response_url: an ephemeral answer there reaches people where they are. */
      responseUrl?: string;
    }
  /**
   * Tell the incident channel about an action taken elsewhere (who, what, from where): once per
   * request `key`, in the incident's lane so it follows the channel's creation.
   */
  | { type: 'echo'; incidentId: string; text: string; key: string }
  /** Invite someone (a new commander) to the incident channel; already a member is fine. */
  | { type: 'invite'; incidentId: string; userId: string }
  /** Publish a user's App Home with the open incidents. */
  | { type: 'publish-home'; incidentId?: undefined; userId: string };

export interface EnqueueOptions {
  /** Run no sooner than this (a page's backoff, a rate limit's Retry-After). */
  delayMs?: number;
}

export interface Jobs {
  enqueue(job: Job, options?: EnqueueOptions): Promise<void>;
}

export type JobRunner = (job: Job) => Promise<void>;

/**
 * Jobs that must keep their order share a lane: one incident's Slack work (channel before summary
 * before the resolution post), its escalation bookkeeping, each team's page. Lanes run side by side,
 * so a hung Slack call in one incident (or one team's hung pager) never delays another.
 */
export function laneOf(job: Job): string {
  switch (job.type) {
    case 'page':
      return `${job.incidentId}/${job.step}`;
    case 'escalation-start':
    case 'escalation-ack':
    case 'escalation-resolve':
    case 'escalation-replan':
    case 'escalate':
    case 'reconcile-incident':
      return `${job.incidentId}/escalation`;
    case 'publish-home':
      return `home/${job.userId}`;
    case 'reply':
      return `reply/${job.userId}`;
    default:
      return job.incidentId;
  }
}

/**
 * Runs each job before `enqueue` returns. For a Lambda without a queue, where work left running after
 * the response is frozen with the container.
 */
export class InlineJobs implements Jobs {
  constructor(private readonly run: JobRunner) {}

  async enqueue(job: Job, options: EnqueueOptions = {}): Promise<void> {
    // A delayed job (a page's next try) is left to the reconciler, which finds it due in its step:
    // running it now would spend its retries at once.
    if ((options.delayMs ?? 0) > 0) return;
    await this.run(job);
  }
}
