/**
 * Slow work (Slack calls, pages, postmortem compile and upload) leaves the request path as a job, so
 * the slash command is answered within Slack's 3 s. Jobs carry ids, not data: the worker reloads the
 * incident, so a job run late or twice acts on what is stored now. Jobs make things fast; what a lost
 * job would have done, the reconciler finds missing in the incident's progress record and does.
 */
import { z } from 'zod';
import { messageSchema } from '../incidents/message';
import { INCIDENT_ID_PATTERN, LOG_KINDS, SEVERITIES } from '../incidents/types';

const incidentId = z.string().regex(INCIDENT_ID_PATTERN, { error: 'expected an incident id like INC-7' });

/**
 * Every job, as queued and as it arrives from the queue: validated there, since a malformed message
 * must not crash a batch. `Job` is inferred from it.
 */
export const jobSchema = z.discriminatedUnion('type', [
  /** Create the incident channel, invite, post and pin the summary, announce. */
  z.object({ type: z.literal('setup-channel'), incidentId }),
  /** Edit the pinned summary (and topic) in place after a change. */
  z.object({ type: z.literal('refresh-summary'), incidentId }),
  /** After resolve: compile, store and upload the postmortem, post the summary. */
  z.object({ type: z.literal('publish-postmortem'), incidentId }),
  /** After a late fact on a resolved incident: recompile and replace the stored document. */
  z.object({ type: z.literal('store-postmortem'), incidentId }),
  /** Escalation: start the policy's tiers, stop them on ack, resolve pages, re-plan, page by hand. */
  z.object({ type: z.literal('escalation-start'), incidentId }),
  z.object({ type: z.literal('escalation-ack'), incidentId }),
  z.object({ type: z.literal('escalation-resolve'), incidentId }),
  z.object({ type: z.literal('escalation-replan'), incidentId, previous: z.enum(SEVERITIES) }),
  /**
   * Brings paging up to date after `/incident escalate` (the request is on the timeline). Messages
   * queued before `team` and `requestId` were dropped (nothing read them) still parse: the object
   * strips them.
   */
  z.object({ type: z.literal('escalate'), incidentId }),
  /** One team's page for one tier (or one `/incident escalate`): the step named `step`. */
  z.object({ type: z.literal('page'), incidentId, step: z.string().min(1) }),
  /**
   * Text (SMS) the people an earlier tier paged in person, now that tier `tier` came due and nobody
   * acknowledged: the step `sms.<severity>.t<tier>` (escalation/texts.ts).
   */
  z.object({
    type: z.literal('sms'),
    incidentId,
    severity: z.enum(SEVERITIES),
    tier: z.number().int().min(1),
  }),
  /** The resolved incident's pictures: the HTML postmortem (stored, uploaded) and the timeline chart PNG. */
  z.object({ type: z.literal('postmortem-pictures'), incidentId }),
  /**
   * The timeline chart as it stands, shown to the one who typed `/incident postmortem` (in the channel
   * where they typed it): once per request `key`.
   */
  z.object({
    type: z.literal('postmortem-chart'),
    incidentId,
    channelId: z.string().min(1),
    userId: z.string().min(1),
    key: z.string().min(1),
  }),
  /** Commit the resolved incident's postmortem through its pull request (trackers/postmortem-git.ts). */
  z.object({ type: z.literal('postmortem-git'), incidentId }),
  /** Create the tickets the incident's follow-ups lack in the configured tracker (trackers/tickets.ts). */
  z.object({ type: z.literal('tickets'), incidentId }),
  /** Do whatever the incident's progress record says is missing (the reconciler's unit of work). */
  z.object({ type: z.literal('reconcile-incident'), incidentId }),
  /** Tell the announcement channel that the severity changed. */
  z.object({ type: z.literal('announce-severity'), incidentId, previous: z.enum(SEVERITIES) }),
  /** Post a status update (`/incident update`, the event `eventId`) in the announcement channel. */
  z.object({ type: z.literal('announce-update'), incidentId, eventId: z.string().min(1) }),
  /**
   * Put a Slack message on the timeline (📌 reaction or the message shortcut): fetch what the job
   * was not given (text, author), add the permalink, record one event under `eventId`.
   */
  z.object({
    type: z.literal('capture-message'),
    incidentId,
    channelId: z.string().min(1),
    messageTs: z.string().regex(/^\d+\.\d+$/),
    kind: z.enum(LOG_KINDS),
    eventId: z.string().min(1),
    text: z.string().optional(),
    author: z.string().optional(),
    capturedBy: z.string().min(1),
  }),
  /** Tell someone what a button or modal did: in the channel, or to that user alone. */
  z
    .object({
      type: z.literal('reply'),
      incidentId: incidentId.optional(),
      channelId: z.string().min(1),
      userId: z.string().min(1),
      /** Rendered by the worker; `text` (already Slack text) is what earlier versions queued. */
      message: messageSchema.optional(),
      text: z.string().min(1).optional(),
      visibility: z.enum(['channel', 'user']),
      /** The interaction's response_url: an ephemeral answer there reaches people where they are. */
      responseUrl: z.url({ protocol: /^https?$/ }).optional(),
    })
    .refine((job) => job.message !== undefined || job.text !== undefined, {
      error: 'a reply needs a message',
    }),
  /**
   * Tell the incident channel about an action taken elsewhere (who, what, from where): once per
   * request `key`, in the incident's lane so it follows the channel's creation. `message` is rendered
   * by the worker; `text` (already Slack text) is what jobs queued by earlier versions carry.
   */
  z
    .object({
      type: z.literal('echo'),
      incidentId,
      key: z.string().min(1),
      message: messageSchema.optional(),
      text: z.string().min(1).optional(),
    })
    .refine((job) => job.message !== undefined || job.text !== undefined, {
      error: 'an echo needs a message',
    }),
  /** Invite someone (a new commander) to the incident channel; already a member is fine. */
  z.object({ type: z.literal('invite'), incidentId, userId: z.string().min(1) }),
  /** Publish a user's App Home with the open incidents. */
  z.object({
    type: z.literal('publish-home'),
    incidentId: z.undefined().optional(),
    userId: z.string().min(1),
  }),
]);

export type Job = z.infer<typeof jobSchema>;

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
    case 'sms':
      return `${job.incidentId}/sms`;
    case 'postmortem-git':
      return `${job.incidentId}/git`;
    case 'tickets':
      // A tracker that hangs must not hold the incident's Slack work.
      return `${job.incidentId}/tickets`;
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
    case 'postmortem-chart':
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
