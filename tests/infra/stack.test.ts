import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { IncidentBotStack, type IncidentBotStackProps } from '../../infra/stack';
import { TABLE } from '../../lambda/store/table';

type Json = Record<string, unknown>;

// The feature flags `cdk synth` runs with, so these assertions hold for what gets deployed.
const cdkContext: Json = JSON.parse(readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8')).context;

function synth(props: IncidentBotStackProps, extraContext: Json = {}): Template {
  const app = new App({ context: { ...cdkContext, ...extraContext } });
  return Template.fromStack(new IncidentBotStack(app, 'IncidentBot', props));
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

function resource(template: Template, type: string, prefix: string): Json {
  return template.findResources(type)[logicalId(template, type, prefix)] as Json;
}

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

const CHANNEL = 'C0INCIDENTS';
let template: Template;
let ids: { table: string; bucket: string; secret: string; fn: string; api: string; logs: string };

beforeAll(() => {
  // Bundles the real handler with esbuild: the slow part, done once for the whole file.
  template = synth({ timezone: 'Europe/Berlin', incidentsChannel: CHANNEL });
  ids = {
    table: logicalId(template, 'AWS::DynamoDB::Table', 'IncidentTable'),
    bucket: logicalId(template, 'AWS::S3::Bucket', 'PostmortemBucket'),
    secret: logicalId(template, 'AWS::SecretsManager::Secret', 'SlackSecret'),
    fn: logicalId(template, 'AWS::Lambda::Function', 'SlackFunction'),
    api: logicalId(template, 'AWS::ApiGatewayV2::Api', 'SlackApi'),
    logs: logicalId(template, 'AWS::Logs::LogGroup', 'SlackFunctionLogs'),
  };
}, 120_000);

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

describe('Slack secret', () => {
  it('names the JSON keys the handler reads and carries no value', () => {
    const secret = resource(template, 'AWS::SecretsManager::Secret', 'SlackSecret');
    const props = secret.Properties as Json;
    expect(props).not.toHaveProperty('SecretString');
    const generate = props.GenerateSecretString as Json;
    const shape = JSON.parse(generate.SecretStringTemplate as string);
    expect(shape).toEqual({ signingSecret: '', botToken: '' });
  });
});

describe('Slack function', () => {
  it('runs Node.js 22 on arm64 with active tracing', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 512,
      Timeout: 10,
      Handler: 'index.handler',
    });
  });

  it('gets resource names and the secret ARN from the stack, never the secret itself', () => {
    const fn = resource(template, 'AWS::Lambda::Function', 'SlackFunction');
    const variables = ((fn.Properties as Json).Environment as Json).Variables as Json;
    expect(variables).toEqual({
      TABLE_NAME: { Ref: ids.table },
      POSTMORTEM_BUCKET: { Ref: ids.bucket },
      SLACK_SECRET_ARN: { Ref: ids.secret },
      INCIDENT_TIMEZONE: 'Europe/Berlin',
      INCIDENTS_CHANNEL: CHANNEL,
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('logs to its own group kept for a month', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: ids.logs } },
    });
  });

  it('may read and write its table, read and put postmortems, read its secret, and nothing else', () => {
    const role = (resource(template, 'AWS::Lambda::Function', 'SlackFunction').Properties as Json).Role;
    const roleId = ((role as Json)['Fn::GetAtt'] as string[])[0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      ((policy.Properties as Json).Roles as unknown[]).some((r) => (r as Json).Ref === roleId),
    );
    const statements = allowStatements(policies);
    const actions = statements.flatMap((s) => asArray(s.Action)).sort();
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        's3:GetObject*',
        's3:PutObject',
        'secretsmanager:GetSecretValue',
      ]),
    );
    const services = new Set(actions.map((action) => action.split(':')[0]));
    expect([...services].sort()).toEqual(['dynamodb', 's3', 'secretsmanager', 'xray']);
    expect(actions.filter((action) => /Delete/.test(action) && action.startsWith('s3:'))).toEqual([]);
    expect(actions.filter((action) => action.startsWith('secretsmanager:'))).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    // Each grant names this stack's table, bucket or secret, except X-Ray which has no resource ARNs.
    for (const statement of statements) {
      const refs = JSON.stringify(statement.Resource);
      if (refs === '"*"') continue;
      expect([ids.table, ids.bucket, ids.secret].filter((id) => refs.includes(id))).toHaveLength(1);
    }
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
      IntegrationUri: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
    });
  });

  it('has only that route, so nothing else reaches the function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
  });
});

describe('outputs', () => {
  it('gives the request URL to paste into the Slack app config', () => {
    template.hasOutput('SlackRequestUrl', {
      Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.api, 'ApiEndpoint'] }, '/slack/events']] },
    });
  });

  it('names the table and the bucket', () => {
    template.hasOutput('TableName', { Value: { Ref: ids.table } });
    template.hasOutput('PostmortemBucketName', { Value: { Ref: ids.bucket } });
  });
});

describe('whole template', () => {
  it('allows no wildcard action in any IAM policy', () => {
    const actions = allowStatements(template.toJSON()).flatMap((s) => asArray(s.Action));
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action === '*' || /^[\w-]+:\*$/.test(action))).toEqual([]);
  });

  it('pairs Resource "*" only with actions that have no resource ARNs', () => {
    const unscopable = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    const onAnything = allowStatements(template.toJSON())
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
});

describe('stack props', () => {
  // Bundling is skipped: these only look at configuration, not code.
  const noBundling = { 'aws:cdk:bundling-stacks': [] };

  it('defaults to UTC and leaves the announcements channel unset', () => {
    const defaults = synth({}, noBundling);
    const fn = Object.values(defaults.findResources('AWS::Lambda::Function'))[0] as Json;
    const variables = ((fn.Properties as Json).Environment as Json).Variables as Json;
    expect(variables.INCIDENT_TIMEZONE).toBe('UTC');
    expect(variables).not.toHaveProperty('INCIDENTS_CHANNEL');
  });

  it('refuses a time zone that does not exist', () => {
    expect(() => synth({ timezone: 'Mars/Olympus' }, noBundling)).toThrow(/Mars\/Olympus/);
  });
});
