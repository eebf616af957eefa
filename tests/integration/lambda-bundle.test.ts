/**
 * The Slack function as deployed: bundled with the stack's esbuild options (infra/bundling.ts, which
 * leaves Bolt's unused receivers out), loaded, and invoked with a signed API Gateway event. The AWS
 * SDK inside it reaches dynalite and a Secrets Manager stand-in through AWS_ENDPOINT_URL_*; the Slack
 * stand-in records what it did.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LAMBDA_ENVIRONMENT } from '../../infra/bundling';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';
import { signedHeaders, slashCommandBody } from '../../local/slack-signing';
import { bundledLambdaEnv, bundleLambda } from '../helpers/lambda-bundle';
import type { RecordingServer } from '../helpers/recording-server';
import { startSecretsManagerStub } from '../helpers/secrets-manager-stub';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

const SIGNING_SECRET = 'bundle-test-signing-secret';
type Result = { statusCode: number; body?: string };

/**
 * Runs the bundle in its own `node` process, as Lambda would: one process, the events in order (so
 * the second invocation finds the container warm).
 */
const RUNNER = `
const { handler } = require(process.argv[1]);
const events = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
(async () => {
  const results = [];
  for (const event of events) results.push(await handler(event, {}));
  process.stdout.write(JSON.stringify(results));
})().catch((error) => { console.error(error); process.exit(1); });
`;

function apiGatewayEvent(body: string, headers: Record<string, string>) {
  return {
    version: '2.0',
    routeKey: 'POST /slack/events',
    rawPath: '/slack/events',
    rawQueryString: '',
    headers,
    requestContext: { http: { method: 'POST', path: '/slack/events' }, requestId: 'r', stage: '$default' },
    body,
    isBase64Encoded: false,
  };
}

describe('the bundled Slack function', () => {
  let dynamo: TestDynamo;
  let table: string;
  let slack: SlackApiStub;
  let secrets: RecordingServer;
  let bundle: string;
  let env: NodeJS.ProcessEnv;

  function invoke(events: unknown[]): Promise<Result[]> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        process.execPath,
        ['-e', RUNNER, bundle],
        { env, timeout: 30_000, maxBuffer: 10 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
      );
      child.stdin?.end(JSON.stringify(events));
    });
  }

  beforeAll(async () => {
    bundle = (await bundleLambda('handlers/slack.ts', 'slack.js')).outfile;
    dynamo = await startTestDynamo();
    table = await dynamo.freshTable('bundle');
    slack = await startSlackApiStub({ channels: [{ id: 'C0GENERAL', name: 'general' }] });
    secrets = await startSecretsManagerStub({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-bundle' });
    env = bundledLambdaEnv({ table, dynamo: dynamo.endpoint, slack: slack.url, secrets: secrets.url });
  }, 60_000);

  afterAll(async () => {
    await secrets.close();
    await slack.close();
    await dynamo.close();
  });

  it('answers a signed slash command, stores the incident and opens its channel; refuses a bad signature', async () => {
    const body = slashCommandBody({
      text: 'open sev2 Bundled checkout errors',
      userId: 'U0ALICE',
      channelId: 'C0GENERAL',
      triggerId: 'bundle-1',
    });
    const forged = slashCommandBody({
      text: 'open Nope',
      userId: 'U0ALICE',
      channelId: 'C0GENERAL',
      triggerId: 'b2',
    });
    const [result, refused] = await invoke([
      apiGatewayEvent(body, signedHeaders(SIGNING_SECRET, body)),
      apiGatewayEvent(forged, signedHeaders('wrong-secret', forged)),
    ]);
    expect(result?.statusCode).toBe(200);
    expect(JSON.parse(result?.body ?? '{}').text).toContain('INC-1');
    expect(refused?.statusCode).toBe(401);
    const store = new DynamoIncidentStore({ client: dynamo.client, tableName: table });
    expect((await store.getIncident('INC-1'))?.title).toBe('Bundled checkout errors');
    expect(slack.callsTo('conversations.create').map((call) => call.args.name)).toEqual([
      'inc-1-bundled-checkout-errors',
    ]);
    // The secret ids asked for.
    expect(secrets.json<{ SecretId: string }>().map((asked) => asked.SecretId)).toEqual([
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack',
    ]);
    // No Web API call just to answer: Bolt's authorize is fixed, so not even auth.test.
    expect(slack.callsTo('auth.test')).toEqual([]);
    // Secrets Manager is read once per container, not per request.
    expect(await store.getIncident('INC-2')).toBeUndefined();
  });
});

const LAMBDA_DIR = path.resolve(__dirname, '../../lambda');

async function lambdaSources(dir = LAMBDA_DIR): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'bundle-stubs') files.push(...(await lambdaSources(full)));
    } else if (entry.name.endsWith('.ts')) files.push(full);
  }
  return files;
}

describe('the zod stand-in of the Lambda bundles (lambda/bundle-stubs/zod.ts)', () => {
  it('has every member of `z` that lambda/ uses, and lambda/ imports zod only as `{ z }`', async () => {
    const stub = await readFile(path.join(LAMBDA_DIR, 'bundle-stubs', 'zod.ts'), 'utf8');
    const body = /export const z = \{([^}]*)\}/.exec(stub)?.[1] ?? '';
    const provided = new Set(body.split(',').map((member) => member.split(':')[0]?.trim() ?? ''));
    const typeOnly = new Set(['infer', 'input', 'output']);
    const missing = new Set<string>();
    const otherImports: string[] = [];
    for (const file of await lambdaSources()) {
      const source = await readFile(file, 'utf8');
      for (const [, member] of source.matchAll(/\bz\.([A-Za-z_$][\w$]*)/g)) {
        if (member && !typeOnly.has(member) && !provided.has(member)) missing.add(member);
      }
      for (const [statement] of source.matchAll(/import\s[^;]*from\s+'zod(\/[^']*)?';/g)) {
        if (!/^import (type )?\{ z \} from 'zod';$/.test(statement))
          otherImports.push(`${path.relative(LAMBDA_DIR, file)}: ${statement}`);
      }
    }
    expect([...missing]).toEqual([]);
    expect(otherImports).toEqual([]);
  });
});

describe('the escalation policy in a Lambda bundle', () => {
  it('checks a policy given as a value (JSON), and refuses YAML, which only the synth parses', async () => {
    const { outfile } = await bundleLambda('incidents/policy.ts', 'policy.js');
    const script = `
      const policy = require(process.argv[1]);
      let refused = '';
      try { policy.parsePolicy('teams:\\n  sre:\\n    users: [U0ALICE]\\n'); } catch (error) { refused = error.message; }
      const checked = policy.checkPolicy({ teams: { sre: { users: ['U0ALICE'] } }, escalation: { default: [{ after: '5m', notify: ['sre'] }] } });
      let unknownTeam = '';
      try { policy.checkPolicy({ teams: {}, escalation: { default: [{ after: '5m', notify: ['sre'] }] } }, 'ESCALATION_POLICY_JSON'); } catch (error) { unknownTeam = error.message; }
      process.stdout.write(JSON.stringify({ tiers: policy.tiersFor(checked, 'sev1'), refused, unknownTeam }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script, outfile], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...LAMBDA_ENVIRONMENT },
      }),
    );
    expect(out.tiers).toEqual([{ after: 300, notify: ['sre'] }]);
    expect(out.unknownTeam).toContain(
      "ESCALATION_POLICY_JSON is invalid:\nescalation.default[0].notify[0]: unknown team 'sre'",
    );
    expect(out.refused).toContain('YAML is not parsed in Lambda');
  });
});

describe('the chart renderer in the Lambda bundles', () => {
  it('draws a PNG from its bundle, with the WebAssembly and font the bundle carries, no node_modules', async () => {
    const { outDir, outfile } = await bundleLambda('pictures/png-wasm.ts', 'png.js');
    // The WebAssembly and the font beside the bundle, as they go into the function's asset.
    expect((await readdir(outDir)).sort()).toEqual([
      expect.stringMatching(/^DejaVuSans-[A-Z0-9]+\.ttf$/),
      expect.stringMatching(/^index_bg-[A-Z0-9]+\.wasm$/),
      'png.js',
      'png.js.map',
    ]);
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="4" y="24" font-family="DejaVu Sans" font-size="16" fill="#000000">INC-7 timeline</text></svg>';
    const script = `
      require(process.argv[1]).renderPngWasm(process.argv[2], { width: 400 }).then((png) =>
        process.stdout.write(png.toString('base64')));
    `;
    // Run from the temporary directory, where no node_modules can be found.
    const png = Buffer.from(
      execFileSync(process.execPath, ['-e', script, outfile, svg], {
        encoding: 'utf8',
        cwd: outDir,
        env: { PATH: process.env.PATH, ...LAMBDA_ENVIRONMENT },
      }),
      'base64',
    );
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([400, 80]);
  });

  it('is in the worker bundle alone', async () => {
    const rendererInputs: Record<string, number> = {};
    for (const name of ['worker', 'slack']) {
      const { outfile, metafile } = await bundleLambda(`handlers/${name}.ts`);
      const inputs = Object.keys(metafile.outputs[path.relative(process.cwd(), outfile)]?.inputs ?? {});
      rendererInputs[name] = inputs.filter((input) => /resvg-wasm|DejaVuSans\.ttf/.test(input)).length;
    }
    expect(rendererInputs).toEqual({ worker: 3, slack: 0 });
  });
});
