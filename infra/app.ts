import { App } from 'aws-cdk-lib';
import { IncidentBotStack } from './stack';

const app = new App();

// Left without an account/region so `cdk synth` needs no credentials; deploy targets whatever the
// operator's AWS profile points at. Override with `-c timezone=Europe/Berlin -c incidentsChannel=C123
// -c policyFile=escalation-policy.yaml` (the path is relative to where cdk runs).
new IncidentBotStack(app, 'IncidentBot', {
  description: 'incident-bot: Slack incident response',
  timezone: app.node.tryGetContext('timezone') ?? 'UTC',
  incidentsChannel: app.node.tryGetContext('incidentsChannel'),
  policyFile: app.node.tryGetContext('policyFile'),
});
