/**
 * A Lambda entry as the stack bundles it (infra/bundling.ts), for tests that run the bundle in its
 * own `node` process against dynalite and the Slack and Secrets Manager stand-ins.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { esbuildBuildOptions, LAMBDA_ENVIRONMENT } from '../../infra/bundling';

const LAMBDA_DIR = path.resolve(__dirname, '../../lambda');

/** Bundles `lambda/<entry>` into a fresh temporary directory, outside the project (no node_modules). */
export async function bundleLambda(
  entry: string,
  fileName = 'index.js',
): Promise<{ outDir: string; outfile: string; metafile: Metafile }> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-bundle-'));
  const outfile = path.join(outDir, fileName);
  const { metafile } = await build({
    ...esbuildBuildOptions(),
    entryPoints: [path.join(LAMBDA_DIR, entry)],
    outfile,
    metafile: true,
    logLevel: 'silent',
  });
  return { outDir, outfile, metafile };
}

/** What a bundled function's process is given: Lambda's variables, the stand-ins' endpoints. */
export function bundledLambdaEnv(endpoints: {
  table: string;
  dynamo: string;
  slack: string;
  secrets: string;
}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: endpoints.table,
    POSTMORTEM_BUCKET: 'postmortems',
    SLACK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack',
    SLACK_API_URL: endpoints.slack,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamo,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secrets,
    ...LAMBDA_ENVIRONMENT,
  };
}
