/**
 * The chart in Lambda (issue 15), end to end through the worker as deployed: lambda/handlers/worker.ts
 * bundled with the stack's esbuild options (infra/bundling.ts) into a temporary directory outside the
 * project, so no node_modules can be reached, and run in its own `node` process with Lambda's
 * environment. A `postmortem-chart` job in an SQS event makes it import the WebAssembly renderer
 * lazily (pictures/png-wasm.ts) and draw the seed incident's chart with the .wasm and font the bundle
 * carries; the Slack stand-in receives a PNG the size the native renderer draws.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { renderPng } from '../../lambda/pictures/png';
import { timelineChartSvg } from '../../lambda/pictures/timeline-chart';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { type SlackApiStub, startSlackApiStub } from '../../local/slack-api-stub';
import { seedIncidentRecord } from '../fixtures/seed-incident';
import { bundledLambdaEnv, bundleLambda } from '../helpers/lambda-bundle';
import type { RecordingServer } from '../helpers/recording-server';
import { startSecretsManagerStub } from '../helpers/secrets-manager-stub';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

/** The worker's handler on one SQS event, in a fresh process (a cold container), from `cwd`. */
const RUNNER = `
const { handler } = require(process.argv[1]);
const event = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const context = { awsRequestId: 'req-1', functionName: 'worker', getRemainingTimeInMillis: () => 60000 };
handler(event, context).then(
  (result) => process.stdout.write(JSON.stringify(result ?? null)),
  (error) => { console.error(error); process.exit(1); },
);
`;

function ihdr(png: Buffer): [width: number, height: number] {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

let dynamo: TestDynamo;
let slack: SlackApiStub;
let secrets: RecordingServer;

afterAll(async () => {
  await secrets?.close();
  await slack?.close();
  await dynamo?.close();
});

it('draws the chart with the WebAssembly and font its bundle carries, no node_modules reachable', async () => {
  const { outDir, outfile } = await bundleLambda('handlers/worker.ts');
  // The asset as the stack uploads it: the bundle, its map, the .wasm and the font beside it.
  expect((await readdir(outDir)).sort()).toEqual([
    expect.stringMatching(/^DejaVuSans-\w+\.ttf$/),
    'index.js',
    'index.js.map',
    expect.stringMatching(/^index_bg-\w+\.wasm$/),
  ]);

  dynamo = await startTestDynamo();
  const table = await dynamo.freshTable('worker-chart');
  const record = seedIncidentRecord();
  const store = new DynamoIncidentStore({ client: dynamo.client, tableName: table });
  await store.createIncident(record.incident);
  for (const event of record.events) await store.addEvent(event);
  slack = await startSlackApiStub({ channels: [{ id: 'C0GENERAL', name: 'general' }], users: ['U0ALICE'] });
  secrets = await startSecretsManagerStub({ signingSecret: 'worker-chart-secret', botToken: 'xoxb-worker' });

  const job = {
    type: 'postmortem-chart',
    incidentId: record.incident.id,
    channelId: 'C0GENERAL',
    userId: 'U0ALICE',
    key: 'worker-chart-1',
  };
  const event = {
    Records: [
      {
        messageId: 'm-1',
        receiptHandle: 'r-1',
        body: JSON.stringify(job),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:jobs',
        awsRegion: 'us-east-1',
      },
    ],
  };
  const env = {
    ...bundledLambdaEnv({ table, dynamo: dynamo.endpoint, slack: slack.url, secrets: secrets.url }),
    INCIDENT_TIMEZONE: 'UTC',
  };
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['-e', RUNNER, outfile],
      { env, cwd: outDir, timeout: 30_000, maxBuffer: 10 * 1024 * 1024 },
      (error, out, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr.slice(-3000)}`)) : resolve(out),
    );
    child.stdin?.end(JSON.stringify(event));
  });
  // No record failed.
  expect(JSON.parse(stdout)?.batchItemFailures ?? []).toEqual([]);

  const charts = slack.uploads.filter((upload) => upload.filename === `${record.incident.id}-timeline.png`);
  expect(charts).toHaveLength(1);
  const png = charts[0]?.bytes as Buffer;
  const native = renderPng(timelineChartSvg(record, { tz: 'UTC' }));
  expect(ihdr(png)).toEqual(ihdr(native));
  // A drawn chart, not a blank page: within a fifth of the native PNG's size.
  expect(Math.abs(png.length - native.length) / native.length).toBeLessThan(0.2);
  // Shown to the asker by its file id.
  expect(JSON.stringify(slack.callsTo('chat.postEphemeral').map((call) => call.args.blocks))).toContain(
    `"slack_file":{"id":"${charts[0]?.fileId}"}`,
  );
}, 60_000);
