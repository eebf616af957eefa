/**
 * AWS adapter: each job is an SQS message for the worker Lambda, so the Slack handler answers as soon
 * as the intent is stored. The queue's redrive policy moves a job that keeps failing to a DLQ.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { LOG_KINDS, SEVERITIES } from '../incidents/types';
import type { Job, Jobs } from './jobs';

export class SqsJobs implements Jobs {
  constructor(private readonly options: { client: SQSClient; queueUrl: string }) {}

  async enqueue(job: Job): Promise<void> {
    await this.options.client.send(
      new SendMessageCommand({
        QueueUrl: this.options.queueUrl,
        MessageBody: JSON.stringify(job),
        MessageAttributes: { type: { DataType: 'String', StringValue: job.type } },
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
  z.object({
    type: z.literal('escalate'),
    incidentId,
    team: z.string().optional(),
    requestId: z.string().min(1),
  }),
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
  }),
  z.object({ type: z.literal('publish-home'), userId: z.string().min(1) }),
]);
