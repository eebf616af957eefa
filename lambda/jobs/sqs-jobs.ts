/**
 * AWS adapter: each job is an SQS message for the worker Lambda, so the Slack handler answers as soon
 * as the intent is stored. The queue's redrive policy moves a job that keeps failing to a DLQ.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
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

export { jobSchema } from './jobs';
