/**
 * Stands in, in the Lambda bundles only, for modules that Bolt loads eagerly but the Lambda entries
 * never run: Socket Mode (and its HTTP client) and the raw-body reader of Bolt's HTTP receivers.
 * AwsLambdaReceiver parses API Gateway events itself. Leaving them out keeps about a megabyte of
 * JavaScript off every cold start (npm run bench, "cold load"). Anything that does reach them is a
 * bug, and says so.
 */
function notInLambda(): never {
  throw new Error(
    'This module is left out of the Lambda bundle (see lambda/bundle-stubs/unused-in-lambda.ts)',
  );
}

export class SocketModeClient {
  constructor() {
    notInLambda();
  }
}
export const LogLevel = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
export default notInLambda;
