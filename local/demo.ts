/**
 * `npm run demo`: the main job on embedded defaults, no Slack workspace or AWS needed. Starts the local
 * server and a local stand-in for Slack's Web API (the sandbox, local/sandbox.ts), replays the seed
 * incident as signed slash commands through the real handlers, prints what the bot posted and where
 * the postmortem was written: the Markdown and the HTML page in the archive, and the timeline chart,
 * which the bot only uploads to Slack, saved from the stand-in's upload next to them.
 *
 * Every run gets a fresh directory of its own, so the scenario always declares INC-1, and the demo never
 * deletes anything: not DATA_DIR, not an earlier run.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { postmortemFileName } from '../lambda/incidents/postmortem';
import { incidentId } from '../lambda/incidents/types';
import { postmortemHtmlFileName } from '../lambda/pictures/html-postmortem';
import { readScenario, replayScenario } from './replay';
import { ALICE, GENERAL, startSandbox } from './sandbox';

const root = path.resolve(__dirname, '..');

/**
 * A directory created by this run and by nothing else: `<DATA_DIR>/demo-<timestamp>-<random>` when
 * DATA_DIR is set, `.incident-bot/demo-runs/<timestamp>-<random>` otherwise. mkdtemp creates the leaf
 * exclusively, so it cannot be an existing directory; only missing parents are created.
 */
async function freshRunDir(env: Record<string, string | undefined> = process.env): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const given = env.DATA_DIR?.trim();
  const parent = given ? path.resolve(given) : path.join(root, '.incident-bot', 'demo-runs');
  await mkdir(parent, { recursive: true });
  return mkdtemp(path.join(parent, given ? `demo-${stamp}-` : `${stamp}-`));
}

/** Relative to the working directory when that is shorter to read, absolute otherwise. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function oneLine(text: string, width = 150): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

async function main(): Promise<void> {
  const scenarioFile = process.argv[2] ?? path.join(root, 'examples', 'seed-auth-outage.txt');
  const dataDir = await freshRunDir(); // a fresh store, so the demo always declares INC-1

  const failures: string[] = [];
  const sandbox = await startSandbox({
    // The replaying user and the demo policy's on-call: users.info knows only the workspace's users.
    users: [ALICE, 'U0ONCALL1'],
    botToken: 'xoxb-demo',
    dataDir,
    // On disk under the run's directory, next to the postmortem.
    inMemory: false,
    env: {
      INCIDENT_TIMEZONE: process.env.INCIDENT_TIMEZONE ?? 'UTC',
      ESCALATION_POLICY: path.join(root, 'examples', 'demo-policy.yaml'),
    },
    onJobError: (job, error) => failures.push(`${job.type} ${job.incidentId}: ${(error as Error).message}`),
  });
  const { server, slack, signingSecret } = sandbox;

  try {
    console.log(`incident-bot demo: local server ${server.url}, Slack stand-in ${slack.url}`);
    console.log(`Data directory for this run: ${shown(dataDir)}`);
    console.log(`Replaying ${path.relative(root, scenarioFile)} as signed slash commands\n`);
    const steps = await replayScenario(readScenario(scenarioFile), {
      botUrl: server.url,
      signingSecret,
      slack,
      userId: ALICE,
      generalChannelId: GENERAL,
      settle: () => server.jobs.drain(),
    });
    for (const step of steps) {
      console.log(`> /incident ${oneLine(step.command.text, 110)}`);
      console.log(`  ${step.status} ${oneLine(step.reply)}`);
    }

    console.log('\nWhat the bot did in Slack:');
    const channelName = (id: string) => slack.channels.get(id)?.name ?? id;
    for (const call of slack.calls) {
      const args = call.args as Record<string, string>;
      switch (call.method) {
        case 'conversations.create':
          console.log(`  created #${args.name}`);
          break;
        case 'conversations.invite':
          console.log(`  invited ${args.users} to #${channelName(args.channel ?? '')}`);
          break;
        case 'chat.postMessage':
          console.log(
            `  posted in #${channelName(args.channel ?? '')}: ${oneLine(String(args.text ?? ''), 110)}`,
          );
          break;
        case 'chat.update':
          console.log(
            `  updated the summary in #${channelName(args.channel ?? '')}: ${oneLine(String(args.text ?? ''), 100)}`,
          );
          break;
        case 'pins.add':
          console.log(`  pinned the summary in #${channelName(args.channel ?? '')}`);
          break;
        case 'files.completeUploadExternal': {
          // The files this call completed, by id: not the latest upload, which may be a later call's.
          const ids = ((call.args as { files?: unknown }).files as Array<{ id?: string }> | undefined) ?? [];
          for (const { id } of ids) {
            const upload = slack.uploads.find((u) => u.fileId === id);
            if (!upload) continue;
            const where = upload.channelId ? `to #${channelName(upload.channelId)}` : 'shared nowhere';
            console.log(`  uploaded ${upload.filename} ${where}`);
          }
          break;
        }
      }
    }

    // The store is fresh, so the scenario's incident is the first one.
    const incident = await server.store.getIncident('INC-1');
    const written = path.join(server.postmortemDir, postmortemFileName(incident ?? { number: 1 }));
    const rejected = steps.filter((step) => step.status !== 200 || /^Usage|\nUsage:/.test(step.reply));
    if (failures.length || rejected.length) {
      for (const failure of failures) console.error(`job failed: ${failure}`);
      for (const step of rejected)
        console.error(`line ${step.command.line} was refused: ${oneLine(step.reply)}`);
      process.exitCode = 1;
    }
    console.log(`\nPostmortem written to ${shown(written)}`);
    const numbered = incident ?? { number: 1 };
    const html = path.join(server.postmortemDir, postmortemHtmlFileName(numbered));
    console.log(`HTML postmortem written to ${path.resolve(html)}`);
    // The bot uploads the chart to Slack and keeps no copy: the demo saves the bytes Slack received.
    const chartName = `${incidentId(numbered.number)}-timeline.png`;
    const chart = slack.uploads.filter(
      (u) => u.filename === chartName && (!incident?.channelId || u.channelId === incident.channelId),
    );
    const uploaded = chart.at(-1);
    if (uploaded) {
      const file = path.resolve(server.postmortemDir, chartName);
      await writeFile(file, uploaded.bytes);
      console.log(`Timeline chart written to ${file}`);
    } else {
      console.log('Timeline chart: none uploaded to Slack (no PNG renderer wired)');
    }
  } finally {
    await sandbox.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
