/**
 * A request from Slack as API Gateway (HTTP API, payload 2.0) hands it to the Slack Lambda: a POST to
 * /slack/events, signed as Slack signs it (local/slack-signing.ts), for tests that call the Lambda
 * handler or Bolt's AwsLambdaReceiver directly.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signedHeaders } from '../../local/slack-signing';

export interface SlackLambdaEventOptions {
  /** The body's content type; JSON (an event or url_verification) unless given. */
  contentType?: string;
  /** When Slack signed it, in epoch ms (the x-slack-request-timestamp); now unless given. */
  nowMs?: number;
}

/** `body` signed with `signingSecret`, as the Slack Lambda receives it. */
export function signedSlackEvent(
  signingSecret: string,
  body: string,
  { contentType = 'application/json', nowMs = Date.now() }: SlackLambdaEventOptions = {},
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    rawPath: '/slack/events',
    headers: { ...signedHeaders(signingSecret, body, Math.floor(nowMs / 1000)), 'content-type': contentType },
    requestContext: { http: { method: 'POST', path: '/slack/events' } },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}
