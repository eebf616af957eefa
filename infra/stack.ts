import { readFileSync } from 'node:fs';
import {
  Annotations,
  ArnFormat,
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { CfnSchedule, ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import { type EscalationPolicy, parsePolicy } from '../lambda/incidents/policy';
import { isValidTimeZone } from '../lambda/incidents/time';
import { ITEM_KINDS, TABLE } from '../lambda/store/table';
import { WEBHOOK_KINDS } from '../lambda/trackers/webhooks';
import { BotFunction } from './bot-function';
import { SendOnlyQueueDestination } from './queue-destination';

export interface IncidentBotStackProps extends StackProps {
  /** IANA zone for times shown and `HH:MM` input. @default 'UTC' */
  readonly timezone?: string;
  /** Channel id for announcements. @default none */
  readonly incidentsChannel?: string;
  /**
   * Escalation policy YAML, read and validated at synth and passed to every function as
   * ESCALATION_POLICY_JSON (no file ships with the bundles). @default no policy: nobody is paged
   */
  readonly policyFile?: string;
  /**
   * Email address subscribed to the ops topic (alarms about the bot itself). The subscription must be
   * confirmed from the email AWS sends. @default none: synth warns that nobody is told
   */
  readonly opsEmail?: string;
  /**
   * Slack channel id the alerts function posts the ops topic's alarms to (OPS_CHANNEL), so responders
   * see them where they work. The email stays the path that works when Slack or the bot does not.
   * @default none
   */
  readonly opsChannel?: string;
  /**
   * Where the trackers are (docs/trackers.md): JIRA_BASE_URL (your site, required for Jira),
   * GITHUB_API_URL (GitHub Enterprise), LINEAR_API_URL. Their credentials are the Slack secret's.
   * @default GitHub's and Linear's public APIs, no Jira site
   */
  readonly trackerEndpoints?: { jiraBaseUrl?: string; githubApiUrl?: string; linearApiUrl?: string };
  /**
   * Concurrency reserved for the escalation function: a flood on the public routes cannot take the
   * account's last executions from paging. It is also its ceiling. 0 reserves nothing (required on
   * accounts whose concurrency quota is below 100 + the reservations: Lambda keeps 100 unreserved).
   * @default 5
   */
  readonly escalationConcurrency?: number;
  /**
   * Reserved concurrency, and so the ceiling, of each request function (Slack and alerts), so a flood
   * on the public routes is refused rather than drawing down the account. 0 sets none.
   * @default 10
   */
  readonly requestConcurrency?: number;
}

const WORKER_TIMEOUT = Duration.seconds(60);
const WORKER_BATCH_WINDOW = Duration.seconds(5);
// Tries of a job before the jobs queue dead-letters it.
const JOBS_MAX_RECEIVE_COUNT = 5;
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
/** The key prefix S3Archive writes postmortems under (its default, which the Lambda entries use). */
const POSTMORTEM_PREFIX = 'postmortems/';
// The jobs queue's age alarm: past one failed try (365 s hidden, then redelivered) and any delay the bot
// sets (a page retry waits 5 min at most, a rate-limited Slack call about a minute), short of the ~30 min a job takes to
// reach the dead-letter queue. Older means a job failed twice or the worker is not consuming.
const JOBS_AGE_ALARM = Duration.minutes(10);
// A ceiling on the worker's parallel batches (no reservation; 2 is the least the mapping accepts).
const WORKER_MAX_CONCURRENCY = 5;
// The HTTP API, all routes together. A workspace's people make a few requests a second at most; the
// alert storm bench sends 260 Alertmanager groups in 10 s (26/s). Twice that, and a burst for retries.
const API_RATE_LIMIT = 50;
const API_BURST_LIMIT = 100;

/**
 * The policy file, validated now so a bad policy fails the synth and not the first page, and turned
 * into JSON: the functions check it again at start without loading a YAML parser (`npm run bench`,
 * cold load).
 */
function readPolicyFile(file: string): { json: string; policy: EscalationPolicy } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`policyFile: cannot read ${file}: ${(error as Error).message}`);
  }
  // Throws ConfigError naming every bad field by its path, e.g. `escalation.sev1[0].after`.
  const policy = parsePolicy(text, `policyFile ${file}`);
  const json = JSON.stringify(parseYaml(text));
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > POLICY_MAX_BYTES) {
    throw new Error(
      `policyFile ${file}: ${bytes} bytes as JSON; it travels in the Lambda environment (4 KB for all variables), so at most ${POLICY_MAX_BYTES}`,
    );
  }
  return { json, policy };
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
    const escalationConcurrency = concurrency('escalationConcurrency', props.escalationConcurrency, 5);
    const requestConcurrency = concurrency('requestConcurrency', props.requestConcurrency, 10);

    const table = this.createTable();
    const postmortems = this.createPostmortemBucket();
    const slackSecret = this.createSlackSecret();
    const alertSecret = this.createAlertTokenSecret();

    // Neither topic is encrypted at rest. CloudWatch cannot publish to a topic under the AWS managed
    // aws/sns key, and a customer managed key costs $1 a month (more with each rotation), the whole
    // idle budget, to protect what the topics carry: alarm state changes (names, thresholds, reasons),
    // which are also readable in CloudWatch itself. TLS is still required in transit (enforceSSL), and
    // anyone can `aws sns publish` a test alarm without a key grant.
    const alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'incident-bot: CloudWatch alarms that open incidents',
      enforceSSL: true,
    });
    // Alarms about the bot itself go elsewhere: a broken bot cannot be trusted to report itself.
    const opsTopic = new Topic(this, 'OpsTopic', {
      displayName: 'incident-bot: alarms about the bot itself',
      enforceSSL: true,
    });

    const jobsDeadLetters = this.createDeadLetterQueue(
      'JobsDeadLetterQueue',
      opsTopic,
      `jobs that failed ${JOBS_MAX_RECEIVE_COUNT} times`,
    );
    const jobs = new Queue(this, 'JobsQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's rule for Lambda sources: a message must stay hidden while any batch holding it can still
      // be running (and retried by Lambda), or a second worker runs the same job.
      visibilityTimeout: Duration.seconds(WORKER_TIMEOUT.toSeconds() * 6 + WORKER_BATCH_WINDOW.toSeconds()),
      deadLetterQueue: { queue: jobsDeadLetters, maxReceiveCount: JOBS_MAX_RECEIVE_COUNT },
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
    // never appears in the template or the function configuration. Names and ARNs are not rights: each
    // function is granted below only what its code paths use.
    const environment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      POSTMORTEM_BUCKET: postmortems.bucketName,
      SLACK_SECRET_ARN: slackSecret.secretArn,
      INCIDENT_TIMEZONE: timezone,
      ...(props.incidentsChannel ? { INCIDENTS_CHANNEL: props.incidentsChannel } : {}),
      ...(policy ? { ESCALATION_POLICY_JSON: policy.json } : {}),
      ...(props.trackerEndpoints?.jiraBaseUrl ? { JIRA_BASE_URL: props.trackerEndpoints.jiraBaseUrl } : {}),
      ...(props.trackerEndpoints?.githubApiUrl
        ? { GITHUB_API_URL: props.trackerEndpoints.githubApiUrl }
        : {}),
      ...(props.trackerEndpoints?.linearApiUrl
        ? { LINEAR_API_URL: props.trackerEndpoints.linearApiUrl }
        : {}),
      JOBS_QUEUE_URL: jobs.queueUrl,
      // So the worker can tell a job's last try (it goes to the dead-letter queue next).
      JOBS_MAX_RECEIVE_COUNT: String(JOBS_MAX_RECEIVE_COUNT),
      SCHEDULE_GROUP: scheduleGroup.scheduleGroupName,
      ESCALATION_FUNCTION_ARN: escalationArn,
      SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
      SCHEDULER_DEAD_LETTER_ARN: scheduleDeadLetters.queueArn,
      // The alerts function tells the ops topic's alarms from others by it (posted to OPS_CHANNEL,
      // never opening an incident: a broken bot must not page through itself).
      OPS_TOPIC_ARN: opsTopic.topicArn,
      ...(props.opsChannel ? { OPS_CHANNEL: props.opsChannel } : {}),
    };

    const reconcileDeadLetters = this.createDeadLetterQueue(
      'ReconcileDeadLetterQueue',
      opsTopic,
      'reconcile runs EventBridge Scheduler could not deliver, or the worker failed on',
    );

    const slackFunction = new BotFunction(this, 'SlackFunction', {
      name: 'slack',
      environment,
      reservedConcurrentExecutions: requestConcurrency,
    });
    const workerFunction = new BotFunction(this, 'WorkerFunction', {
      name: 'worker',
      environment,
      timeout: WORKER_TIMEOUT,
      // Its only asynchronous invocations are the reconcile schedule's. A failed or late run is not
      // retried (the next minute's does the same work, and would overlap a retry); it is dead-lettered
      // so the operators learn that the safety net for lost jobs is failing.
      onFailure: new SendOnlyQueueDestination(reconcileDeadLetters),
      retryAttempts: 0,
      maxEventAge: RECONCILE_MAX_AGE,
    });
    // A mapping without SqsEventSource, whose grantConsumeMessages adds sqs:GetQueueUrl: the rights
    // the poller needs are granted below with those the worker's own code uses.
    workerFunction.addEventSourceMapping('JobsSource', {
      eventSourceArn: jobs.queueArn,
      batchSize: 10,
      maxBatchingWindow: WORKER_BATCH_WINDOW,
      // The handler names the jobs that failed, so only they are retried and dead-lettered.
      reportBatchItemFailures: true,
      // A ceiling without a reservation: a burst of jobs waits in the queue (the age alarm watches it)
      // instead of taking executions from the account; Slack's rate limits make more pointless anyway.
      maxConcurrency: WORKER_MAX_CONCURRENCY,
    });
    this.createReconcileSchedule(workerFunction, reconcileDeadLetters);
    const escalationFunction = new BotFunction(this, 'EscalationFunction', {
      name: 'escalation',
      environment,
      functionName: escalationName,
      timeout: ESCALATION_TIMEOUT,
      // Scheduler invokes asynchronously: once Lambda's own retries fail, the timer is kept for a human.
      onFailure: new SendOnlyQueueDestination(scheduleDeadLetters),
      reservedConcurrentExecutions: escalationConcurrency,
    });
    schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [escalationFunction.functionArn],
      }),
    );

    const { fn: alertsFunction, deadLetters: alertDeadLetters } = this.createAlertsFunction(
      { ...environment, ALERT_SECRET_ARN: alertSecret.secretArn },
      alarmTopic,
      opsTopic,
      requestConcurrency,
    );
    if (props.opsEmail) {
      // Mail SNS could not deliver (after its retries) waits beside the alarms that failed.
      opsTopic.addSubscription(new EmailSubscription(props.opsEmail, { deadLetterQueue: alertDeadLetters }));
    } else {
      Annotations.of(this).addWarningV2(
        'incident-bot:no-ops-email',
        'opsEmail is not set: nobody is subscribed to the ops topic, so alarms about the bot reach no one by email (set -c opsEmail=you@example.com)',
      );
    }

    this.grantByCodePath({
      table,
      postmortems,
      slackSecret,
      alertSecret,
      jobs,
      scheduleGroup,
      schedulerRole,
      functions: {
        slack: slackFunction,
        worker: workerFunction,
        escalation: escalationFunction,
        alerts: alertsFunction,
      },
    });

    const api = this.createApi(slackFunction, alertsFunction);

    this.createOpsAlarms(opsTopic, {
      api,
      jobs,
      scheduleGroup,
      worker: workerFunction,
      escalation: escalationFunction,
    });

    this.acknowledgeNagFindings({
      postmortems,
      secrets: [slackSecret, alertSecret],
      deadLetterQueues: [jobsDeadLetters, scheduleDeadLetters, reconcileDeadLetters, alertDeadLetters],
      functions: [slackFunction, workerFunction, escalationFunction, alertsFunction],
      worker: workerFunction,
      escalation: escalationFunction,
      scheduleGroup,
      api,
    });

    new CfnOutput(this, 'SlackRequestUrl', {
      description: 'Request URL for slash commands, interactivity and events in the Slack app config',
      // The $default stage is served at the API root, so the endpoint needs no stage segment.
      value: `${api.apiEndpoint}/slack/events`,
    });
    new CfnOutput(this, 'AlertmanagerUrl', {
      description:
        'Alertmanager webhook_configs url; authorize with the alertToken of the AlertTokenSecretArn secret',
      value: `${api.apiEndpoint}/alerts/alertmanager`,
    });
    new CfnOutput(this, 'CloudWatchAlertsUrl', {
      description: 'For SNS topics in other accounts: https://alerts:<alertToken>@<host>/alerts/cloudwatch',
      value: `${api.apiEndpoint}/alerts/cloudwatch`,
    });
    // Where each tracker sends ticket status changes (docs/trackers.md); without its webhook secret
    // in the Slack secret a route answers 404 and the worker polls that tracker instead.
    const webhookOutputs = {
      github: [
        'GitHubWebhookUrl',
        'GitHub `issues` webhook Payload URL (application/json); its secret: githubWebhookSecret in the Slack secret',
      ],
      jira: [
        'JiraWebhookUrl',
        'Jira Cloud webhook URL (issue updated); its secret: jiraWebhookSecret in the Slack secret',
      ],
      linear: [
        'LinearWebhookUrl',
        'Linear webhook URL (Issues); its signing secret: linearWebhookSecret in the Slack secret',
      ],
    } as const;
    for (const kind of WEBHOOK_KINDS) {
      const [id, description] = webhookOutputs[kind];
      new CfnOutput(this, id, { description, value: `${api.apiEndpoint}/webhooks/${kind}` });
    }
    new CfnOutput(this, 'AlarmTopicArn', {
      description:
        'Alarm action for CloudWatch alarms in this account and region that should open an incident',
      value: alarmTopic.topicArn,
    });
    new CfnOutput(this, 'OpsTopicArn', {
      description:
        'Alarms about the bot itself; subscribe with -c opsEmail=... (and -c opsChannel=C... to see them in Slack)',
      value: opsTopic.topicArn,
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'PostmortemBucketName', { value: postmortems.bucketName });
    new CfnOutput(this, 'SlackSecretArn', {
      description:
        'The Slack keys; set all of them at once: put-secret-value --secret-string {"signingSecret":"...","botToken":"..."} (add "webhookSigningSecret" if webhook pages are signed). The alert token is not read from here (see AlertTokenSecretArn), so nothing is lost.',
      value: slackSecret.secretArn,
    });
    new CfnOutput(this, 'AlertTokenSecretArn', {
      description:
        'The generated alert token: get-secret-value --query SecretString --output text; never put-secret-value it by hand',
      value: alertSecret.secretArn,
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

  /**
   * The Slack keys, set by the operator after deploy (signingSecret, botToken, optional
   * webhookSigningSecret); the template shows their names, never values.
   *
   * Its CloudFormation properties are exactly those of the first release, on purpose: a change to
   * GenerateSecretString or SecretString makes CloudFormation write a new value on the next deploy,
   * which would wipe the tokens every existing installation has put there. So it still generates an
   * `alertToken` key at creation, which nothing reads any more (the alerts function reads
   * AlertTokenSecret); put-secret-value with the Slack keys alone drops it, harmlessly.
   */
  private createSlackSecret(): Secret {
    return new Secret(this, 'SlackSecret', {
      description:
        'incident-bot secrets as JSON: {"signingSecret": "...", "botToken": "...", "alertToken": "..."}',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ signingSecret: '', botToken: '' }),
        generateStringKey: 'alertToken',
        excludePunctuation: true,
        passwordLength: 48,
      },
    });
  }

  /** Its own secret, so that setting the Slack keys cannot delete it (every alert would then get 401). */
  private createAlertTokenSecret(): Secret {
    return new Secret(this, 'AlertTokenSecret', {
      description:
        'incident-bot alert token as JSON: {"alertToken": "..."}, generated at deploy; alert senders present it',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({}),
        // Generated at deploy, so it never passes through the template or a shell.
        // Letters and digits only: it must stand as the password of an https://user:token@host URL.
        generateStringKey: 'alertToken',
        excludePunctuation: true,
        passwordLength: 48,
      },
    });
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

  /**
   * CloudWatch alarms reach it through the alarm topic, the bot's own alarms through the ops topic
   * (it posts those to OPS_CHANNEL); other sources post to the HTTP API.
   */
  private createAlertsFunction(
    environment: Record<string, string>,
    alarmTopic: Topic,
    opsTopic: Topic,
    reservedConcurrency: number | undefined,
  ) {
    const deadLetters = this.createDeadLetterQueue(
      'AlertDeadLetterQueue',
      opsTopic,
      'alarms that failed to open an incident (or to reach the ops channel or email)',
    );
    const fn = new BotFunction(this, 'AlertsFunction', {
      name: 'alerts',
      environment,
      // SNS invokes asynchronously: an alarm that failed to open an incident must not vanish.
      onFailure: new SendOnlyQueueDestination(deadLetters),
      reservedConcurrentExecutions: reservedConcurrency,
    });
    // The same queue for alarms SNS could not hand to the function at all (throttled past its retries).
    alarmTopic.addSubscription(new LambdaSubscription(fn, { deadLetterQueue: deadLetters }));
    opsTopic.addSubscription(new LambdaSubscription(fn, { deadLetterQueue: deadLetters }));
    return { fn, deadLetters };
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

  /** Create (and, for `delete`, delete) one-time schedules in the group, and hand them the scheduler role. */
  private allowScheduling(fn: IGrantable, group: ScheduleGroup, role: IRole, canDelete: boolean): void {
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', ...(canDelete ? ['scheduler:DeleteSchedule'] : [])],
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

  /**
   * Each function gets the actions its code sends, and nothing for what only shares its environment
   * (every function builds the same bot, but the S3 and Scheduler clients load lazily, on first use):
   * - DynamoDB: lambda/store/dynamo-store.ts and lambda/store/alert-links.ts send Get, Put, Update
   *   and Query (no Scan, no batch or transaction, no streams). Slack deletes only on-call overrides
   *   (`oncall overrides remove`, by a LeadingKeys condition). Otherwise only the worker deletes (a released
   *   claim, in run-job and oncall/handoffs.ts) and queries the open-incidents index (the reconciler,
   *   App Home, the handoff DM's count, ticket polling); Slack queries it for `/incident list`; alerts
   *   only queries it (the follow-ups a tracker's webhook names, trackers/webhooks.ts), nothing else
   *   on the index.
   * - Secrets: every function reads the Slack keys (the bot token); only alerts reads the alert token.
   * - Jobs: Slack and alerts add jobs; escalation adds them too (a page retried with backoff, a summary
   *   refresh); the worker adds follow-on jobs, consumes the queue and postpones rate-limited jobs.
   * - Postmortems: only the worker writes them (run-job); nothing reads them back through the bot.
   * - Timers: the worker sets and cancels them (start, ack, resolve, replan); escalation only sets the
   *   next reminder. Slack queues that work as jobs, so it has no Scheduler right and no PassRole.
   */
  private grantByCodePath(r: {
    table: Table;
    postmortems: Bucket;
    slackSecret: Secret;
    alertSecret: Secret;
    jobs: Queue;
    scheduleGroup: ScheduleGroup;
    schedulerRole: Role;
    functions: Record<'slack' | 'worker' | 'escalation' | 'alerts', BotFunction>;
  }): void {
    const { slack, worker, escalation, alerts } = r.functions;
    const allow = (fn: BotFunction, actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new PolicyStatement({ actions, resources }));
    const openIndexArn = `${r.table.tableArn}/index/${TABLE.openIndex.name}`;
    const itemActions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'];

    allow(slack, itemActions, [r.table.tableArn, openIndexArn]);
    allow(worker, [...itemActions, 'dynamodb:DeleteItem'], [r.table.tableArn, openIndexArn]);
    allow(escalation, itemActions, [r.table.tableArn]);
    allow(alerts, itemActions, [r.table.tableArn]);
    allow(alerts, ['dynamodb:Query'], [openIndexArn]);
    // `/incident oncall overrides remove` deletes an override: the Slack function may delete items of
    // that partition and no other.
    slack.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:DeleteItem'],
        resources: [r.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ITEM_KINDS.oncallOverride.pk] },
        },
      }),
    );

    for (const fn of [slack, worker, escalation, alerts]) {
      allow(fn, ['secretsmanager:GetSecretValue'], [r.slackSecret.secretArn]);
    }
    allow(alerts, ['secretsmanager:GetSecretValue'], [r.alertSecret.secretArn]);

    for (const fn of [slack, escalation, alerts]) allow(fn, ['sqs:SendMessage'], [r.jobs.queueArn]);
    // The event source mapping's poller uses Receive, Delete and GetQueueAttributes with this role.
    allow(
      worker,
      [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ChangeMessageVisibility',
        'sqs:SendMessage',
      ],
      [r.jobs.queueArn],
    );

    // Under the archive's key prefix (lambda/archive/s3-archive.ts: postmortems/<file>).
    allow(worker, ['s3:PutObject'], [r.postmortems.arnForObjects(`${POSTMORTEM_PREFIX}*`)]);

    // Texts for unacknowledged pages (lambda/escalation/texts.ts): the worker's `sms` jobs publish to
    // phone numbers (the Slack secret's phoneNumbers; none there, nothing is sent). An SMS publish
    // names no resource, so IAM can only allow it on `*` (acknowledged in acknowledgeNagFindings).
    allow(worker, ['sns:Publish'], ['*']);

    this.allowScheduling(worker, r.scheduleGroup, r.schedulerRole, true);
    this.allowScheduling(escalation, r.scheduleGroup, r.schedulerRole, false);
  }

  /**
   * The alarms about the bot, to the ops topic (alarm and OK). CloudWatch bills $0.10 a month per
   * metric an alarm reads (a metric-math alarm pays for each metric in it), so there is one metric per
   * failure that is not already seen by another alarm: ten, which is also CloudWatch's free tier.
   * - API 5xx covers the Slack and alerts functions over HTTP: their errors, timeouts and throttles
   *   all come back to the caller as 5xx, so their own Errors and Throttles would repeat it.
   * - Worker Errors (a failing job does not fail the invocation, it is reported and retried: this is
   *   the worker itself failing, e.g. a bad bot token); its throttles show in the age of the jobs.
   * - Escalation Errors and Throttles: paging, where a delay matters most.
   * - Age of the oldest job; each dead-letter queue (created with it); timer delivery.
   * - Alerts by SNS that fail land in the alert dead-letter queue after Lambda's two retries.
   */
  private createOpsAlarms(
    opsTopic: Topic,
    r: {
      api: HttpApi;
      jobs: Queue;
      scheduleGroup: ScheduleGroup;
      worker: BotFunction;
      escalation: BotFunction;
    },
  ): void {
    const fiveMinutes = Duration.minutes(5);
    this.opsAlarm(opsTopic, 'ApiServerErrorsAlarm', {
      description:
        'HTTP API answered 5xx: the Slack or alerts function failed, timed out or was throttled (Slack commands or alerts were lost)',
      metric: r.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
    });
    this.opsAlarm(opsTopic, 'WorkerErrorsAlarm', {
      description:
        'the worker failed 3+ times in 5 minutes (not a job failing: the worker itself, e.g. the bot token or the reconcile run)',
      metric: r.worker.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      // One failed reconcile run heals the next minute; three in five minutes do not.
      threshold: 3,
    });
    this.opsAlarm(opsTopic, 'EscalationErrorsAlarm', {
      description: 'the escalation function failed on a due timer: a page or reminder is late',
      metric: r.escalation.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
    });
    this.opsAlarm(opsTopic, 'EscalationThrottlesAlarm', {
      description:
        'the escalation function was throttled: pages wait (its reserved concurrency is used up, or there is none)',
      metric: r.escalation.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
    });
    this.opsAlarm(opsTopic, 'JobsAgeAlarm', {
      description: `a job has waited ${JOBS_AGE_ALARM.toMinutes()} minutes: it failed twice, or the worker is not consuming the jobs queue`,
      metric: r.jobs.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: JOBS_AGE_ALARM.toSeconds(),
    });
    this.opsAlarm(opsTopic, 'TimerDeliveryAlarm', {
      description:
        'EventBridge Scheduler could not invoke the escalation function for a timer (it retries for an hour, then dead-letters)',
      metric: r.scheduleGroup.metricTargetErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
    });
  }

  /** An alarm to the ops topic on entering ALARM and on returning to OK; no data is the healthy state. */
  private opsAlarm(
    opsTopic: Topic,
    id: string,
    spec: { description: string; metric: IMetric; threshold: number },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: `incident-bot: ${spec.description}`,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // Lambda, SQS, Scheduler and API Gateway stop reporting when idle; that is the healthy state.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(opsTopic));
    alarm.addOkAction(new SnsAction(opsTopic));
    return alarm;
  }

  /**
   * cdk-nag (AwsSolutions and Serverless packs, tests/infra/nag.test.ts): what the stack does not fix,
   * and why. Each acknowledgement is scoped to the constructs it is about.
   */
  private acknowledgeNagFindings(r: {
    postmortems: Bucket;
    secrets: Secret[];
    deadLetterQueues: Queue[];
    functions: BotFunction[];
    worker: BotFunction;
    escalation: BotFunction;
    scheduleGroup: ScheduleGroup;
    api: HttpApi;
  }): void {
    const ack = (scope: IConstruct, id: string, reason: string) =>
      Validations.of(scope).acknowledge({ id, reason });

    ack(
      r.postmortems,
      'AwsSolutions-S1',
      'Private, versioned, TLS-only bucket written by one role (the worker, s3:PutObject only). Server access logs need a second bucket (with its own logging finding) and cost per request for no reader; CloudTrail S3 data events are the audit trail where the account wants one.',
    );
    for (const secret of r.secrets) {
      ack(
        secret,
        'AwsSolutions-SMG4',
        'No rotation Lambda can rotate these: Slack issues the signing secret and bot token (rotated in the Slack app config, then put-secret-value), and the alert token is shared with Alertmanager and SNS senders that must be updated together. The functions re-read secrets after a TTL, so a manual rotation needs no deploy.',
      );
    }
    for (const queue of r.deadLetterQueues) {
      const reason =
        'This queue is itself a dead-letter queue (SQS redrive target, Lambda on-failure destination, Scheduler or SNS subscription DLQ): nothing further to send it to. It keeps messages 14 days and alarms to the ops topic on the first one.';
      ack(queue, 'AwsSolutions-SQS3', reason);
      ack(queue, 'Serverless-SQSRedrivePolicy', reason);
    }
    for (const fn of r.functions) {
      const role = fn.role as IConstruct;
      const xray =
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing), which have no resource-level permissions.';
      ack(
        role,
        'AwsSolutions-IAM5[Resource::*]',
        fn === r.worker
          ? 'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing), which have no resource-level permissions; and sns:Publish, for the SMS the worker sends to a person whose page went unacknowledged (lambda/escalation/texts.ts): a publish to a phone number names no topic ARN, so IAM can scope it only to *. The numbers come from the Slack secret; the code publishes to nothing else.'
          : xray,
      );
      ack(
        fn,
        'AwsSolutions-L1',
        'Pinned to nodejs22.x on purpose: the bundles are built for node22 (infra/bundling.ts) and measured by the cold-load bench on it; the runtime moves with the bundling target, in one reviewed change. Supported by Lambda until 2027.',
      );
      ack(
        fn,
        'Serverless-LambdaLatestVersion',
        'Pinned to nodejs22.x with the bundling target (infra/bundling.ts); see AwsSolutions-L1.',
      );
      ack(
        fn,
        'Serverless-LambdaDLQ',
        "Failed asynchronous invocations go to an SQS on-failure destination (EventInvokeConfig: schedule, reconcile and alert dead-letter queues), which supersedes DeadLetterConfig and which this rule does not read; the Slack function is only invoked synchronously (HTTP API), and the worker's SQS jobs dead-letter through the queue's redrive policy.",
      );
    }
    const postmortemObjects = `Resource::<${this.getLogicalId(r.postmortems.node.defaultChild as CfnElement)}.Arn>/${POSTMORTEM_PREFIX}*`;
    ack(
      r.worker.role as IConstruct,
      `AwsSolutions-IAM5[${postmortemObjects}]`,
      's3:PutObject only, under postmortems/ in the postmortem bucket: one object per incident, named when it is compiled.',
    );
    const timers = `Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${r.scheduleGroup.scheduleGroupName}/*`;
    for (const fn of [r.worker, r.escalation]) {
      ack(
        fn.role as IConstruct,
        `AwsSolutions-IAM5[${timers}]`,
        "scheduler:CreateSchedule (and for the worker DeleteSchedule) on the timers' own schedule group only: one schedule per timer, named after the incident and tier when it is set.",
      );
    }
    ack(
      r.worker,
      'Serverless-LambdaEventSourceMappingDestination',
      "SQS event source mappings take no on-failure destination (only stream and Kafka sources do): a job that keeps failing is dead-lettered by the jobs queue's redrive policy (5 receives), which alarms.",
    );
    ack(
      r.api,
      'AwsSolutions-APIG4',
      'Callers cannot use an API Gateway authorizer: Slack signs each request (HMAC of timestamp and body, verified by the Slack function with the signing secret before anything is done), Alertmanager and SNS present the alert token (checked before the body is read) or an SNS signature, and GitHub, Jira and Linear sign their webhooks (verified by the alerts function with their webhook secrets before anything is written). Throttling caps what an unauthenticated flood can cost.',
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
    // One integration for all; each route still gets an invoke permission scoped to its own path.
    const alerts = new HttpLambdaIntegration('AlertsIntegration', alertsFunction);
    for (const source of ['cloudwatch', 'alertmanager']) {
      api.addRoutes({ path: `/alerts/${source}`, methods: [HttpMethod.POST], integration: alerts });
    }
    // Trackers' webhooks (ticket closed or reopened) are inbound HTTP from other services too: the
    // alerts function verifies each vendor's signature (lambda/handlers/alerts.ts).
    for (const kind of WEBHOOK_KINDS) {
      api.addRoutes({ path: `/webhooks/${kind}`, methods: [HttpMethod.POST], integration: alerts });
    }
    const stage = api.defaultStage?.node.defaultChild as CfnStage;
    // Beyond these, callers get 429 and retry (Slack three times, Alertmanager and SNS with backoff)
    // instead of the functions being invoked past their reserved concurrency.
    stage.defaultRouteSettings = {
      throttlingRateLimit: API_RATE_LIMIT,
      throttlingBurstLimit: API_BURST_LIMIT,
    };
    // One JSON line per request: which route answered what, for the 5xx alarm's first look. Nothing
    // of the body or headers (Slack signatures, alert tokens) is logged.
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_MONTH });
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        time: '$context.requestTime',
        route: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationStatus: '$context.integrationStatus',
        integrationError: '$context.integrationErrorMessage',
        error: '$context.error.message',
      }),
    };
    return api;
  }
}

/** A concurrency setting: a whole number, 0 meaning none. */
function concurrency(name: string, value: number | undefined, fallback: number): number | undefined {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: expected a whole number ≥ 0, got ${value}`);
  return n === 0 ? undefined : n;
}
