import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import { LAMBDA_ENVIRONMENT } from '../../infra/bundling';
import { IncidentBotStack, type IncidentBotStackProps } from '../../infra/stack';
import { TABLE } from '../../lambda/store/table';

type Json = Record<string, unknown>;

// The feature flags `cdk synth` runs with, so these assertions hold for what gets deployed.
const cdkContext: Json = JSON.parse(readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8')).context;
const POLICY_FILE = path.join(__dirname, '../../examples/escalation-policy.yaml');

function synthApp(props: IncidentBotStackProps, extraContext: Json = {}, stackName = 'IncidentBot') {
  const app = new App({ context: { ...cdkContext, ...extraContext } });
  const stack = new IncidentBotStack(app, stackName, props);
  return { app, stack, template: Template.fromStack(stack) };
}

// Bundling is skipped: these synths only look at configuration, not code.
const noBundling = { 'aws:cdk:bundling-stacks': [] };
const synthConfig = (props: IncidentBotStackProps) => synthApp(props, noBundling).template;

/** The logical ids of resources of `type` whose id starts with `prefix`. */
function logicalIds(template: Template, type: string, prefix = ''): string[] {
  return Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = logicalIds(template, type, prefix);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

function resource(template: Template, type: string, prefix: string): Json {
  return template.findResources(type)[logicalId(template, type, prefix)] as Json;
}

const props = (value: unknown): Json => (value as Json).Properties as Json;

/** Every value in the template, depth first, so checks cover resources added later too. */
function* walk(value: unknown): Generator<unknown> {
  yield value;
  if (Array.isArray(value)) for (const item of value) yield* walk(item);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) yield* walk(item);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
  Principal?: unknown;
}

function allowStatements(node: unknown): Statement[] {
  const statements: Statement[] = [];
  for (const value of walk(node)) {
    const list = (value as Json | null)?.Statement;
    if (!Array.isArray(list)) continue;
    statements.push(...(list as Statement[]).filter((s) => s.Effect === 'Allow'));
  }
  return statements;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

/** The Allow statements of the policies attached to a role. */
function roleStatements(template: Template, roleId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (props(policy).Roles as unknown[]).some((r) => (r as Json).Ref === roleId),
  );
  const inline = props(template.findResources('AWS::IAM::Role')[roleId]).Policies;
  return allowStatements([policies, inline ?? []]);
}

/** The Allow statements of a function's execution role. */
function functionStatements(template: Template, fnId: string): Statement[] {
  const role = props(template.findResources('AWS::Lambda::Function')[fnId]).Role as Json;
  return roleStatements(template, (role['Fn::GetAtt'] as string[])[0] as string);
}

/** Every logical id a value points at through Ref or Fn::GetAtt. */
function references(value: unknown): Set<string> {
  const found = new Set<string>();
  for (const node of walk(value)) {
    const ref = (node as Json | null)?.Ref;
    if (typeof ref === 'string' && !ref.startsWith('AWS::')) found.add(ref);
    const att = (node as Json | null)?.['Fn::GetAtt'];
    if (Array.isArray(att)) found.add(att[0] as string);
  }
  return found;
}

const CHANNEL = 'C0INCIDENTS';
const OPS_CHANNEL = 'C0OPS';
const OPS_EMAIL = 'ops@example.com';
let template: Template;
let missingContext: unknown;
/** Where the synth wrote the assets (the cloud assembly). */
let assemblyDir: string;
let ids: {
  table: string;
  bucket: string;
  secret: string;
  alertSecret: string;
  api: string;
  slack: string;
  worker: string;
  escalation: string;
  alerts: string;
  jobs: string;
  jobsDlq: string;
  scheduleDlq: string;
  alertDlq: string;
  reconcileDlq: string;
  group: string;
  schedulerRole: string;
  reconcileSchedule: string;
  reconcileRole: string;
  alarmTopic: string;
  opsTopic: string;
};

beforeAll(() => {
  // Bundles every handler with esbuild: the slow part, done once for the whole file.
  const synthesized = synthApp({
    timezone: 'Europe/Berlin',
    incidentsChannel: CHANNEL,
    policyFile: POLICY_FILE,
    opsEmail: OPS_EMAIL,
    opsChannel: OPS_CHANNEL,
  });
  template = synthesized.template;
  const assembly = synthesized.app.synth();
  missingContext = assembly.manifest.missing;
  assemblyDir = assembly.directory;
  const fn = (prefix: string) => logicalId(template, 'AWS::Lambda::Function', prefix);
  const queue = (prefix: string) => logicalId(template, 'AWS::SQS::Queue', prefix);
  ids = {
    table: logicalId(template, 'AWS::DynamoDB::Table', 'IncidentTable'),
    bucket: logicalId(template, 'AWS::S3::Bucket', 'PostmortemBucket'),
    secret: logicalId(template, 'AWS::SecretsManager::Secret', 'SlackSecret'),
    alertSecret: logicalId(template, 'AWS::SecretsManager::Secret', 'AlertTokenSecret'),
    api: logicalId(template, 'AWS::ApiGatewayV2::Api', 'SlackApi'),
    slack: fn('SlackFunction'),
    worker: fn('WorkerFunction'),
    escalation: fn('EscalationFunction'),
    alerts: fn('AlertsFunction'),
    alertDlq: queue('AlertDeadLetterQueue'),
    jobs: queue('JobsQueue'),
    jobsDlq: queue('JobsDeadLetterQueue'),
    scheduleDlq: queue('ScheduleDeadLetterQueue'),
    reconcileDlq: queue('ReconcileDeadLetterQueue'),
    group: logicalId(template, 'AWS::Scheduler::ScheduleGroup', 'ScheduleGroup'),
    schedulerRole: logicalId(template, 'AWS::IAM::Role', 'SchedulerRole'),
    reconcileSchedule: logicalId(template, 'AWS::Scheduler::Schedule', 'ReconcileSchedule'),
    reconcileRole: logicalId(template, 'AWS::IAM::Role', 'ReconcileSchedulerRole'),
    alarmTopic: logicalId(template, 'AWS::SNS::Topic', 'AlarmTopic'),
    opsTopic: logicalId(template, 'AWS::SNS::Topic', 'OpsTopic'),
  };
}, 180_000);

const functionIds = () => [ids.slack, ids.worker, ids.escalation, ids.alerts];

/**
 * The warnings synth reports for the stack, as text. The synth's validation report also prints them
 * on stderr; expected here, so kept quiet.
 */
function warnings(stack: Stack): string[] {
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => {});
  try {
    return Annotations.fromStack(stack)
      .findWarning('*', Match.anyValue())
      .map((warning) => String(warning.entry.data));
  } finally {
    quiet.mockRestore();
  }
}

describe('function assets', () => {
  /** The files of a function's bundled asset, as uploaded. */
  const assetFiles = (id: string): string[] => {
    const code = props(template.toJSON().Resources[id]).Code as { S3Key: string };
    return readdirSync(path.join(assemblyDir, `asset.${code.S3Key.replace(/\.zip$/, '')}`)).sort();
  };

  it("carries the chart renderer's WebAssembly and font beside the worker's bundle, and no other function's", () => {
    expect(assetFiles(ids.worker)).toEqual([
      expect.stringMatching(/^DejaVuSans-\w+\.ttf$/),
      'index.js',
      'index.js.map',
      expect.stringMatching(/^index_bg-\w+\.wasm$/),
    ]);
    for (const id of [ids.slack, ids.escalation, ids.alerts]) {
      expect(assetFiles(id)).toEqual(['index.js', 'index.js.map']);
    }
  });
});

describe('table', () => {
  it('uses the key, index and TTL names of lambda/store/table.ts', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: TABLE.openIndex.name,
          KeySchema: [
            { AttributeName: TABLE.openIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE.openIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    });
  });

  it('is on demand, recoverable to a point in time and kept when the stack goes', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('postmortem bucket', () => {
  it('is encrypted, private and versioned', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('denies every request that does not use TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids.bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('secrets', () => {
  it('Slack: exactly as first released, so a deploy never rewrites the tokens operators put there', () => {
    const secret = props(resource(template, 'AWS::SecretsManager::Secret', 'SlackSecret'));
    // Any change to these makes CloudFormation write a new value over the operator's Slack keys.
    expect(secret).toEqual({
      Description:
        'incident-bot secrets as JSON: {"signingSecret": "...", "botToken": "...", "alertToken": "..."}',
      GenerateSecretString: {
        SecretStringTemplate: '{"signingSecret":"","botToken":""}',
        GenerateStringKey: 'alertToken',
        ExcludePunctuation: true,
        PasswordLength: 48,
      },
    });
  });

  it('alert token: its own secret, generated at deploy, letters and digits only', () => {
    const secret = props(resource(template, 'AWS::SecretsManager::Secret', 'AlertTokenSecret'));
    expect(secret).not.toHaveProperty('SecretString');
    const generate = secret.GenerateSecretString as Json;
    expect(JSON.parse(generate.SecretStringTemplate as string)).toEqual({});
    // Generated by CloudFormation at deploy: the value exists only in Secrets Manager.
    expect(generate.GenerateStringKey).toBe('alertToken');
    // It must fit into https://user:token@host without escaping.
    expect(generate.ExcludePunctuation).toBe(true);
    expect(generate.PasswordLength).toBe(48);
  });

  it('are the only two', () => {
    expect(logicalIds(template, 'AWS::SecretsManager::Secret').sort()).toEqual(
      [ids.secret, ids.alertSecret].sort(),
    );
  });
});

describe('functions', () => {
  it('are the slack, worker, escalation and alerts entries, and nothing else', () => {
    expect(logicalIds(template, 'AWS::Lambda::Function').sort()).toEqual([...functionIds()].sort());
  });

  it('all run Node.js 22 on arm64 with active tracing', () => {
    for (const id of functionIds()) {
      expect(props(template.findResources('AWS::Lambda::Function')[id])).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Handler: 'index.handler',
      });
    }
  });

  it('each log to their own group kept for a month', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    const used = functionIds().map((id) => {
      const fn = props(template.findResources('AWS::Lambda::Function')[id]);
      const ref = ((fn.LoggingConfig as Json).LogGroup as Json).Ref as string;
      expect(props(groups[ref]).RetentionInDays).toBe(30);
      return ref;
    });
    expect(new Set(used).size).toBe(functionIds().length);
  });

  it('give the slow work time: worker and escalation 60 s, the request paths 10 s', () => {
    const timeout = (id: string) => props(template.findResources('AWS::Lambda::Function')[id]).Timeout;
    expect(timeout(ids.slack)).toBe(10);
    expect(timeout(ids.worker)).toBe(60);
    expect(timeout(ids.escalation)).toBe(60);
    expect(timeout(ids.alerts)).toBe(10);
  });

  it('share one environment: resource names, ARNs and the policy, never a secret itself', () => {
    // The policy file as JSON, checked at synth: the functions need no YAML parser.
    const policyJson = JSON.stringify(parseYaml(readFileSync(POLICY_FILE, 'utf8')));
    const expected = {
      TABLE_NAME: { Ref: ids.table },
      POSTMORTEM_BUCKET: { Ref: ids.bucket },
      SLACK_SECRET_ARN: { Ref: ids.secret },
      INCIDENT_TIMEZONE: 'Europe/Berlin',
      INCIDENTS_CHANNEL: CHANNEL,
      ESCALATION_POLICY_JSON: policyJson,
      JOBS_QUEUE_URL: { Ref: ids.jobs },
      SCHEDULE_GROUP: props(template.findResources('AWS::Scheduler::ScheduleGroup')[ids.group]).Name,
      ESCALATION_FUNCTION_ARN: expect.anything(),
      SCHEDULER_ROLE_ARN: getAtt(ids.schedulerRole),
      SCHEDULER_DEAD_LETTER_ARN: getAtt(ids.scheduleDlq),
      JOBS_MAX_RECEIVE_COUNT: '5',
      OPS_TOPIC_ARN: { Ref: ids.opsTopic },
      OPS_CHANNEL: OPS_CHANNEL,
      ...LAMBDA_ENVIRONMENT,
    };
    for (const id of [ids.slack, ids.worker, ids.escalation]) {
      const fn = props(template.findResources('AWS::Lambda::Function')[id]);
      expect((fn.Environment as Json).Variables).toEqual(expected);
    }
    // Only the alerts function reads the alert token.
    const alerts = props(template.findResources('AWS::Lambda::Function')[ids.alerts]);
    expect((alerts.Environment as Json).Variables).toEqual({
      ...expected,
      ALERT_SECRET_ARN: { Ref: ids.alertSecret },
    });
  });

  it('reserve concurrency for escalation and cap the request functions; the worker is capped by its queue mapping', () => {
    const reserved = (id: string) =>
      props(template.findResources('AWS::Lambda::Function')[id]).ReservedConcurrentExecutions;
    expect(reserved(ids.escalation)).toBe(5);
    expect(reserved(ids.slack)).toBe(10);
    expect(reserved(ids.alerts)).toBe(10);
    expect(reserved(ids.worker)).toBeUndefined();
    // Well under the default quota of 1,000, and Lambda keeps 100 unreserved.
    expect(5 + 10 + 10).toBeLessThanOrEqual(1000 - 100);
  });

  it('each may write only to its own log group, with no AWS managed policy', () => {
    for (const id of functionIds()) {
      const fn = props(template.findResources('AWS::Lambda::Function')[id]);
      const roleId = ((fn.Role as Json)['Fn::GetAtt'] as string[])[0] as string;
      expect(props(template.findResources('AWS::IAM::Role')[roleId])).not.toHaveProperty('ManagedPolicyArns');
      const logs = functionStatements(template, id).filter((s) =>
        asArray(s.Action).some((a) => a.startsWith('logs:')),
      );
      const group = ((fn.LoggingConfig as Json).LogGroup as Json).Ref as string;
      expect(logs).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt(group) },
      ]);
    }
  });

  it('name the escalation function by an ARN built from its fixed name, so nothing cycles', () => {
    const escalation = props(template.findResources('AWS::Lambda::Function')[ids.escalation]);
    expect(escalation.FunctionName).toBe('IncidentBot-escalation');
    const arn = (escalation.Environment as Json).Variables as Json;
    expect(arn.ESCALATION_FUNCTION_ARN).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':lambda:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:function:${escalation.FunctionName}`,
        ],
      ],
    });
  });

  it('form no dependency cycle, which CloudFormation would reject only at deploy', () => {
    const resources = template.toJSON().Resources as Record<string, Json>;
    const edges = new Map(
      Object.entries(resources).map(([id, body]) => [
        id,
        [...references(body.Properties), ...asArray((body.DependsOn as string | string[]) ?? [])],
      ]),
    );
    const state = new Map<string, 'visiting' | 'done'>();
    const cycle: string[] = [];
    const visit = (id: string, trail: string[]): void => {
      if (state.get(id) === 'done' || cycle.length > 0) return;
      if (state.get(id) === 'visiting') {
        cycle.push(...trail.slice(trail.indexOf(id)), id);
        return;
      }
      state.set(id, 'visiting');
      for (const next of edges.get(id) ?? []) if (edges.has(next)) visit(next, [...trail, id]);
      state.set(id, 'done');
    };
    for (const id of edges.keys()) visit(id, []);
    expect(cycle).toEqual([]);
  });
});

describe('jobs queue', () => {
  it('is encrypted and keeps a job hidden while any batch holding it may still run', () => {
    const queue = props(template.findResources('AWS::SQS::Queue')[ids.jobs]);
    const workerTimeout = props(template.findResources('AWS::Lambda::Function')[ids.worker])
      .Timeout as number;
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * workerTimeout);
  });

  it('dead-letters a job after 5 receives into a queue kept for 14 days', () => {
    const queue = props(template.findResources('AWS::SQS::Queue')[ids.jobs]);
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: getAtt(ids.jobsDlq), maxReceiveCount: 5 });
    const dlq = props(template.findResources('AWS::SQS::Queue')[ids.jobsDlq]);
    expect(dlq).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('feeds the worker in batches that report their failed items', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    const mapping = props(Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0]);
    expect(mapping).toMatchObject({
      EventSourceArn: getAtt(ids.jobs),
      FunctionName: { Ref: ids.worker },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // A ceiling on parallel batches that reserves nothing.
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    expect(mapping.MaximumBatchingWindowInSeconds).toBeGreaterThan(0);
    expect(mapping.MaximumBatchingWindowInSeconds).toBeLessThanOrEqual(10);
  });
});

describe('queues', () => {
  it('are all encrypted and refuse requests without TLS', () => {
    const queues = logicalIds(template, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(5);
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    for (const id of queues) {
      expect(props(template.findResources('AWS::SQS::Queue')[id]).SqsManagedSseEnabled).toBe(true);
      const denies = policies
        .filter((policy) => (props(policy).Queues as Json[]).some((q) => q.Ref === id))
        .flatMap((policy) => ((props(policy).PolicyDocument as Json).Statement as Statement[]) ?? [])
        .filter((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'));
      expect(denies).toHaveLength(1);
    }
  });
});

describe('permissions of each function', () => {
  /** Each action a function's role allows, with what it names: logical ids, '*', or the ARN text. */
  function grants(fnId: string): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const statement of functionStatements(template, fnId)) {
      const targets = asArray(statement.Resource).flatMap((r) => {
        if (r === '*') return ['*'];
        const refs = [...references(r)];
        return refs.length > 0 ? refs : [JSON.stringify(r)];
      });
      for (const action of asArray(statement.Action)) {
        out[action] = [...new Set([...(out[action] ?? []), ...targets])].sort();
      }
    }
    return out;
  }
  const logGroupOf = (fnId: string) =>
    ((props(template.findResources('AWS::Lambda::Function')[fnId]).LoggingConfig as Json).LogGroup as Json)
      .Ref as string;
  const common = (fnId: string) => ({
    'logs:CreateLogStream': [logGroupOf(fnId)],
    'logs:PutLogEvents': [logGroupOf(fnId)],
    'xray:PutTelemetryRecords': ['*'],
    'xray:PutTraceSegments': ['*'],
  });
  const items = () => ({
    'dynamodb:GetItem': [ids.table],
    'dynamodb:PutItem': [ids.table],
    'dynamodb:UpdateItem': [ids.table],
    'dynamodb:Query': [ids.table],
  });
  const timers = expect.stringMatching(/:schedule\/IncidentBot-ScheduleGroup-[0-9A-F]+\/\*"/);

  // The table per function: exactly these actions, on exactly these resources (see grantByCodePath).
  it.each([
    [
      'slack: reads and writes incidents, deletes on-call overrides, reads the Slack keys, adds jobs; no S3, no Scheduler, no PassRole',
      () => ids.slack,
      () => ({
        ...common(ids.slack),
        ...items(),
        'dynamodb:DeleteItem': [ids.table],
        'secretsmanager:GetSecretValue': [ids.secret],
        'sqs:SendMessage': [ids.jobs],
      }),
    ],
    [
      'worker: also deletes (released claims), consumes and postpones jobs, writes postmortems, sets and cancels timers, sends texts',
      () => ids.worker,
      () => ({
        ...common(ids.worker),
        ...items(),
        'dynamodb:DeleteItem': [ids.table],
        'secretsmanager:GetSecretValue': [ids.secret],
        'sqs:ChangeMessageVisibility': [ids.jobs],
        'sqs:DeleteMessage': [ids.jobs],
        'sqs:GetQueueAttributes': [ids.jobs],
        'sqs:ReceiveMessage': [ids.jobs],
        'sqs:SendMessage': [ids.jobs, ids.reconcileDlq].sort(),
        's3:PutObject': [ids.bucket],
        // Texts for unacknowledged pages: an SMS publish names no resource.
        'sns:Publish': ['*'],
        'scheduler:CreateSchedule': [timers],
        'scheduler:DeleteSchedule': [timers],
        'iam:PassRole': [ids.schedulerRole],
      }),
    ],
    [
      'escalation: adds jobs (page retries), sets the next reminder, dead-letters failed timers; no delete, no S3',
      () => ids.escalation,
      () => ({
        ...common(ids.escalation),
        ...items(),
        'secretsmanager:GetSecretValue': [ids.secret],
        'sqs:SendMessage': [ids.jobs, ids.scheduleDlq].sort(),
        'scheduler:CreateSchedule': [timers],
        'iam:PassRole': [ids.schedulerRole],
      }),
    ],
    [
      'alerts: reads both secrets, adds jobs, dead-letters failed alarms; no S3, no Scheduler',
      () => ids.alerts,
      () => ({
        ...common(ids.alerts),
        ...items(),
        'secretsmanager:GetSecretValue': [ids.alertSecret, ids.secret].sort(),
        'sqs:SendMessage': [ids.alertDlq, ids.jobs].sort(),
      }),
    ],
  ])('%s', (_name, fnId, expected) => {
    expect(grants(fnId())).toEqual(expected());
  });

  it("lets the Slack function delete only on-call overrides (the partition's leading key)", () => {
    const deletes = functionStatements(template, ids.slack).filter((statement) =>
      asArray(statement.Action).includes('dynamodb:DeleteItem'),
    );
    expect(deletes.map((statement) => statement.Condition)).toEqual([
      { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['ONCALL-OVERRIDES'] } },
    ]);
  });

  it('never Scan, batch, transact or read streams anywhere', () => {
    const actions = functionIds().flatMap((id) => Object.keys(grants(id)));
    expect(
      actions.filter((a) => /Scan|Batch|Transact|Stream|ConditionCheck/.test(a) && a.startsWith('dynamodb:')),
    ).toEqual([]);
  });

  it('query the open-incidents index only where the code lists incidents or follow-ups: Slack, the worker, alerts (tracker webhooks)', () => {
    const queriesIndex = (fnId: string) =>
      functionStatements(template, fnId).some(
        (s) =>
          asArray(s.Action).includes('dynamodb:Query') &&
          JSON.stringify(s.Resource).includes(`/index/${TABLE.openIndex.name}"`),
      );
    expect(functionIds().filter(queriesIndex).sort()).toEqual([ids.slack, ids.worker, ids.alerts].sort());
  });

  it('lets alerts only Query the index (the follow-ups a webhook names): no item action there', () => {
    const onIndex = functionStatements(template, ids.alerts).filter((s) =>
      JSON.stringify(s.Resource).includes(`/index/${TABLE.openIndex.name}"`),
    );
    expect(onIndex.flatMap((s) => asArray(s.Action))).toEqual(['dynamodb:Query']);
    expect(onIndex.flatMap((s) => asArray(s.Resource))).toHaveLength(1);
  });

  it('write postmortems only under postmortems/', () => {
    const put = functionStatements(template, ids.worker).filter((s) =>
      asArray(s.Action).includes('s3:PutObject'),
    );
    expect(put).toHaveLength(1);
    expect(JSON.stringify(put[0]?.Resource)).toContain('/postmortems/*');
  });

  it('pass the scheduler role only to EventBridge Scheduler', () => {
    for (const id of [ids.worker, ids.escalation]) {
      const passRole = functionStatements(template, id).filter((s) =>
        asArray(s.Action).includes('iam:PassRole'),
      );
      expect(passRole).toEqual([
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: getAtt(ids.schedulerRole),
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]);
    }
  });

  it('deliver failed asynchronous invocations to their dead-letter queues', () => {
    for (const [fn, dlq] of [
      [ids.escalation, ids.scheduleDlq],
      [ids.worker, ids.reconcileDlq],
      [ids.alerts, ids.alertDlq],
    ]) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fn },
        DestinationConfig: { OnFailure: { Destination: getAtt(dlq as string) } },
      });
    }
  });
});

describe('escalation timers', () => {
  it('live in their own schedule group, removed with the stack', () => {
    template.hasResource('AWS::Scheduler::ScheduleGroup', { DeletionPolicy: 'Delete' });
  });

  it('are delivered by a role only EventBridge Scheduler, for this account and group, may assume', () => {
    const role = props(template.findResources('AWS::IAM::Role')[ids.schedulerRole]);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': getAtt(ids.group),
            },
          },
        },
      ],
    });
    expect(role).not.toHaveProperty('ManagedPolicyArns');
  });

  it('whose only powers are to invoke the escalation function and dead-letter a timer', () => {
    const statements = roleStatements(template, ids.schedulerRole);
    const invoke = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('lambda:')));
    expect(invoke).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: getAtt(ids.escalation) },
    ]);
    expect(statements.filter((s) => !invoke.includes(s))).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.scheduleDlq) },
    ]);
  });
});

describe('reconcile schedule', () => {
  const schedule = () => props(template.findResources('AWS::Scheduler::Schedule')[ids.reconcileSchedule]);

  it('invokes the worker every minute, on time, with exactly {"type":"reconcile"}', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    expect(schedule()).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
    });
    const target = schedule().Target as Json;
    expect(target.Arn).toEqual(getAtt(ids.worker));
    expect(target.RoleArn).toEqual(getAtt(ids.reconcileRole));
    expect(target.Input).toBe('{"type":"reconcile"}');
  });

  it('lives in the default group, out of reach of the functions that manage timers', () => {
    expect(schedule()).not.toHaveProperty('GroupName');
  });

  it('gives up a run within the minute its successor replaces it, dead-lettering what it could not deliver', () => {
    const target = schedule().Target as Json;
    expect(target.RetryPolicy).toEqual({
      MaximumRetryAttempts: expect.any(Number),
      MaximumEventAgeInSeconds: 60,
    });
    expect((target.RetryPolicy as Json).MaximumRetryAttempts as number).toBeLessThanOrEqual(3);
    expect(target.DeadLetterConfig).toEqual({ Arn: getAtt(ids.reconcileDlq) });
  });

  it('has a role only EventBridge Scheduler, for this account, may assume', () => {
    const role = props(template.findResources('AWS::IAM::Role')[ids.reconcileRole]);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':scheduler:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':schedule-group/default',
                  ],
                ],
              },
            },
          },
        },
      ],
    });
    expect(role).not.toHaveProperty('ManagedPolicyArns');
  });

  it('whose only powers are to invoke the worker and dead-letter a run', () => {
    const statements = roleStatements(template, ids.reconcileRole);
    const invoke = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('lambda:')));
    expect(invoke).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: getAtt(ids.worker) },
    ]);
    expect(statements.filter((s) => !invoke.includes(s))).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.reconcileDlq) },
    ]);
  });

  it('is created once its role may invoke the worker', () => {
    const dependsOn = asArray(
      (template.findResources('AWS::Scheduler::Schedule')[ids.reconcileSchedule] as Json).DependsOn as
        | string
        | string[],
    );
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) => (props(policy).Roles as Json[]).some((r) => r.Ref === ids.reconcileRole))
      .map(([id]) => id);
    expect(policies).toHaveLength(1);
    expect(dependsOn).toEqual(expect.arrayContaining([ids.reconcileRole, ...policies]));
  });

  it('runs on a worker that does not retry a failed run but dead-letters it for the operators', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.worker },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: { OnFailure: { Destination: getAtt(ids.reconcileDlq) } },
    });
  });

  it('is the only thing besides the jobs queue that starts the worker', () => {
    const invokers = allowStatements(template.toJSON()).filter(
      (s) => asArray(s.Action).includes('lambda:InvokeFunction') && references(s.Resource).has(ids.worker),
    );
    expect(invokers).toHaveLength(1);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
      references(props(p).FunctionName).has(ids.worker),
    );
    expect(permissions).toEqual([]);
  });
});

describe('topics', () => {
  it('are not under a customer managed key ($1 a month) and require TLS', () => {
    template.resourceCountIs('AWS::KMS::Key', 0);
    for (const id of [ids.alarmTopic, ids.opsTopic]) {
      expect(props(template.findResources('AWS::SNS::Topic')[id])).not.toHaveProperty('KmsMasterKeyId');
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sns:Publish',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('ops: mails the ops email and hands every alarm to the alerts function (for OPS_CHANNEL), undeliverable ones dead-lettered', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      TopicArn: { Ref: ids.opsTopic },
      Endpoint: OPS_EMAIL,
      RedrivePolicy: { deadLetterTargetArn: getAtt(ids.alertDlq) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: ids.opsTopic },
      Endpoint: getAtt(ids.alerts),
      RedrivePolicy: { deadLetterTargetArn: getAtt(ids.alertDlq) },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(ids.alerts),
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: ids.opsTopic },
    });
  });
});

describe('ops alarms', () => {
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(props);
  /** The alarm on this metric and these dimensions; exactly one. */
  const alarmOn = (namespace: string, metricName: string, dimensions: Json[]) => {
    const matching = alarms().filter(
      (alarm) =>
        alarm.Namespace === namespace &&
        alarm.MetricName === metricName &&
        JSON.stringify(alarm.Dimensions) === JSON.stringify(dimensions),
    );
    expect(matching).toHaveLength(1);
    return matching[0] as Json;
  };
  const groupName = () => props(template.findResources('AWS::Scheduler::ScheduleGroup')[ids.group]).Name;

  it('fire on the first message in every dead-letter queue', () => {
    for (const queue of [ids.jobsDlq, ids.scheduleDlq, ids.alertDlq, ids.reconcileDlq]) {
      expect(
        alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', [
          { Name: 'QueueName', Value: getAtt(queue, 'QueueName') },
        ]),
      ).toMatchObject({
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
      });
    }
  });

  it.each([
    [
      'HTTP API 5xx (the Slack and alerts functions over HTTP)',
      'AWS/ApiGateway',
      '5xx',
      () => [{ Name: 'ApiId', Value: { Ref: ids.api } }],
      'Sum',
      300,
      1,
    ],
    [
      'worker errors (the worker itself, not a job)',
      'AWS/Lambda',
      'Errors',
      () => [{ Name: 'FunctionName', Value: { Ref: ids.worker } }],
      'Sum',
      300,
      3,
    ],
    [
      'escalation errors',
      'AWS/Lambda',
      'Errors',
      () => [{ Name: 'FunctionName', Value: { Ref: ids.escalation } }],
      'Sum',
      300,
      1,
    ],
    [
      'escalation throttles',
      'AWS/Lambda',
      'Throttles',
      () => [{ Name: 'FunctionName', Value: { Ref: ids.escalation } }],
      'Sum',
      300,
      1,
    ],
    [
      'the age of the oldest job, 10 minutes',
      'AWS/SQS',
      'ApproximateAgeOfOldestMessage',
      () => [{ Name: 'QueueName', Value: getAtt(ids.jobs, 'QueueName') }],
      'Maximum',
      60,
      600,
    ],
    [
      'timer delivery errors in the schedule group',
      'AWS/Scheduler',
      'TargetErrorCount',
      () => [{ Name: 'ScheduleGroup', Value: groupName() }],
      'Sum',
      300,
      1,
    ],
  ] as const)('watch %s', (_name, namespace, metric, dimensions, statistic, period, threshold) => {
    expect(alarmOn(namespace, metric, dimensions() as Json[])).toMatchObject({
      Statistic: statistic,
      Period: period,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
  });

  it('are ten single-metric alarms ($0.10 a month each, CloudWatch free tier: 10), none high-resolution or metric math', () => {
    expect(alarms()).toHaveLength(10);
    for (const alarm of alarms()) {
      expect(alarm).not.toHaveProperty('Metrics');
      expect(alarm.Period as number).toBeGreaterThanOrEqual(60);
    }
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
  });

  it('all tell the ops topic when they fire and when they recover; no data is healthy', () => {
    for (const alarm of alarms()) {
      expect(alarm).toMatchObject({
        AlarmActions: [{ Ref: ids.opsTopic }],
        OKActions: [{ Ref: ids.opsTopic }],
        TreatMissingData: 'notBreaching',
      });
      expect(alarm.AlarmDescription).toMatch(/^incident-bot: /);
    }
  });

  it('never page through the bot: no alarm acts on the alarm topic', () => {
    for (const alarm of alarms()) expect(JSON.stringify(alarm)).not.toContain(ids.alarmTopic);
  });
});

describe('HTTP API', () => {
  it('routes POST /slack/events to the Slack function with the v2 payload the handler parses', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      ApiId: { Ref: ids.api },
      RouteKey: 'POST /slack/events',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      ApiId: { Ref: ids.api },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: getAtt(ids.slack),
      PayloadFormatVersion: '2.0',
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(ids.slack),
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('has only the Slack and alert routes, so nothing else reaches a function', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => props(route).RouteKey,
    );
    expect(routes.sort()).toEqual([
      'POST /alerts/alertmanager',
      'POST /alerts/cloudwatch',
      'POST /slack/events',
      'POST /webhooks/github',
      'POST /webhooks/jira',
      'POST /webhooks/linear',
    ]);
  });
});

describe('HTTP API limits and logs', () => {
  const stage = () => props(Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]);

  it('throttles the $default stage: 50 requests a second, bursts of 100', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    expect(stage()).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('logs each request as JSON to a group kept a month, with no header or body', () => {
    const settings = stage().AccessLogSettings as Json;
    const group = references(settings.DestinationArn);
    expect(group.size).toBe(1);
    expect(
      props(template.findResources('AWS::Logs::LogGroup')[[...group][0] as string]).RetentionInDays,
    ).toBe(30);
    const format = JSON.parse(settings.Format as string) as Json;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(Object.values(format).filter((v) => /header|body|authorization/i.test(String(v)))).toEqual([]);
  });
});

describe('alerts', () => {
  it("routes POST /alerts/cloudwatch, /alerts/alertmanager and the trackers' /webhooks/<kind> to the alerts function", () => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    for (const routeKey of [
      'POST /alerts/cloudwatch',
      'POST /alerts/alertmanager',
      'POST /webhooks/github',
      'POST /webhooks/jira',
      'POST /webhooks/linear',
    ]) {
      const route = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find(
        (r) => props(r).RouteKey === routeKey,
      );
      const target = (props(route).Target as Json)['Fn::Join'] as [string, unknown[]];
      const integrationId = (target[1][1] as Json).Ref as string;
      expect(props(integrations[integrationId]).IntegrationUri).toEqual(getAtt(ids.alerts));
    }
  });

  it('receives the alarm topic, with undeliverable alarms and failed invocations dead-lettered', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: ids.alarmTopic },
      Endpoint: getAtt(ids.alerts),
      RedrivePolicy: { deadLetterTargetArn: getAtt(ids.alertDlq) },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(ids.alerts),
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: ids.alarmTopic },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.alerts },
      DestinationConfig: { OnFailure: { Destination: getAtt(ids.alertDlq) } },
    });
  });
});

describe('outputs', () => {
  it('gives the request URL to paste into the Slack app config', () => {
    template.hasOutput('SlackRequestUrl', {
      Value: { 'Fn::Join': ['', [getAtt(ids.api, 'ApiEndpoint'), '/slack/events']] },
    });
  });

  it('gives the alert URLs to configure in Alertmanager and in SNS topics elsewhere', () => {
    const urls = { AlertmanagerUrl: '/alerts/alertmanager', CloudWatchAlertsUrl: '/alerts/cloudwatch' };
    for (const [output, route] of Object.entries(urls)) {
      template.hasOutput(output, {
        Value: { 'Fn::Join': ['', [getAtt(ids.api, 'ApiEndpoint'), route]] },
      });
    }
  });

  it('gives the tracker webhook URLs, each naming its secret in the Slack secret', () => {
    const urls = {
      GitHubWebhookUrl: ['/webhooks/github', 'githubWebhookSecret'],
      JiraWebhookUrl: ['/webhooks/jira', 'jiraWebhookSecret'],
      LinearWebhookUrl: ['/webhooks/linear', 'linearWebhookSecret'],
    };
    const outputs = template.toJSON().Outputs as Record<string, Json>;
    for (const [output, [route, secret]] of Object.entries(urls)) {
      template.hasOutput(output, {
        Value: { 'Fn::Join': ['', [getAtt(ids.api, 'ApiEndpoint'), route]] },
      });
      expect(outputs[output]?.Description).toContain(secret);
    }
  });

  it('names the table, the bucket, the secret and both topics', () => {
    template.hasOutput('TableName', { Value: { Ref: ids.table } });
    template.hasOutput('PostmortemBucketName', { Value: { Ref: ids.bucket } });
    template.hasOutput('SlackSecretArn', { Value: { Ref: ids.secret } });
    template.hasOutput('AlertTokenSecretArn', { Value: { Ref: ids.alertSecret } });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: ids.alarmTopic } });
    template.hasOutput('OpsTopicArn', { Value: { Ref: ids.opsTopic } });
  });
});

describe('secret outputs', () => {
  const description = (name: string) => (template.toJSON().Outputs as Json)[name] as Json;

  it('say to set every Slack key at once, and no longer that the Slack secret holds the alert token', () => {
    const text = description('SlackSecretArn').Description as string;
    for (const key of ['signingSecret', 'botToken', 'webhookSigningSecret']) expect(text).toContain(key);
    expect(text).not.toContain('alertToken');
  });

  it('point at the alert token secret for reading it, never writing it', () => {
    expect(description('AlertTokenSecretArn').Description).toMatch(/get-secret-value/);
    expect(description('AlertTokenSecretArn').Description).not.toMatch(/put-secret-value --/);
    expect(description('AlertmanagerUrl').Description).toMatch(/AlertTokenSecretArn/);
  });
});

describe('whole template', () => {
  it('allows no wildcard action in any policy: identity, key, queue or trust', () => {
    const actions = allowStatements(template.toJSON()).flatMap((s) => asArray(s.Action));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action === '*' || /^[\w-]+:\*$/.test(action))).toEqual([]);
  });

  it('pairs Resource "*" in identity policies only with actions that have no resource ARNs', () => {
    // Key policies are left out: there Resource "*" means the key itself.
    const identity = [
      template.findResources('AWS::IAM::Policy'),
      template.findResources('AWS::IAM::ManagedPolicy'),
      Object.values(template.findResources('AWS::IAM::Role')).map((role) => props(role).Policies ?? []),
    ];
    // sns:Publish is scopable to topics, but an SMS to a phone number (the worker's texts) names none.
    const unscopable = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments', 'sns:Publish'];
    const onAnything = allowStatements(identity)
      .filter((s) => asArray(s.Resource).includes('*'))
      .flatMap((s) => asArray(s.Action));
    expect(onAnything.filter((action) => !unscopable.includes(action))).toEqual([]);
  });

  it('contains nothing that looks like a Slack token or signing secret', () => {
    const strings = [...walk(template.toJSON())].filter((v): v is string => typeof v === 'string');
    expect(strings.length).toBeGreaterThan(0);
    // Bot, user and app tokens start xox?-; signing secrets are 32 hex characters.
    expect(strings.filter((s) => /xox[a-z]-|\b[0-9a-f]{32}\b/i.test(s))).toEqual([]);
  });

  it('needs no AWS account to synthesize: no context lookups, no environment', () => {
    expect(missingContext ?? []).toEqual([]);
  });
});

describe('stack props', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'incident-bot-infra-'));
  const policyFile = (name: string, text: string) => {
    const file = path.join(tmp, name);
    writeFileSync(file, text);
    return file;
  };
  const variablesOf = (t: Template) =>
    (props(Object.values(t.findResources('AWS::Lambda::Function'))[0]).Environment as Json).Variables as Json;

  it('defaults to UTC, no announcements channel and no policy', () => {
    const variables = variablesOf(synthConfig({}));
    expect(variables.INCIDENT_TIMEZONE).toBe('UTC');
    expect(variables).not.toHaveProperty('INCIDENTS_CHANNEL');
    expect(variables).not.toHaveProperty('ESCALATION_POLICY_YAML');
  });

  it("passes the trackers' endpoints when given, and none by default (their defaults are the public APIs)", () => {
    const variables = variablesOf(
      synthConfig({
        trackerEndpoints: {
          jiraBaseUrl: 'https://acme.atlassian.net',
          githubApiUrl: 'https://ghe.example.com/api/v3',
        },
      }),
    );
    expect(variables.JIRA_BASE_URL).toBe('https://acme.atlassian.net');
    expect(variables.GITHUB_API_URL).toBe('https://ghe.example.com/api/v3');
    expect(variables).not.toHaveProperty('LINEAR_API_URL');
    expect(variablesOf(synthConfig({}))).not.toHaveProperty('JIRA_BASE_URL');
  });

  it('without opsEmail: no subscription but the alerts function, and a warning that nobody is told', () => {
    const app = new App({ context: { ...cdkContext, ...noBundling } });
    const stack = new IncidentBotStack(app, 'IncidentBot', {});
    const t = Template.fromStack(stack);
    expect(
      Object.values(t.findResources('AWS::SNS::Subscription')).map((sub) => props(sub).Protocol),
    ).toEqual(['lambda', 'lambda']);
    expect(variablesOf(t)).not.toHaveProperty('OPS_CHANNEL');
    expect(warnings(stack)).toContainEqual(
      expect.stringContaining('opsEmail is not set: nobody is subscribed'),
    );
  });

  it('with opsEmail: no such warning', () => {
    const app = new App({ context: { ...cdkContext, ...noBundling } });
    const stack = new IncidentBotStack(app, 'IncidentBot', { opsEmail: OPS_EMAIL });
    expect(warnings(stack).filter((text) => text.includes('opsEmail'))).toEqual([]);
  });

  it('reserves no concurrency when told 0 (accounts whose quota leaves no room), and refuses nonsense', () => {
    const t = synthConfig({ escalationConcurrency: 0, requestConcurrency: 0 });
    for (const fn of Object.values(t.findResources('AWS::Lambda::Function'))) {
      expect(props(fn)).not.toHaveProperty('ReservedConcurrentExecutions');
    }
    const custom = synthConfig({ escalationConcurrency: 2, requestConcurrency: 3 });
    expect(
      Object.values(custom.findResources('AWS::Lambda::Function'))
        .map((fn) => props(fn).ReservedConcurrentExecutions)
        .sort(),
    ).toEqual([2, 3, 3, undefined]);
    expect(() => synthConfig({ escalationConcurrency: -1 })).toThrow(/escalationConcurrency/);
    expect(() => synthConfig({ requestConcurrency: 1.5 })).toThrow(/requestConcurrency/);
  });

  it('refuses a time zone that does not exist', () => {
    expect(() => synthConfig({ timezone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus/);
  });

  it('refuses a bad policy file, naming the field', () => {
    const file = policyFile(
      'bad.yaml',
      'teams:\n  oncall: { slack: S0ONCALL }\nescalation:\n  sev1:\n    - { after: soon, notify: [oncall] }\n',
    );
    expect(() => synthConfig({ policyFile: file })).toThrow(
      /escalation\.sev1\[0\]\.after: expected a duration/,
    );
  });

  it('refuses a policy file it cannot read, or one too large for the Lambda environment', () => {
    expect(() => synthConfig({ policyFile: path.join(tmp, 'missing.yaml') })).toThrow(
      /policyFile: cannot read/,
    );
    // Comments do not travel (the functions get the policy as JSON); teams do.
    const comments = policyFile(
      'comments.yaml',
      `# ${'x'.repeat(4000)}\nteams:\n  oncall: { slack: S0ONCALL }\n`,
    );
    expect(() => synthConfig({ policyFile: comments })).not.toThrow();
    const teams = Array.from({ length: 150 }, (_, n) => `  team${n}: { slack: S0ONCALL }`).join('\n');
    const large = policyFile('large.yaml', `teams:\n${teams}\n`);
    expect(() => synthConfig({ policyFile: large })).toThrow(/4 KB/);
  });

  it('warns that PagerDuty and Opsgenie keys in the policy end up in the template', () => {
    const file = policyFile(
      'keys.yaml',
      'teams:\n  sre: { pagerduty: R0UTINGKEY0SRE000000000000000000, opsgenie: api-key }\n',
    );
    const app = new App({ context: { ...cdkContext, ...noBundling } });
    const stack = new IncidentBotStack(app, 'IncidentBot', { policyFile: file });
    expect(warnings(stack)).toContainEqual(
      expect.stringContaining('teams.sre.pagerduty, teams.sre.opsgenie will be plain text'),
    );
  });

  it('refuses a stack name too long to name the escalation function', () => {
    expect(() => synthApp({}, noBundling, `IncidentBot${'x'.repeat(60)}`)).toThrow(/too long/);
  });
});
