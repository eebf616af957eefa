/**
 * How every Lambda entry is bundled, shared by the stack, the bundle test and the cold-load bench so
 * what is measured and tested is what is deployed.
 */
import path from 'node:path';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

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

/** Environment every function gets for how its bundle runs. */
export const LAMBDA_ENVIRONMENT: Record<string, string> = { NODE_OPTIONS: '--enable-source-maps' };

/** The esbuild options of every Lambda entry (NodejsFunction's `bundling`). */
export const LAMBDA_BUNDLING: BundlingOptions = {
  minify: true,
  sourceMap: true,
  // Stack traces need only the mappings; embedding the sources would double the asset.
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.CJS,
  mainFields: MAIN_FIELDS,
  // Bolt's unused receivers stay out of the bundle (UNUSED_IN_LAMBDA).
  esbuildArgs: Object.fromEntries(
    Object.entries(LAMBDA_ALIASES).map(([name, replacement]) => [`--alias:${name}`, replacement]),
  ),
  // The runtime ships an AWS SDK v3, but of whatever version AWS last deployed there. Bundling ours
  // runs the exact SDK the tests ran against (package-lock.json) and makes nothing external, so no
  // module can resolve to a different copy at run time.
  bundleAwsSDK: true,
};
