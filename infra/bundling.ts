/**
 * How every Lambda entry is bundled, shared by the stack, the bundle test and the cold-load bench so
 * what is measured and tested is what is deployed.
 */
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');
const unused = path.join(repoRoot, 'lambda', 'bundle-stubs', 'unused-in-lambda.ts');

/**
 * Modules Bolt requires eagerly that no Lambda entry runs: Socket Mode (with undici), Express and
 * raw-body (with iconv-lite) serve Bolt's other receivers; AwsLambdaReceiver parses events itself.
 * Replacing them keeps about 1.3 MB of JavaScript out of every cold start.
 */
export const UNUSED_IN_LAMBDA = ['@slack/socket-mode', 'express', 'raw-body'] as const;

export const LAMBDA_ALIASES: Record<string, string> = Object.fromEntries(
  UNUSED_IN_LAMBDA.map((name): [string, string] => [name, unused]),
);

/** Prefer packages' ES module builds: the AWS SDK's tree-shake to a bundle a third smaller. */
export const MAIN_FIELDS = ['module', 'main'];
