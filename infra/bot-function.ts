import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type IDestination, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLING, LAMBDA_ENVIRONMENT } from './bundling';

const repoRoot = path.join(__dirname, '..');

export interface BotFunctionProps {
  /** File name under lambda/handlers/ without `.ts`; the file must export `handler`. */
  readonly name: string;
  readonly environment: Record<string, string>;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /**
   * A fixed physical name, for a function whose ARN must be known before it exists (see the stack).
   * @default a name CloudFormation generates
   */
  readonly functionName?: string;
  /** Where an asynchronous invocation goes once Lambda's retries are spent. @default dropped */
  readonly onFailure?: IDestination;
  /** Lambda's retries of a failed asynchronous invocation. @default 2 */
  readonly retryAttempts?: number;
  /** How long an asynchronous invocation may wait to run before it is given up. @default 6 hours */
  readonly maxEventAge?: Duration;
  /** Concurrency set aside for (and the most allowed to) this function. @default none: the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * Every Lambda entry of the bot, with the settings they must share, so a new entry cannot drift
 * from the others (runtime, bundling, tracing, log retention).
 *
 * Each gets its own role that may write only to its own log group: the AWS managed
 * AWSLambdaBasicExecutionRole would let it create and write any log group of the account. The stack
 * adds what each function's code uses, and nothing else.
 */
export class BotFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: BotFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
    const role = new Role(scope, `${id}Role`, {
      description: `incident-bot: the ${props.name} function`,
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    // The group exists (created above), so no logs:CreateLogGroup; streams are created per container.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      entry: path.join(repoRoot, 'lambda', 'handlers', `${props.name}.ts`),
      handler: 'handler',
      role,
      functionName: props.functionName,
      onFailure: props.onFailure,
      retryAttempts: props.retryAttempts,
      maxEventAge: props.maxEventAge,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      // Pinned so bundling does not depend on the directory cdk or jest was started from.
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      // An explicit group: the deprecated logRetention prop needs a custom-resource Lambda to set it.
      logGroup,
      environment: { ...props.environment, ...LAMBDA_ENVIRONMENT },
      // See infra/bundling.ts: one set of esbuild options for the stack, the bundle test and the bench.
      bundling: LAMBDA_BUNDLING,
    });
  }
}
