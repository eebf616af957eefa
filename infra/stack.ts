import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { isValidTimeZone } from '../lambda/incidents/time';
import { TABLE } from '../lambda/store/table';
import { BotFunction } from './bot-function';

export interface IncidentBotStackProps extends StackProps {
  /** IANA zone for times shown and `HH:MM` input. @default 'UTC' */
  readonly timezone?: string;
  /** Channel id for announcements. @default none */
  readonly incidentsChannel?: string;
}

export class IncidentBotStack extends Stack {
  constructor(scope: Construct, id: string, props: IncidentBotStackProps = {}) {
    super(scope, id, props);

    const timezone = props.timezone ?? 'UTC';
    // A typo here would otherwise surface only when the deployed bot first formats a time.
    if (!isValidTimeZone(timezone)) {
      throw new Error(`timezone: "${timezone}" is not an IANA time zone`);
    }

    const table = this.createTable();
    const postmortems = this.createPostmortemBucket();
    const slackSecret = this.createSlackSecret();

    // Shared by every function; the secret travels as its ARN and is read at run time, so its value
    // never appears in the template or the function configuration.
    const environment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      POSTMORTEM_BUCKET: postmortems.bucketName,
      SLACK_SECRET_ARN: slackSecret.secretArn,
      INCIDENT_TIMEZONE: timezone,
      ...(props.incidentsChannel ? { INCIDENTS_CHANNEL: props.incidentsChannel } : {}),
    };

    const slackFunction = new BotFunction(this, 'SlackFunction', { name: 'slack', environment });
    table.grantReadWriteData(slackFunction);
    postmortems.grantRead(slackFunction);
    postmortems.grantPut(slackFunction);
    slackSecret.grantRead(slackFunction);

    const api = this.createSlackApi(slackFunction);

    new CfnOutput(this, 'SlackRequestUrl', {
      description: 'Request URL for slash commands, interactivity and events in the Slack app config',
      // The $default stage is served at the API root, so the endpoint needs no stage segment.
      value: `${api.apiEndpoint}/slack/events`,
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'PostmortemBucketName', { value: postmortems.bucketName });
    new CfnOutput(this, 'SlackSecretArn', {
      description: 'Fill in signingSecret and botToken from the Slack app config',
      value: slackSecret.secretArn,
    });
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
      description: 'Slack app secrets as JSON: {"signingSecret": "...", "botToken": "..."}',
      // The operator fills both keys in after deploy; the template shows their names, never values.
      // CloudFormation accepts a template only together with a generated key, which the bot ignores.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ signingSecret: '', botToken: '' }),
        generateStringKey: 'unused',
      },
    });
  }

  private createSlackApi(slackFunction: BotFunction): HttpApi {
    const api = new HttpApi(this, 'SlackApi', {
      description: 'Slack request URL: slash commands, interactivity and events',
    });
    api.addRoutes({
      path: '/slack/events',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('SlackIntegration', slackFunction),
    });
    return api;
  }
}
