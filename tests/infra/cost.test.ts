import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IncidentBotStack } from '../../infra/stack';

/**
 * The fixed monthly part of the idle estimate in the README's cost table, from the template itself:
 * what is billed per resource per month whatever the traffic (us-east-1 list prices, no free tier).
 * Everything else in the template is billed per use. A resource type not listed here fails the test,
 * so adding one means pricing it first.
 */
const MONTHLY = {
  'AWS::SecretsManager::Secret': 0.4,
  'AWS::KMS::Key': 1.0,
  // Per alarm metric at standard resolution; a metric-math alarm pays for each metric it reads.
  alarmMetric: 0.1,
} as const;

const PAY_PER_USE = new Set([
  'AWS::ApiGatewayV2::Api', // $1.00 per million requests
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Stage',
  'AWS::CDK::Metadata',
  'AWS::DynamoDB::Table', // on demand: per request unit, storage and PITR per GB
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::EventSourceMapping', // its idle polling is SQS requests
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup', // per GB ingested and stored
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::Subscription',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::Queue',
  'AWS::SQS::QueuePolicy',
  'AWS::Scheduler::Schedule', // per invocation: the reconcile schedule's 43,200 a month
  'AWS::Scheduler::ScheduleGroup',
]);

const cdkContext = JSON.parse(readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8')).context;

function template(): Record<string, { Type: string; Properties?: Record<string, unknown> }> {
  const app = new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
  const stack = new IncidentBotStack(app, 'IncidentBot', { opsEmail: 'ops@example.com' });
  return Template.fromStack(stack).toJSON().Resources;
}

describe('fixed monthly cost', () => {
  const resources = Object.values(template());
  const count = (type: string) => resources.filter((r) => r.Type === type).length;
  const alarmMetrics = resources
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => {
      const metrics = r.Properties?.Metrics as Array<{ MetricStat?: unknown }> | undefined;
      return metrics ? metrics.filter((m) => m.MetricStat).length : 1;
    })
    .reduce((a, b) => a + b, 0);

  it('prices every resource type: fixed per month, or per use', () => {
    const fixed = new Set(['AWS::SecretsManager::Secret', 'AWS::KMS::Key', 'AWS::CloudWatch::Alarm']);
    const unpriced = [...new Set(resources.map((r) => r.Type))].filter(
      (t) => !fixed.has(t) && !PAY_PER_USE.has(t),
    );
    expect(unpriced).toEqual([]);
  });

  it('is $1.80 at list price: two secrets ($0.80) and ten alarm metrics ($1.00), no KMS key', () => {
    expect(count('AWS::SecretsManager::Secret')).toBe(2);
    expect(count('AWS::KMS::Key')).toBe(0);
    expect(alarmMetrics).toBe(10);
    const fixed =
      count('AWS::SecretsManager::Secret') * MONTHLY['AWS::SecretsManager::Secret'] +
      count('AWS::KMS::Key') * MONTHLY['AWS::KMS::Key'] +
      alarmMetrics * MONTHLY.alarmMetric;
    expect(fixed).toBeCloseTo(1.8, 2);
  });
});
