/**
 * Lambda entry for the jobs queue: the slow work of every command. Reports partial batch failures,
 * so one failing job is retried (and in the end dead-lettered) without re-running its batch mates.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { JobRunner } from '../jobs/jobs';
import { jobSchema } from '../jobs/sqs-jobs';
import { lambdaBot } from './environment';

export function createWorkerHandler(
  runJob: () => Promise<JobRunner>,
  log: (line: string) => void = console.error,
) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const run = await runJob();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let job: unknown;
      try {
        job = JSON.parse(record.body);
      } catch {
        log(`job ${record.messageId}: body is not JSON; dropped`);
        continue;
      }
      const parsed = jobSchema.safeParse(job);
      if (!parsed.success) {
        // Retrying a malformed job cannot help; say so and drop it.
        log(
          `job ${record.messageId}: ${parsed.error.issues.map((issue) => issue.message).join(', ')}; dropped`,
        );
        continue;
      }
      try {
        await run(parsed.data);
      } catch (error) {
        log(
          `job ${record.messageId} (${parsed.data.type} ${parsed.data.incidentId}) failed: ${(error as Error).message}`,
        );
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

export const handler = createWorkerHandler(async () => (await lambdaBot()).runJob);
