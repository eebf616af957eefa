import { readFileSync } from 'node:fs';
import {
  Annotations,
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
} from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import {
  AccountRootPrincipal,
  type IGrantable,
  type IRole,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { CfnSchedule, ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type EscalationPolicy, parsePolicy } from '../lambda/incidents/policy';
import { isValidTimeZone } from '../lambda/incidents/time';
import { TABLE } from '../lambda/store/table';
import { BotFunction } from './bot-function';

export interface IncidentBotStackProps extends StackProps {
  /** IANA zone for times shown and `HH:MM` input. @default 'UTC' */
  readonly timezone?: string;
  /** Channel id for announcements. @default none */
  readonly incidentsChannel?: string;
  /**
   * Escalation policy YAML, read and validated at synth and passed to every function as
   * ESCALATION_POLICY_YAML (no file ships with the bundles). @default no policy: nobody is paged
   */
  readonly policyFile?: string;
}

const WORKER_TIMEOUT = Duration.seconds(60);
const WORKER_BATCH_WINDOW = Duration.seconds(5);
// The reconciler's period: the longest a lost job delays what the incident record says is missing.
const RECONCILE_RATE = 'rate(1 minute)';
// A reconcile run late by a period is replaced by the next one: older, it is not worth delivering.
const RECONCILE_MAX_AGE = Duration.minutes(1);
/** The worker's input from the reconcile schedule; lambda/handlers/worker.ts tells it from SQS batches. */
const RECONCILE_EVENT = { type: 'reconcile' } as const;
// Paging retries each team's delivery with backoff and per-request timeouts; 10 s could cut a tier
// short halfway through its teams.
const ESCALATION_TIMEOUT = Duration.seconds(60);
// Lambda allows 4 KB for all of a function's environment variables together; the others (names and
// ARNs once resolved) stay well under 1 KB, so the policy may have the rest.
const POLICY_MAX_BYTES = 3 * 1024;
const LAMBDA_NAME_MAX = 64;
const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';

/** The policy file's text, validated now so a bad policy fails the synth and not the first page. */
function readPolicyFile(file: string): { text: string; policy: EscalationPolicy } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`policyFile: cannot read ${file}: ${(error as Error).message}`);
  }
  // Throws ConfigError naming every bad field by its path, e.g. `escalation.sev1[0].after`.
  const policy = parsePolicy(text, `policyFile ${file}`);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > POLICY_MAX_BYTES) {
    throw new Error(
      `policyFile ${file}: ${bytes} bytes; it travels in the Lambda environment (4 KB for all variables), so at most ${POLICY_MAX_BYTES} (drop comments?)`,
    );
  }
  return { text, policy };
}

export class IncidentBotStack extends Stack {
  constructor(scope: Construct, id: string, props: IncidentBotStackProps = {}) {
    super(scope, id, props);

    const timezone = props.timezone ?? 'UTC';
    // A typo here would otherwise surface only when the deployed bot first formats a time.
    if (!isValidTimeZone(timezone)) {
      throw new Error(`timezone: "${timezone}" is not an IANA time zone`);
    }
    const policy = props.policyFile ? readPolicyFile(props.policyFile) : undefined;
    if (policy) this.warnOfPolicyCredentials(policy.policy);

    const table = this.createTable();
    const postmortems = this.createPostmortemBucket();
    const slackSecret = this.createSlackSecret();

    // Both topics take CloudWatch alarms, and the AWS managed SNS key does not let CloudWatch use it.
    const topicKey = this.createTopicKey();
    const alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'incident-bot: CloudWatch alarms that open incidents',
      masterKey: topicKey,
    });
    // Alarms about the bot itself go elsewhere: a broken bot cannot be trusted to report itself.
    const opsTopic = new Topic(this, 'OpsTopic', {
      displayName: 'incident-bot: alarms about the bot itself',
      masterKey: topicKey,
    });

    const jobsDeadLetters = this.createDeadLetterQueue(
      'JobsDeadLetterQueue',
      opsTopic,
      'jobs that failed 5 times',
    );
    const jobs = new Queue(this, 'JobsQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's rule for Lambda sources: a message must stay hidden while any batch holding it can still
      // be running (and retried by Lambda), or a second worker runs the same job.
      visibilityTimeout: Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6 + WORKER_BATCH_WINDOW.toSeconds()),
      deadLetterQueue: { queue: jobsDeadLetters, maxReceiveCount: 5 },
    });

    const scheduleDeadLetters = this.createDeadLetterQueue(
      'ScheduleDeadLetterQueue',
      opsTopic,
      'escalation timers EventBridge Scheduler could not deliver, or the escalation function failed on',
    );
    const scheduleGroup = new ScheduleGroup(this, 'ScheduleGroup', {
      // A timer left behind by a deleted stack would only invoke a function that is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const schedulerRole = this.createSchedulerRole(scheduleGroup);
    schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [scheduleDeadLetters.queueArn] }),
    );

    // Every function's environment names the escalation function, the escalation function's own too,
    // and a function cannot reference its own ARN attribute (CloudFormation rejects the circular
    // dependency). So it gets a fixed name, and the ARN is built from that name: one environment for
    // all, no cycle. The cost of a fixed name is that a change forcing replacement fails (the old
    // function still holds the name); no property the stack sets on it forces one.
    const escalationName = `${this.stackName}-escalation`;
    if (Token.isUnresolved(escalationName) || escalationName.length > LAMBDA_NAME_MAX) {
      throw new Error(
        `stack name: "${this.stackName}" cannot name the escalation function "${escalationName}": it must be known at synth and is too long past ${LAMBDA_NAME_MAX} characters`,
      );
    }
    const escalationArn = this.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: escalationName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    // Shared by every function; the secret travels as its ARN and is read at run time, so its value
    // never appears in the template or the function configuration.
    const environment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      POSTMORTEM_BUCKET: postmortems.bucketName,
      SLACK_SECRET_ARN: slackSecret.secretArn,
      INCIDENT_TIMEZONE: timezone,
      ...(props.incidentsChannel ? { INCIDENTS_CHANNEL: props.incidentsChannel } : {}),
      ...(policy ? { ESCALATION_POLICY_YAML: policy.text } : {}),
      JOBS_QUEUE_URL: jobs.queueUrl,
      SCHEDULE_GROUP: scheduleGroup.scheduleGroupName,
      ESCALATION_FUNCTION_ARN: escalationArn,
      SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
      SCHEDULER_DEAD_LETTER_ARN: scheduleDeadLetters.queueArn,
    };

    const reconcileDeadLetters = this.createDeadLetterQueue(
      'ReconcileDeadLetterQueue',
      opsTopic,
      'reconcile runs EventBridge Scheduler could not deliver, or the worker failed on',
    );

    const slackFunction = new BotFunction(this, 'SlackFunction', { name: 'slack', environment });
    const workerFunction = new BotFunction(this, 'WorkerFunction', {
      name: 'worker',
      environment,
      timeout: WORKER_TIMEOUT,
      // Its only asynchronous invocations are the reconcile schedule's. A failed or late run is not
      // retried (the next minute's does the same work, and would overlap a retry); it is dead-lettered
      // so the operators learn that the safety net for lost jobs is failing.
      onFailure: new SqsDestination(reconcileDeadLetters),
      retryAttempts: 0,
      maxEventAge: RECONCILE_MAX_AGE,
    });
    workerFunction.addEventSource(
      new SqsEventSource(jobs, {
        batchSize: 10,
        maxBatchingWindow: WORKER_BATCH_WINDOW,
        // The handler names the jobs that failed, so only they are retried and dead-lettered.
        reportBatchItemFailures: true,
      }),
    );
    this.createReconcileSchedule(workerFunction, reconcileDeadLetters);
    const escalationFunction = new BotFunction(this, 'EscalationFunction', {
      name: 'escalation',
      environment,
      functionName: escalationName,
      timeout: ESCALATION_TIMEOUT,
      // Scheduler invokes asynchronously: once Lambda's own retries fail, the timer is kept for a human.
      onFailure: new SqsDestination(scheduleDeadLetters),
    });
    schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [escalationFunction.functionArn],
      }),
    );

    const alertsFunction = this.createAlertsFunction(environment, alarmTopic, opsTopic);

    // Each function is granted what its code paths use, although all share one environment.
    for (const fn of [slackFunction, workerFunction, escalationFunction, alertsFunction]) {
      table.grantReadWriteData(fn);
      slackSecret.grantRead(fn);
    }
    // Postmortems are compiled by the worker and shown from Slack.
    for (const fn of [slackFunction, workerFunction]) {
      postmortems.grantRead(fn);
      postmortems.grantPut(fn);
    }
    // Only the worker consumes (through its event source); these only add jobs.
    for (const fn of [slackFunction, workerFunction, alertsFunction]) {
      jobs.grantSendMessages(fn);
    }
    for (const fn of [slackFunction, workerFunction, escalationFunction]) {
      this.allowScheduling(fn, scheduleGroup, schedulerRole);
    }

    const api = this.createApi(slackFunction, alertsFunction);

    new CfnOutput(this, 'SlackRequestUrl', {
      description: 'Request URL for slash commands, interactivity and events in the Slack app config',
      // The $default stage is served at the API root, so the endpoint needs no stage segment.
      value: `${api.apiEndpoint}/slack/events`,
    });
    new CfnOutput(this, 'AlertmanagerUrl', {
      description: 'Alertmanager webhook_configs url; authorize with the alertToken of the Slack secret',
      value: `${api.apiEndpoint}/alerts/alertmanager`,
    });
    new CfnOutput(this, 'CloudWatchAlertsUrl', {
      description: 'For SNS topics in other accounts: https://alerts:<alertToken>@<host>/alerts/cloudwatch',
      value: `${api.apiEndpoint}/alerts/cloudwatch`,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description:
        'Alarm action for CloudWatch alarms in this account and region that should open an incident',
      value: alarmTopic.topicArn,
    });
    new CfnOutput(this, 'OpsTopicArn', {
      description: 'Subscribe the operators of the bot: its dead-letter queues alarm here',
      value: opsTopic.topicArn,
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'PostmortemBucketName', { value: postmortems.bucketName });
    new CfnOutput(this, 'SlackSecretArn', {
      description: 'Fill in signingSecret and botToken from the Slack app config; alertToken is generated',
      value: slackSecret.secretArn,
    });
  }

  /**
   * PagerDuty routing keys and Opsgenie API keys in the policy end up in the template and the function
   * configuration as plain text; synth says so rather than fail, as the policy format has no other
   * place for them yet.
   */
  private warnOfPolicyCredentials(policy: EscalationPolicy): void {
    const holders = Object.entries(policy.teams)
      .flatMap(([name, team]) => [
        team.pagerduty && `teams.${name}.pagerduty`,
        team.opsgenie && `teams.${name}.opsgenie`,
      ])
      .filter((path): path is string => Boolean(path));
    if (holders.length === 0) return;
    Annotations.of(this).addWarningV2(
      'incident-bot:policy-credentials',
      `policyFile: ${holders.join(', ')} will be plain text in the template and the Lambda configuration`,
    );
  }

  private createTable(): Table {
    const table = new Table(this, 'IncidentTable', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE.ttlAttribute,
      // The incident record and its timeline outlive any one deployment of the bot.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    table.addGlobalSecondaryIndex({
      indexName: TABLE.openIndex.name,
      partitionKey: { name: TABLE.openIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.openIndex.sortKey, type: AttributeType.STRING },
    });
    return table;
  }

  private createPostmortemBucket(): Bucket {
    return new Bucket(this, 'PostmortemBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private createSlackSecret(): Secret {
    return new Secret(this, 'SlackSecret', {
      description:
        'incident-bot secrets as JSON: {"signingSecret": "...", "botToken": "...", "alertToken": "..."}',
      // The operator fills in the Slack keys after deploy; the template shows their names, never values.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ signingSecret: '', botToken: '' }),
        // The alert token is generated at deploy, so it never passes through the template or a shell.
        // Letters and digits only: it must stand as the password of an https://user:token@host URL.
        generateStringKey: 'alertToken',
        excludePunctuation: true,
        passwordLength: 48,
      },
    });
  }

  private createTopicKey(): Key {
    const key = new Key(this, 'TopicKey', {
      description: 'incident-bot: encrypts the alarm and ops topics',
      enableKeyRotation: true,
      // An empty document replaces CDK's default root `kms:*`: the account administers the key
      // (admins below) but may not encrypt or decrypt with it by IAM policy alone.
      policy: new PolicyDocument(),
      admins: [new AccountRootPrincipal()],
      // It protects messages in flight only; nothing stays encrypted under it once the topics go.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // A key policy's Resource "*" is this key.
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    return key;
  }

  /** A queue for what failed for good, with an alarm to the ops topic as soon as one arrives. */
  private createDeadLetterQueue(id: string, opsTopic: Topic, holds: string): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps anything: time for a human to read, fix and redrive.
      retentionPeriod: Duration.days(14),
    });
    const alarm = new Alarm(this, `${id}Alarm`, {
      alarmDescription: `incident-bot: ${holds} are waiting in ${id}`,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // SQS stops reporting an idle, empty queue; that is the healthy state.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(opsTopic));
    alarm.addOkAction(new SnsAction(opsTopic));
    return queue;
  }

  /** CloudWatch alarms reach it through the alarm topic; other sources post to the HTTP API. */
  private createAlertsFunction(environment: Record<string, string>, alarmTopic: Topic, opsTopic: Topic) {
    const deadLetters = this.createDeadLetterQueue(
      'AlertDeadLetterQueue',
      opsTopic,
      'alarms that failed to open an incident',
    );
    const fn = new BotFunction(this, 'AlertsFunction', {
      name: 'alerts',
      environment,
      // SNS invokes asynchronously: an alarm that failed to open an incident must not vanish.
      onFailure: new SqsDestination(deadLetters),
    });
    // The same queue for alarms SNS could not hand to the function at all (throttled past its retries).
    alarmTopic.addSubscription(new LambdaSubscription(fn, { deadLetterQueue: deadLetters }));
    return fn;
  }

  /** The role EventBridge Scheduler assumes for this stack's schedules, and nobody else's. */
  private createSchedulerRole(group: ScheduleGroup): Role {
    return new Role(this, 'SchedulerRole', {
      description: 'EventBridge Scheduler: invokes the escalation function when a timer is due',
      assumedBy: new ServicePrincipal(SCHEDULER_SERVICE, {
        conditions: {
          // Scheduler's confused-deputy guard: only schedules in this account's group may use the role.
          StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': group.scheduleGroupArn },
        },
      }),
    });
  }

  /**
   * Every minute, the worker reconciles: whatever the records of open and recently resolved incidents
   * say is missing, it does. It lives in the default group, out of reach of the functions, which may
   * create and delete schedules only in the timers' group; and it has its own role, which may invoke
   * the worker and nothing else.
   */
  private createReconcileSchedule(worker: BotFunction, deadLetters: Queue): CfnSchedule {
    const role = new Role(this, 'ReconcileSchedulerRole', {
      description: 'EventBridge Scheduler: invokes the worker every minute to reconcile incidents',
      assumedBy: new ServicePrincipal(SCHEDULER_SERVICE, {
        conditions: {
          // Scheduler's confused-deputy guard: only this account's schedules in the default group.
          StringEquals: {
            'aws:SourceAccount': this.account,
            'aws:SourceArn': this.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        },
      }),
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [worker.functionArn] }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetters.queueArn] }),
    );
    const schedule = new CfnSchedule(this, 'ReconcileSchedule', {
      description: 'incident-bot: the worker does what the incident records say is missing',
      scheduleExpression: RECONCILE_RATE,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: worker.functionArn,
        roleArn: role.roleArn,
        input: JSON.stringify(RECONCILE_EVENT),
        // Retries within the minute only: after that the next run replaces this one.
        retryPolicy: {
          maximumRetryAttempts: 2,
          maximumEventAgeInSeconds: RECONCILE_MAX_AGE.toSeconds(),
        },
        deadLetterConfig: { arn: deadLetters.queueArn },
      },
    });
    // The first run must find the role allowed to invoke.
    schedule.node.addDependency(role);
    return schedule;
  }

  /** Create and delete one-time schedules in the group, and hand them the scheduler role. */
  private allowScheduling(fn: IGrantable, group: ScheduleGroup, role: IRole): void {
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [
          this.formatArn({
            service: 'scheduler',
            resource: 'schedule',
            resourceName: `${group.scheduleGroupName}/*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
    );
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE } },
      }),
    );
  }

  private createApi(slackFunction: BotFunction, alertsFunction: BotFunction): HttpApi {
    const api = new HttpApi(this, 'SlackApi', {
      description: 'incident-bot: Slack request URL and alert webhooks',
    });
    api.addRoutes({
      path: '/slack/events',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('SlackIntegration', slackFunction),
    });
    // One integration for both; each route still gets an invoke permission scoped to its own path.
    const alerts = new HttpLambdaIntegration('AlertsIntegration', alertsFunction);
    for (const source of ['cloudwatch', 'alertmanager']) {
      api.addRoutes({ path: `/alerts/${source}`, methods: [HttpMethod.POST], integration: alerts });
    }
    return api;
  }
}
