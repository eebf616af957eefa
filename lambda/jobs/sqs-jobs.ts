/**
 * AWS adapter: each job is an SQS message for the worker Lambda, so the Slack handler answers as soon
 * as the intent is stored. The queue's redrive policy moves a job that keeps failing to a DLQ.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { LOG_KINDS, SEVERITIES } from '../incidents/types';
import type { Job, Jobs } from './jobs';

/** SQS delays a message by 15 minutes at most. */
export const MAX_DELAY_SECONDS = 900;

/** Whole seconds, rounded up, within what SendMessage accepts. */
export function delaySeconds(delayMs: number): number {
  if (Number.isNaN(delayMs)) return 0;
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
}

export class SqsJobs implements Jobs {
  constructor(private readonly options: { client: SQSClient; queueUrl: string }) {}

  /** `delayMs`: the job is not delivered before then (at most 15 minutes later; longer waits are cut to that). */
  async enqueue(job: Job, options: { delayMs?: number } = {}): Promise<void> {
    await this.options.client.send(
      new SendMessageCommand({
        QueueUrl: this.options.queueUrl,
        MessageBody: JSON.stringify(job),
        MessageAttributes: { type: { DataType: 'String', StringValue: job.type } },
        ...(options.delayMs === undefined ? {} : { DelaySeconds: delaySeconds(options.delayMs) }),
      }),
    );
  }
}

const incidentId = z.string().regex(/^INC-\d+$/, { error: 'expected an incident id like INC-7' });

/** A job as it arrives from the queue: validated, since a malformed message must not crash a batch. */
export const jobSchema: z.ZodType<Job> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('setup-channel'), incidentId }),
  z.object({ type: z.literal('refresh-summary'), incidentId }),
  z.object({ type: z.literal('publish-postmortem'), incidentId }),
  z.object({ type: z.literal('store-postmortem'), incidentId }),
  z.object({ type: z.literal('escalation-start'), incidentId }),
  z.object({ type: z.literal('escalation-ack'), incidentId }),
  z.object({ type: z.literal('escalation-resolve'), incidentId }),
  z.object({ type: z.literal('escalation-replan'), incidentId, previous: z.enum(SEVERITIES) }),
  // Messages queued before `team` and `requestId` were dropped (nothing read them) still parse: the
  // object strips them.
  z.object({ type: z.literal('escalate'), incidentId }),
  z.object({ type: z.literal('page'), incidentId, step: z.string().min(1) }),
  z.object({ type: z.literal('reconcile-incident'), incidentId }),
  z.object({ type: z.literal('announce-severity'), incidentId, previous: z.enum(SEVERITIES) }),
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
  z.object({
    type: z.literal('reply'),
    incidentId: incidentId.optional(),
    channelId: z.string().min(1),
    userId: z.string().min(1),
    text: z.string().min(1),
    visibility: z.enum(['channel', 'user']),
    responseUrl: z.url({ protocol: /^https?$/ }).optional(),
  }),
  z.object({ type: z.literal('echo'), incidentId, text: z.string().min(1), key: z.string().min(1) }),
  z.object({ type: z.literal('invite'), incidentId, userId: z.string().min(1) }),
  z.object({ type: z.literal('publish-home'), userId: z.string().min(1) }),
]);
