/**
 * How every Lambda entry is bundled, shared by the stack, the bundle test and the cold-load bench so
 * what is measured and tested is what is deployed.
 */
import path from 'node:path';
import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

const repoRoot = path.resolve(__dirname, '..');
const stubs = path.join(repoRoot, 'lambda', 'bundle-stubs');
const unused = path.join(stubs, 'unused-in-lambda.ts');

/**
 * Modules Bolt requires eagerly that no Lambda entry runs: Socket Mode (with undici), Express and
 * raw-body (with iconv-lite) serve Bolt's other receivers; AwsLambdaReceiver parses events itself. The
 * OAuth install flow (@slack/oauth, with jsonwebtoken and semver) only starts in those receivers, for
 * apps given a client id and secret; the bot's authorize is fixed.
 * Replacing them keeps about 1.3 MB of JavaScript out of every cold start.
 */
export const UNUSED_IN_LAMBDA = ['@slack/socket-mode', 'express', 'raw-body', '@slack/oauth'] as const;

/**
 * The AWS SDK credential providers Lambda never reaches: the environment, which Lambda fills from the
 * function's role, answers first (lambda/bundle-stubs/aws-credentials-not-in-lambda.ts).
 */
export const CREDENTIALS_NOT_IN_LAMBDA = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
] as const;

export const LAMBDA_ALIASES: Record<string, string> = {
  ...Object.fromEntries(UNUSED_IN_LAMBDA.map((name): [string, string] => [name, unused])),
  ...Object.fromEntries(
    CREDENTIALS_NOT_IN_LAMBDA.map((name): [string, string] => [
      name,
      path.join(stubs, 'aws-credentials-not-in-lambda.ts'),
    ]),
  ),
  // `{ z } from 'zod'` is all of zod; lambda/bundle-stubs/zod.ts is the part the functions use.
  zod: path.join(stubs, 'zod.ts'),
  // The policy arrives as JSON checked at synth (ESCALATION_POLICY_JSON): no YAML parser at run time.
  yaml: path.join(stubs, 'yaml.ts'),
};

/** Prefer packages' ES module builds: the AWS SDK's tree-shake to a bundle a third smaller. */
export const MAIN_FIELDS = ['module', 'main'];

/**
 * Environment every function gets for how its bundle runs: nothing. `--enable-source-maps` would make
 * Node parse the bundle's source map at every cold start (about 50 ms on the Slack function, `npm run
 * bench`), so stack traces in the logs are minified. To read them decoded while debugging, set
 * `NODE_OPTIONS=--enable-source-maps` on the function (the bundle names its map), or decode a trace
 * offline with the asset's index.js.map.
 */
export const LAMBDA_ENVIRONMENT: Record<string, string> = {};

/** The esbuild options of every Lambda entry (NodejsFunction's `bundling`). */
export const LAMBDA_BUNDLING: BundlingOptions = {
  minify: true,
  // Written next to the bundle and named by it; read only when NODE_OPTIONS asks (above).
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
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
  // The worker's chart renderer (lambda/pictures/png-wasm.ts) imports resvg's WebAssembly and the
  // chart font as files: copied into the asset beside index.js and read on the first chart. (Inlined
  // as bytes, their 4 MB of base64 cost the worker ~75 ms at every cold start.)
  loader: { '.wasm': 'file', '.ttf': 'file' },
};

/**
 * The esbuild `build()` options equivalent to `bundling` (what NodejsFunction passes to the esbuild
 * CLI), for the bench and the bundle test, which build on this machine and so target its Node. Any
 * option this does not translate throws, so what they build cannot drift from what is deployed.
 */
export function esbuildBuildOptions(
  bundling: BundlingOptions = LAMBDA_BUNDLING,
  target = `node${process.versions.node.split('.')[0]}`,
): BuildOptions {
  const known = new Set([
    'minify',
    'sourceMap',
    'sourceMapMode',
    'sourcesContent',
    'target',
    'format',
    'mainFields',
    'esbuildArgs',
    'bundleAwsSDK',
    'keepNames',
    'define',
    'loader',
  ]);
  const unknown = Object.keys(bundling).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new Error(`esbuildBuildOptions: cannot translate ${unknown.join(', ')}`);
  const alias: Record<string, string> = {};
  for (const [arg, value] of Object.entries(bundling.esbuildArgs ?? {})) {
    if (!arg.startsWith('--alias:') || typeof value !== 'string') {
      throw new Error(`esbuildBuildOptions: cannot translate esbuild argument ${arg}`);
    }
    alias[arg.slice('--alias:'.length)] = value;
  }
  const mode = bundling.sourceMapMode ?? SourceMapMode.DEFAULT;
  const sourcemap = !bundling.sourceMap
    ? false
    : mode === SourceMapMode.DEFAULT
      ? 'linked'
      : mode === SourceMapMode.EXTERNAL
        ? 'external'
        : mode === SourceMapMode.INLINE
          ? 'inline'
          : 'both';
  return {
    bundle: true,
    platform: 'node',
    target,
    format: bundling.format === OutputFormat.ESM ? 'esm' : 'cjs',
    mainFields: bundling.mainFields,
    alias,
    minify: bundling.minify ?? false,
    keepNames: bundling.keepNames ?? false,
    sourcemap,
    sourcesContent: bundling.sourcesContent ?? true,
    define: bundling.define,
    loader: bundling.loader as BuildOptions['loader'],
  };
}
