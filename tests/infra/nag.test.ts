import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { IncidentBotStack, type IncidentBotStackProps } from '../../infra/stack';

// The feature flags `cdk synth` runs with, so the checks see what gets deployed. Bundling is skipped:
// the rules read configuration, not code.
const cdkContext = JSON.parse(readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8')).context;
const POLICY_FILE = path.join(__dirname, '../../examples/escalation-policy.yaml');

interface Report {
  pluginReports: Array<{
    pluginName: string;
    violations: Array<{
      ruleName: string;
      severity: string;
      violatingConstructs: Array<{ constructPath: string }>;
    }>;
  }>;
}

/**
 * Synthesizes with both packs as validation plugins (cdk-nag 3) and returns every unacknowledged
 * finding, errors and warnings alike, as `rule severity path`. A failing validation throws, leaving
 * the report in the assembly.
 */
function findings(props: IncidentBotStackProps, extra?: (stack: Construct) => void): string[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'incident-bot-nag-'));
  try {
    const app = new App({ outdir, context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
    const stack = new IncidentBotStack(app, 'IncidentBot', props);
    extra?.(stack);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    // The validation report also goes to stderr; the assertions say what matters.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => {});
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      app.synth();
    } catch (error) {
      if (!/Validation ?failed/i.test(String(error))) throw error;
    } finally {
      quiet.mockRestore();
      log.mockRestore();
    }
    let report: Report;
    try {
      report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    } catch {
      // No report: nothing at all was found.
      return [];
    }
    // A pack appears only with violations. The stack's own warning (no ops email) is tested with the
    // stack, not here.
    const packs = report.pluginReports.filter((plugin) =>
      ['AwsSolutions', 'Serverless'].includes(plugin.pluginName),
    );
    return packs.flatMap((plugin) =>
      plugin.violations.flatMap((violation) =>
        violation.violatingConstructs.map(
          (c) => `${violation.ruleName} ${violation.severity} ${c.constructPath}`,
        ),
      ),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  const configurations: Array<[string, IncidentBotStackProps]> = [
    [
      'the example deployment, with an ops email and channel',
      {
        timezone: 'Europe/Berlin',
        incidentsChannel: 'C0INCIDENTS',
        policyFile: POLICY_FILE,
        opsEmail: 'ops@example.com',
        opsChannel: 'C0OPS',
      },
    ],
    ['the defaults, with no concurrency reserved', { escalationConcurrency: 0, requestConcurrency: 0 }],
  ];

  it.each(configurations)('finds nothing unacknowledged in %s', (_name, props) => {
    expect(findings(props)).toEqual([]);
  });

  it('runs: a resource nobody acknowledged for is reported', () => {
    const found = findings({}, (stack) => {
      new Queue(stack, 'Unchecked');
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'AwsSolutions-SQS3 error IncidentBot/Unchecked/Resource',
        'AwsSolutions-SQS4 error IncidentBot/Unchecked/Resource',
      ]),
    );
    // Only the new queue: the stack's own acknowledgements still hold.
    expect(found.filter((f) => !f.endsWith('/Unchecked/Resource'))).toEqual([]);
  });
});
