import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { DestinationConfig, IDestination, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * An SQS on-failure destination granting only sqs:SendMessage, which is all Lambda needs to deliver
 * a failed asynchronous invocation. aws-lambda-destinations' SqsDestination grants
 * `grantSendMessages`, which adds sqs:GetQueueAttributes and sqs:GetQueueUrl the function never calls.
 */
export class SendOnlyQueueDestination implements IDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    return { destination: this.queue.queueArn };
  }
}
