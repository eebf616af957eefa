import { App } from 'aws-cdk-lib';
import { IncidentBotStack } from './stack';

const app = new App();

/** A number from context: `-c name=5` arrives as a string, cdk.json may hold a number. */
function numberContext(name: string): number | undefined {
  const value = app.node.tryGetContext(name);
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`-c ${name}=${value}: expected a number`);
  return n;
}

// Left without an account/region so `cdk synth` needs no credentials; deploy targets whatever the
// operator's AWS profile points at. Override with `-c timezone=Europe/Berlin -c incidentsChannel=C123
// -c policyFile=escalation-policy.yaml` (the path is relative to where cdk runs), and who hears of the
// bot's own failures with `-c opsEmail=oncall@example.com -c opsChannel=C0OPS`; a Jira site for
// follow-ups with `-c jiraBaseUrl=https://acme.atlassian.net` (docs/trackers.md). On an account whose
// Lambda concurrency quota is below 125, `-c escalationConcurrency=0 -c requestConcurrency=0` (Lambda
// keeps 100 executions unreserved, so any reservation fails there).
new IncidentBotStack(app, 'IncidentBot', {
  description: 'incident-bot: Slack incident response',
  timezone: app.node.tryGetContext('timezone') ?? 'UTC',
  incidentsChannel: app.node.tryGetContext('incidentsChannel'),
  policyFile: app.node.tryGetContext('policyFile'),
  opsEmail: app.node.tryGetContext('opsEmail') || undefined,
  opsChannel: app.node.tryGetContext('opsChannel') || undefined,
  trackerEndpoints: {
    jiraBaseUrl: app.node.tryGetContext('jiraBaseUrl') || undefined,
    githubApiUrl: app.node.tryGetContext('githubApiUrl') || undefined,
    linearApiUrl: app.node.tryGetContext('linearApiUrl') || undefined,
  },
  escalationConcurrency: numberContext('escalationConcurrency'),
  requestConcurrency: numberContext('requestConcurrency'),
});
