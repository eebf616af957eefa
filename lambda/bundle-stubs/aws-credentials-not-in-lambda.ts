/**
 * Stands in, in the Lambda bundles only (infra/bundling.ts, LAMBDA_ALIASES), for the AWS SDK's
 * credential providers that read a profile, SSO, a process or a web identity token file. In Lambda the
 * default chain's first link, the environment (AWS_ACCESS_KEY_ID and friends, which Lambda always
 * sets from the function's role), answers, so these are never reached; bundled, they and the STS and
 * SSO clients they use were about 90 KB of every cold start. Should one ever be reached, it declines
 * as those providers do when they find nothing, and the chain goes on to the container/instance
 * metadata providers (kept) and then to the SDK's own "Could not load credentials" error.
 */
class NotInLambda extends Error {
  readonly tryNextLink = true;
  constructor(provider: string) {
    super(
      `${provider} is left out of the Lambda bundle (lambda/bundle-stubs/aws-credentials-not-in-lambda.ts)`,
    );
    this.name = 'CredentialsProviderError';
  }
}

function declines(provider: string) {
  return () => async (): Promise<never> => {
    throw new NotInLambda(provider);
  };
}

export const fromSSO = declines('fromSSO');
export const fromIni = declines('fromIni');
export const fromProcess = declines('fromProcess');
export const fromTokenFile = declines('fromTokenFile');
export const fromWebToken = declines('fromWebToken');
