/**
 * The slow half of every command: what a job does in Slack and in the archive. Each step checks what
 * is already stored, so a job delivered twice does not create a second channel or summary.
 */
import type { PostmortemArchive } from '../archive/archive';
import type { BotSettings } from '../config';
import type { EscalationEngine } from '../escalation/engine';
import { compilePostmortem, postmortemFileName } from '../incidents/postmortem';
import type { Clock } from '../incidents/time';
import { BOT_AUTHOR, type Incident, type IncidentRecord, type Severity } from '../incidents/types';
import type { ChatGateway } from '../slack/chat';
import {
  channelTopic,
  declaredAnnouncement,
  incidentChannelName,
  resolutionSummary,
  severityAnnouncement,
} from '../slack/format';
import { appHome, pinnedSummary } from '../slack/views';
import type { IncidentStore } from '../store/store';
import type { Job, JobRunner } from './jobs';

export interface JobDeps {
  /** Queues a job that must follow another (escalation after channel setup). */
  enqueue: (job: Job) => Promise<void>;
  /** Absent where no escalation is wired (no policy): escalation jobs are then no-ops. */
  escalation?: EscalationEngine;
  store: IncidentStore;
  chat: ChatGateway;
  archive: PostmortemArchive;
  clock: Clock;
  settings: Pick<BotSettings, 'timeZone' | 'incidentsChannel'>;
}

/** Applies `change` to the latest stored incident, re-reading on a concurrent update. */
export async function updateWithRetry(
  store: IncidentStore,
  id: string,
  change: (incident: Incident) => Incident | undefined,
): Promise<Incident> {
  for (let attempt = 0; ; attempt++) {
    const current = await store.getIncident(id);
    if (!current) throw new Error(`${id} not found`);
    const next = change(current);
    if (!next) return current;
    try {
      return await store.updateIncident(next);
    } catch (error) {
      if ((error as { code?: string }).code !== 'CONCURRENT_UPDATE' || attempt >= 10) throw error;
    }
  }
}

/** Held while a step runs: a worker that dies mid-step lets a redelivery redo it after this. */
const STEP_LEASE_SECONDS = 120;
/** Kept once a step is done, far past any redelivery of its job. */
const STEP_DONE_SECONDS = 30 * 24 * 3600;

export function createJobRunner(deps: JobDeps): JobRunner {
  const { store, chat, archive, clock, settings } = deps;
  const ctx = () => ({ tz: settings.timeZone, now: clock.now().toISOString() });

  /**
   * Runs a step of a job at most once, however often the job is delivered (SQS is at least once):
   * a lease while it runs, released if it fails so a retry can redo it, kept once it succeeded.
   */
  async function once(key: string, step: () => Promise<void>): Promise<void> {
    if (!(await store.claim(`step#${key}`, STEP_LEASE_SECONDS))) return;
    try {
      await step();
    } catch (error) {
      await store.releaseClaim(`step#${key}`).catch(() => undefined);
      throw error;
    }
    await store.renewClaim(`step#${key}`, STEP_DONE_SECONDS);
  }

  async function load(incidentId: string): Promise<IncidentRecord> {
    const record = await store.getRecord(incidentId);
    if (!record) throw new Error(`${incidentId} not found`);
    return record;
  }

  async function setupChannel(incidentId: string): Promise<void> {
    let incident = (await load(incidentId)).incident;
    if (!incident.channelId) {
      await once(`${incidentId}.create-channel`, async () => {
        const channel = await chat.createChannel(incidentChannelName(incident.number, incident.title));
        await updateWithRetry(store, incidentId, (current) =>
          current.channelId ? undefined : { ...current, channelId: channel.id, channelName: channel.name },
        );
      });
      incident = (await load(incidentId)).incident;
      // Another delivery of this job holds the step; it will finish the setup.
      if (!incident.channelId) return;
    }
    const channelId = incident.channelId;
    await store.linkChannel(channelId, incidentId);
    const people = [incident.declaredBy, ...(incident.commander ? [incident.commander] : [])];
    await chat.invite(
      channelId,
      people.filter((user) => user !== BOT_AUTHOR),
    );
    if (!incident.summaryTs) {
      await once(`${incidentId}.post-summary`, async () => {
        const ts = await chat.postMessage(channelId, pinnedSummary(incident, ctx()));
        await updateWithRetry(store, incidentId, (current) =>
          current.summaryTs ? undefined : { ...current, summaryTs: ts },
        );
      });
      incident = (await load(incidentId)).incident;
    }
    if (incident.summaryTs) await chat.pin(channelId, incident.summaryTs);
    await chat.setTopic(channelId, channelTopic(incident));
    const announcements = settings.incidentsChannel;
    if (announcements) {
      await once(`${incidentId}.announce-declared`, async () => {
        await chat.postMessage(announcements, declaredAnnouncement(incident, ctx()));
      });
    }
  }

  async function refreshSummary(incidentId: string): Promise<void> {
    const { incident } = await load(incidentId);
    if (!incident.channelId || !incident.summaryTs) return;
    await chat.updateMessage(incident.channelId, incident.summaryTs, pinnedSummary(incident, ctx()));
    await chat.setTopic(incident.channelId, channelTopic(incident));
  }

  async function compileAndStore(record: IncidentRecord): Promise<{ markdown: string; location: string }> {
    const people = new Set<string>([record.incident.declaredBy]);
    if (record.incident.commander) people.add(record.incident.commander);
    for (const event of record.events) if (event.author !== BOT_AUTHOR) people.add(event.author);
    for (const item of record.followUps) if (item.owner) people.add(item.owner);
    people.delete(BOT_AUTHOR);
    const names = await chat.displayNames([...people]);
    const markdown = compilePostmortem(record, { ...ctx(), names });
    const location = await archive.put(postmortemFileName(record.incident), markdown);
    return { markdown, location };
  }

  async function publishPostmortem(incidentId: string): Promise<void> {
    const record = await load(incidentId);
    const { incident } = record;
    const { markdown } = await compileAndStore(record);
    const summary = resolutionSummary(record, ctx());
    const channelId = incident.channelId;
    if (channelId) {
      await once(`${incidentId}.upload-postmortem`, async () => {
        await chat.uploadMarkdown(channelId, {
          filename: postmortemFileName(incident),
          title: `${incident.id} postmortem`,
          content: markdown,
        });
      });
      await once(`${incidentId}.post-resolution`, async () => {
        await chat.postMessage(channelId, summary);
      });
      if (incident.summaryTs) {
        await chat.updateMessage(channelId, incident.summaryTs, pinnedSummary(incident, ctx()));
      }
      await chat.setTopic(channelId, channelTopic(incident));
    }
    const announcements = settings.incidentsChannel;
    if (announcements) {
      await once(`${incidentId}.announce-resolution`, async () => {
        await chat.postMessage(announcements, summary);
      });
    }
  }

  async function announceSeverity(incidentId: string, previous: Severity): Promise<void> {
    const announcements = settings.incidentsChannel;
    if (!announcements) return;
    const { incident } = await load(incidentId);
    await once(
      `${incidentId}.announce-severity.${previous}-${incident.severity}.${incident.version}`,
      async () => {
        await chat.postMessage(announcements, severityAnnouncement(incident, previous));
      },
    );
  }

  async function captureMessage(job: Extract<Job, { type: 'capture-message' }>): Promise<void> {
    const { incident } = await load(job.incidentId);
    const fetched = job.text === undefined ? await chat.getMessage(job.channelId, job.messageTs) : undefined;
    const text = job.text ?? fetched?.text;
    if (text === undefined) return; // deleted before we could read it: nothing to record
    const link = await chat.permalink(job.channelId, job.messageTs);
    const now = clock.now().toISOString();
    const at = new Date(Number(job.messageTs) * 1000).toISOString();
    await store.addEvent({
      id: job.eventId,
      incidentId: incident.id,
      // A message from before the recorded start (a back-dated incident's channel is newer) keeps its time.
      at,
      recordedAt: now,
      kind: job.kind,
      text: link ? `${text} (${link})` : text,
      author: job.author ?? fetched?.user ?? job.capturedBy,
    });
    if (incident.status === 'resolved') await compileAndStore(await load(job.incidentId));
  }

  return async (job: Job) => {
    switch (job.type) {
      case 'setup-channel':
        try {
          return await setupChannel(job.incidentId);
        } finally {
          // Even when Slack fails, paging must start; a retry queues it again, which pages nothing twice.
          await deps.enqueue({ type: 'escalation-start', incidentId: job.incidentId });
        }
      case 'refresh-summary':
        return refreshSummary(job.incidentId);
      case 'publish-postmortem':
        return publishPostmortem(job.incidentId);
      case 'store-postmortem':
        await compileAndStore(await load(job.incidentId));
        return;
      case 'escalation-start':
        return deps.escalation?.start(job.incidentId);
      case 'escalation-ack':
        return deps.escalation?.acknowledge(job.incidentId);
      case 'escalation-resolve':
        return deps.escalation?.resolve(job.incidentId);
      case 'escalation-replan':
        return deps.escalation?.replan(job.incidentId, job.previous);
      case 'escalate':
        await deps.escalation?.escalateManually(job.incidentId, job.team, job.requestId);
        return;
      case 'announce-severity':
        return announceSeverity(job.incidentId, job.previous);
      case 'capture-message':
        return captureMessage(job);
      case 'reply':
        if (job.visibility === 'channel') await chat.postMessage(job.channelId, { text: job.text });
        else await chat.postEphemeral(job.channelId, job.userId, job.text);
        return;
      case 'publish-home':
        await chat.publishHome(job.userId, appHome(await store.listOpenIncidents(), ctx()));
        return;
      default: {
        const unknown: never = job;
        throw new Error(`Unknown job ${JSON.stringify(unknown)}`);
      }
    }
  };
}
