/**
 * Stands in, in the Lambda bundles only, for modules that Bolt loads eagerly but the Lambda entries
 * never run: Socket Mode (and its HTTP client), the raw-body reader of Bolt's HTTP receivers and the
 * OAuth install flow (@slack/oauth, with jsonwebtoken and semver) that only those receivers start.
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
/** @slack/oauth: the OAuth install flow, for apps without a fixed token (Bolt's HTTP receivers). */
export class InstallProvider {
  constructor() {
    notInLambda();
  }
}
export class FileInstallationStore {
  constructor() {
    notInLambda();
  }
}
export class MemoryInstallationStore {
  constructor() {
    notInLambda();
  }
}
export const LogLevel = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
export default notInLambda;
