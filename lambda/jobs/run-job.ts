/**
 * The slow half of every command: what a job does in Slack, in the archive and through the pagers.
 * Slack work is a list of steps in the incident's progress record (channel, summary, pin,
 * announcements, postmortem, resolution post); each is claimed for one try, finished once, and a step
 * that fails never keeps an independent one from running. A rate limit reschedules the job; a
 * permanent failure is told to the people concerned and not retried.
 */
import type { KnownBlock } from '@slack/types';
import type { PostmortemArchive } from '../archive/archive';
import type { BotSettings } from '../config';
import type { EscalationEngine } from '../escalation/engine';
import type { UnacknowledgedTexts } from '../escalation/texts';
import { errorMessage } from '../incidents/errors';
import { decodeEntities } from '../incidents/grammar';
import { compilePostmortem, mentionedUsers, postmortemFileName } from '../incidents/postmortem';
import {
  isSettled,
  type ProgressSettings,
  pendingSlackSteps,
  progressProblems,
  type SlackStep,
} from '../incidents/progress';
import {
  changesSince,
  describeChanges,
  lastPublication,
  publicationOf,
  republicationStepName,
} from '../incidents/publication';
import { nextShiftsOf } from '../incidents/shifts';
import { type Clock, formatDateTime } from '../incidents/time';
import { BOT_AUTHOR, type IncidentRecord, type Severity, type StepState } from '../incidents/types';
import { postmortemHtml, postmortemHtmlFileName } from '../pictures/html-postmortem';
import { timelineChartSvg } from '../pictures/timeline-chart';
import type { ChatGateway, ChatMessage } from '../slack/chat';
import { classifySlackError, describeSlackFailure, type SlackFailure } from '../slack/errors';
import {
  channelTopic,
  declaredAnnouncement,
  incidentChannelName,
  resolutionSummary,
  severityAnnouncement,
  updateAnnouncement,
} from '../slack/format';
import { renderMessage } from '../slack/message';
import { appHome, pinnedSummary } from '../slack/views';
import { claimKey, oncePost, parseCapturedMessageId } from '../store/keys';
import type { IncidentStore } from '../store/store';
import type { GitHubPostmortems } from '../trackers/github';
import { POSTMORTEM_GIT_STEP, publishPostmortem, pullRequestOpened } from '../trackers/postmortem-git';
import type { TicketDesk } from '../trackers/tickets';
import { homeTrend } from './home-trend';
import { isUnknownIncident, unknownIncident } from './job-failure';
import type { EnqueueOptions, Job, JobRunner } from './jobs';
import { RetryLaterError } from './retry-later';

export interface JobDeps {
  /** Queues a job that must follow another. */
  enqueue: (job: Job, options?: EnqueueOptions) => Promise<void>;
  /** Absent where no escalation is wired (no policy): escalation jobs are then no-ops. */
  escalation?: EscalationEngine;
  /** SVG → PNG for the charts (pictures/png.ts natively, pictures/png-wasm.ts in Lambda); absent: no PNG. */
  renderPng?: (svg: string) => Buffer | Promise<Buffer>;
  /** Absent unless the policy has `postmortems.github`: `postmortem-git` jobs are then no-ops. */
  postmortems?: GitHubPostmortems;
  /** Absent unless the policy names a tracker for follow-ups: `tickets` jobs are then no-ops. */
  tickets?: TicketDesk;
  /** Absent unless phone numbers are configured: `sms` jobs are then no-ops. */
  texts?: UnacknowledgedTexts;
  store: IncidentStore;
  chat: ChatGateway;
  archive: PostmortemArchive;
  clock: Clock;
  settings: Pick<BotSettings, 'timeZone' | 'incidentsChannel' | 'policy'>;
  /** For interactions' response_url (tests inject one); the global fetch otherwise. */
  fetch?: typeof fetch;
  /** Where failures nobody can be told about in Slack go (the local server's log, CloudWatch). */
  log?: (line: string) => void;
}

/** Longer than one step can take (one or two Slack calls, each bounded by the client's timeout). */
const SLACK_STEP_LEASE_MS = 45_000;
/** An interaction's response_url answers at once or not at all. */
const RESPONSE_URL_TIMEOUT_MS = 3_000;
/** Kept once a one-off post is done, far past any redelivery of its job. */
const ONCE_SECONDS = 30 * 24 * 3600;

/** How a failure of a step or job is handled: rescheduled, retried, or told and dropped. */
function classify(error: unknown): SlackFailure {
  const code = (error as { code?: unknown } | undefined)?.code;
  const fromSlack = typeof code === 'string' && code.startsWith('slack_');
  // Not a Slack error (the store, the archive): worth another try.
  return fromSlack || /rate limit/i.test(String((error as Error)?.message))
    ? classifySlackError(error)
    : { kind: 'transient', code: 'error' };
}

/** Rethrows what the queue should retry; a rate limit as a reschedule, a permanent failure not at all. */
function rethrowUnlessPermanent(error: unknown, log: (line: string) => void, what: string): void {
  const failure = classify(error);
  if (failure.kind === 'rate-limited') {
    throw new RetryLaterError(describeSlackFailure(failure), failure.retryAfterMs, { cause: error });
  }
  if (failure.kind === 'permanent') {
    log(`${what}: ${describeSlackFailure(failure)}; not retried`);
    return;
  }
  throw error;
}

export function createJobRunner(deps: JobDeps): JobRunner {
  const { store, chat, archive, clock, settings } = deps;
  const log = deps.log ?? ((line: string) => console.error(line));
  const ctx = () => ({ tz: settings.timeZone, now: clock.now().toISOString() });
  const progress: ProgressSettings = {
    announcements: Boolean(settings.incidentsChannel),
    ...(settings.policy ? { policy: settings.policy } : {}),
  };

  async function load(incidentId: string): Promise<IncidentRecord> {
    const record = await store.getRecord(incidentId);
    if (!record) throw unknownIncident(incidentId);
    return record;
  }

  /** A one-off post outside the progress record (a severity announcement): once, however often its job runs. */
  async function once(key: string, post: () => Promise<void>): Promise<void> {
    if (!(await store.claim(claimKey.once(key), SLACK_STEP_LEASE_MS / 1000))) return;
    try {
      await post();
    } catch (error) {
      await store.releaseClaim(claimKey.once(key)).catch(() => undefined);
      throw error;
    }
    await store.renewClaim(claimKey.once(key), ONCE_SECONDS);
  }

  /**
   * The living postmortem: once the document was published in the channel, a fact recorded since
   * (impact, cause, fix, task, log, a capture edited in Slack) publishes it again, with a line saying
   * what changed. One step per content, so a retry or a second job uploads it once.
   */
  async function republish(incidentId: string): Promise<void> {
    const record = await load(incidentId);
    const { incident } = record;
    const last = lastPublication(record);
    if (incident.status !== 'resolved' || !incident.channelId || !last) return;
    const changes = changesSince(record, last);
    if (changes.length === 0) return;
    const step = republicationStepName(record);
    const claim = await store.acquireStep(incidentId, step, SLACK_STEP_LEASE_MS);
    if (!claim) return;
    try {
      const { markdown } = await compileAndStore(record);
      const filename = postmortemFileName(incident);
      const since = claim.firstAttemptAt ?? clock.now().getTime();
      if (!(claim.attempts > 1 && (await chat.findUpload(incident.channelId, filename, since)))) {
        await chat.uploadMarkdown(incident.channelId, {
          filename,
          title: `${incident.id} postmortem (updated)`,
          content: markdown,
          comment: renderMessage([':memo: Postmortem updated: ', ...describeChanges(changes), '.']),
        });
      }
      await store.finishStep(incidentId, step, {
        publication: publicationOf(record, clock.now().toISOString()),
      });
    } catch (error) {
      await store.failStep(incidentId, step, { error: errorMessage(error), retryAt: clock.now().getTime() });
      throw error;
    }
  }

  /**
   * The resolved incident at a glance (issue 15): its timeline chart, inlined in a self-contained HTML
   * postmortem stored beside the Markdown and uploaded to the channel, and the chart as a PNG where a
   * PNG renderer is wired (`renderPng`: the local server, and the Lambda worker).
   * Each upload is made once.
   */
  async function publishPictures(incidentId: string): Promise<void> {
    const record = await load(incidentId);
    const { incident } = record;
    const channelId = incident.channelId;
    if (incident.status !== 'resolved' || !channelId) return;
    const markdown = await compile(record);
    const chartSvg = timelineChartSvg(record, { tz: settings.timeZone });
    const html = postmortemHtml(markdown, { title: `${incident.id}: ${incident.title}`, chartSvg });
    const htmlName = postmortemHtmlFileName(incident);
    await archive.put(htmlName, html);
    await once(`${incident.id}.pictures.html`, () =>
      chat.uploadFile(channelId, {
        filename: htmlName,
        title: `${incident.id} postmortem (web page)`,
        bytes: Buffer.from(html, 'utf8'),
      }),
    );
    if (!deps.renderPng) return;
    const png = await deps.renderPng(chartSvg);
    await once(`${incident.id}.pictures.chart`, () =>
      chat.uploadFile(channelId, {
        filename: `${incident.id}-timeline.png`,
        title: `${incident.id} timeline`,
        bytes: png,
      }),
    );
  }

  /**
   * The timeline chart as it stands, to the one who typed `/incident postmortem`: uploaded shared
   * nowhere and shown in an ephemeral image block where they typed it. Once per request.
   */
  async function showChart(job: Extract<Job, { type: 'postmortem-chart' }>): Promise<void> {
    const renderPng = deps.renderPng;
    if (!renderPng) return;
    const record = await load(job.incidentId);
    const { incident } = record;
    const { tz, now } = ctx();
    await once(oncePost.postmortemChart(incident.id, job.key), async () => {
      const png = await renderPng(timelineChartSvg(record, { tz }));
      const asOf = formatDateTime(incident.resolvedAt ?? now, tz);
      const text = `Timeline chart of ${incident.id}, ${incident.resolvedAt ? 'resolved' : 'as of'} ${asOf}`;
      const fileId = await chat.uploadImage({
        filename: `${incident.id}-timeline.png`,
        title: `${incident.id} timeline`,
        bytes: png,
        altText: text,
      });
      const image: KnownBlock = {
        type: 'image',
        block_id: 'chart',
        slack_file: { id: fileId },
        alt_text: text,
        title: { type: 'plain_text', text: `${incident.id} timeline` },
      };
      try {
        await chat.postEphemeral(job.channelId, job.userId, text, [image]);
      } catch (error) {
        const failure = classify(error);
        if (failure.kind !== 'permanent') throw error;
        // Nothing untrue: the draft was answered; the picture could not be shown.
        await chat.postEphemeral(
          job.channelId,
          job.userId,
          `The timeline chart of ${incident.id} could not be shown here: ${describeSlackFailure(failure)}.`,
        );
      }
    });
  }

  /** The postmortem committed through its pull request (trackers/postmortem-git.ts), when configured. */
  async function publishToGit(incidentId: string): Promise<void> {
    const postmortems = deps.postmortems;
    if (!postmortems) return;
    const record = await load(incidentId);
    if (record.incident.status !== 'resolved') return;
    // Compiled from the latest record, as the stored document is (this job runs after each store).
    const markdown = await compile(record);
    const published = await publishPostmortem(postmortems, record.incident, markdown);
    await store.finishStep(incidentId, POSTMORTEM_GIT_STEP, {
      number: published.number,
      url: published.url,
      path: published.path,
    });
    const channelId = record.incident.channelId;
    if (channelId) {
      await once(`${incidentId}.postmortem-pull-request.${published.number}`, async () => {
        await chat.postMessage(channelId, {
          text: renderMessage(pullRequestOpened(record.incident, published)),
        });
      });
    }
  }

  /** The document as it reads now, people named as Slack shows them. */
  async function compile(record: IncidentRecord): Promise<string> {
    const people = new Set<string>([record.incident.declaredBy]);
    if (record.incident.commander) people.add(record.incident.commander);
    for (const event of record.events) if (event.author !== BOT_AUTHOR) people.add(event.author);
    for (const item of record.followUps) if (item.owner) people.add(item.owner);
    for (const userId of mentionedUsers(record)) people.add(userId);
    people.delete(BOT_AUTHOR);
    const names = await chat.displayNames([...people]);
    return compilePostmortem(record, { ...ctx(), names });
  }

  async function compileAndStore(record: IncidentRecord): Promise<{ markdown: string; location: string }> {
    const markdown = await compile(record);
    const location = await archive.put(postmortemFileName(record.incident), markdown);
    // Every stored version of a resolved incident's document goes to its pull request too.
    if (deps.postmortems && record.incident.status === 'resolved') {
      await deps.enqueue({ type: 'postmortem-git', incidentId: record.incident.id });
    }
    return { markdown, location };
  }

  /**
   * Does one Slack step; returns what it produced. The step is already claimed. A retry (a second
   * try of the step) first looks for what an earlier try did whose answer was lost (a crash, a
   * timeout after Slack acted): the bot's own channel, a message marked with the step, the upload.
   */
  async function doStep(
    step: SlackStep,
    record: IncidentRecord,
    claim: StepState,
  ): Promise<Record<string, unknown>> {
    const { incident } = record;
    const channelId = incident.channelId;
    const announcements = settings.incidentsChannel;
    const retry = claim.attempts > 1;
    const since = claim.firstAttemptAt ?? clock.now().getTime();
    const marker = `${incident.id}/${step}`;
    /** Posts once: on a retry, a message an earlier try posted with this step's marker counts. */
    const postOnce = async (channel: string, message: ChatMessage): Promise<string> =>
      (retry ? await chat.findMarked(channel, marker, since) : undefined) ??
      (await chat.postMessage(channel, { ...message, marker }));
    switch (step) {
      case 'channel': {
        let current = incident;
        if (!current.channelId) {
          // Only this incident makes channels named inc-<its number>-…: one the bot made since the
          // declaration is this incident's, from a try whose answer was lost.
          const channel = await chat.createChannel(incidentChannelName(incident.number, incident.title), {
            adoptCreatedAfter: Date.parse(incident.declaredAt) - 60_000,
          });
          const linked = await store.update(incident.id, (latest) =>
            latest.channelId ? undefined : { ...latest, channelId: channel.id, channelName: channel.name },
          );
          current = linked.incident;
        }
        const id = current.channelId as string;
        await store.linkChannel(id, incident.id);
        const people = [current.declaredBy, ...(current.commander ? [current.commander] : [])];
        await chat.invite(
          id,
          people.filter((user) => user !== BOT_AUTHOR),
        );
        // Pages waiting to mention their team in the channel can go out now.
        await deps.escalation?.sync(incident.id);
        return { channelId: id };
      }
      case 'summary': {
        if (!channelId) return { skipped: 'no channel' };
        if (!incident.summaryTs) {
          const ts = await postOnce(channelId, pinnedSummary(incident, ctx(), progressProblems(record)));
          await store.update(incident.id, (latest) =>
            latest.summaryTs ? undefined : { ...latest, summaryTs: ts },
          );
        }
        return {};
      }
      case 'summary-pinned': {
        if (!channelId || !incident.summaryTs) return { skipped: 'no summary' };
        await chat.pin(channelId, incident.summaryTs);
        await chat.setTopic(channelId, channelTopic(incident));
        return {};
      }
      case 'announce-declared':
        if (announcements) await postOnce(announcements, declaredAnnouncement(incident, ctx()));
        return {};
      case 'postmortem-stored':
        return { location: (await compileAndStore(record)).location };
      case 'postmortem-uploaded': {
        if (!channelId) return { skipped: 'no channel' };
        const { markdown } = await compileAndStore(record);
        // What the published document holds: a fact recorded later re-publishes it (`republish`).
        const publication = { publication: publicationOf(record, clock.now().toISOString()) };
        if (retry && (await chat.findUpload(channelId, postmortemFileName(incident), since)))
          return publication;
        await chat.uploadMarkdown(channelId, {
          filename: postmortemFileName(incident),
          title: `${incident.id} postmortem`,
          content: markdown,
        });
        // The chart and the HTML page follow the document, in a job of their own: a picture that
        // cannot be drawn never holds the postmortem back.
        await deps.enqueue({ type: 'postmortem-pictures', incidentId: incident.id });
        return publication;
      }
      case 'resolution-posted': {
        if (!channelId) return { skipped: 'no channel' };
        // The edits first: they are idempotent, the post is not, so a failed edit re-posts nothing.
        if (incident.summaryTs) {
          await chat.updateMessage(
            channelId,
            incident.summaryTs,
            pinnedSummary(incident, ctx(), progressProblems(record)),
          );
        }
        await chat.setTopic(channelId, channelTopic(incident));
        await postOnce(channelId, resolutionSummary(record, ctx()));
        return {};
      }
      case 'announce-resolution':
        if (announcements) await postOnce(announcements, resolutionSummary(record, ctx()));
        return {};
    }
  }

  /**
   * Tells the people concerned that a step cannot be done: the incident channel (unless the channel
   * is what failed), the announcement channel, and the declarer in a DM. Each is best effort.
   */
  async function tellPermanentFailure(record: IncidentRecord, step: SlackStep, failure: SlackFailure) {
    const { incident } = record;
    const text = `:warning: incident-bot could not ${STEP_DOING[step]} for *${incident.id}*: ${describeSlackFailure(failure)}. It will not retry; please do it by hand.`;
    log(`${incident.id} ${step}: ${describeSlackFailure(failure)}; not retried`);
    const places = new Set<string>();
    if (incident.channelId && step !== 'channel') places.add(incident.channelId);
    if (settings.incidentsChannel) places.add(settings.incidentsChannel);
    if (incident.declaredBy !== BOT_AUTHOR) places.add(incident.declaredBy);
    await Promise.all(
      [...places].map((place) =>
        once(oncePost.failureNotice(incident.id, step, place), async () => {
          await chat.postMessage(place, { text });
        }).catch(() => undefined),
      ),
    );
  }

  /** Every Slack step the incident's progress lacks, in order; independent steps run whatever fails. */
  async function syncSlack(incidentId: string): Promise<void> {
    let rateLimitedMs: number | undefined;
    let transient: unknown;
    const tried = new Set<SlackStep>();
    for (;;) {
      const record = await load(incidentId);
      const next = pendingSlackSteps(record, progress).find(({ step, ready }) => ready && !tried.has(step));
      if (!next) break;
      const { step } = next;
      tried.add(step);
      const claim = await store.acquireStep(incidentId, step, SLACK_STEP_LEASE_MS);
      if (!claim) continue;
      try {
        await store.finishStep(incidentId, step, await doStep(step, record, claim));
      } catch (error) {
        const failure = classify(error);
        const now = clock.now().getTime();
        if (failure.kind === 'permanent' || failure.kind === 'not-in-channel') {
          await store.failStep(incidentId, step, { error: describeSlackFailure(failure), permanent: true });
          await tellPermanentFailure(record, step, failure);
          // The pinned summary lists what the bot could not do.
          await deps.enqueue({ type: 'refresh-summary', incidentId });
        } else if (failure.kind === 'rate-limited') {
          rateLimitedMs = Math.max(rateLimitedMs ?? 0, failure.retryAfterMs);
          await store.failStep(incidentId, step, {
            error: describeSlackFailure(failure),
            retryAt: now + failure.retryAfterMs,
          });
        } else {
          transient ??= error;
          await store.failStep(incidentId, step, { error: describeSlackFailure(failure), retryAt: now });
        }
      }
    }
    await settle(incidentId);
    if (rateLimitedMs !== undefined)
      throw new RetryLaterError(`Slack rate-limited ${incidentId}`, rateLimitedMs);
    if (transient) throw transient;
  }

  /** A resolved incident with nothing left to do leaves the reconciler's list. */
  async function settle(incidentId: string): Promise<void> {
    const record = await load(incidentId);
    if (record.incident.settledAt || !isSettled(record, progress)) return;
    const now = clock.now().toISOString();
    await store.update(incidentId, (latest) =>
      latest.settledAt || latest.status !== 'resolved' ? undefined : { ...latest, settledAt: now },
    );
  }

  async function refreshSummary(incidentId: string): Promise<void> {
    const record = await load(incidentId);
    const { incident } = record;
    if (!incident.channelId || !incident.summaryTs) return;
    await chat.updateMessage(
      incident.channelId,
      incident.summaryTs,
      pinnedSummary(incident, ctx(), progressProblems(record)),
    );
    await chat.setTopic(incident.channelId, channelTopic(incident));
  }

  async function announceSeverity(incidentId: string, previous: Severity): Promise<void> {
    const announcements = settings.incidentsChannel;
    if (!announcements) return;
    const { incident } = await load(incidentId);
    await once(
      oncePost.severityAnnouncement(incidentId, previous, incident.severity, incident.version),
      async () => {
        await chat.postMessage(announcements, severityAnnouncement(incident, previous));
      },
    );
  }

  /** A status update, in the announcements channel: once per update. */
  async function announceUpdate(incidentId: string, eventId: string): Promise<void> {
    const announcements = settings.incidentsChannel;
    if (!announcements) return;
    const { incident, events } = await load(incidentId);
    const event = events.find((candidate) => candidate.id === eventId);
    if (!event) return;
    await once(oncePost.updateAnnouncement(incidentId, eventId), async () => {
      await chat.postMessage(announcements, updateAnnouncement(incident, event, ctx()));
    });
  }

  async function captureMessage(job: Extract<Job, { type: 'capture-message' }>): Promise<void> {
    const { incident } = await load(job.incidentId);
    const fetched = job.text === undefined ? await chat.getMessage(job.channelId, job.messageTs) : undefined;
    // Decoded once, here: Slack sends message text with `&`, `<` and `>` escaped (the shortcut's
    // modal hands over text it decoded already).
    const text = job.text ?? (fetched?.text === undefined ? undefined : decodeEntities(fetched.text));
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
      text,
      author: job.author ?? fetched?.user ?? job.capturedBy,
      // Kept apart from the text, so an edit in Slack replaces the words and keeps the link.
      via: parseCapturedMessageId(job.eventId)?.how ?? 'shortcut',
      recordedBy: job.capturedBy,
      message: { channelId: job.channelId, ts: job.messageTs, ...(link ? { permalink: link } : {}) },
    });
    if (incident.status === 'resolved') await compileAndStore(await load(job.incidentId));
  }

  /**
   * Answers an interaction through its response_url (which works in DMs, private channels and for
   * non-members, where chat.postEphemeral does not); false when that did not work, so the caller falls
   * back to chat.postEphemeral.
   */
  async function respond(responseUrl: string, text: string): Promise<boolean> {
    try {
      const response = await (deps.fetch ?? fetch)(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', text }),
        signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
      });
      if (response.ok) return true;
      log(`response_url answered ${response.status}; falling back to chat.postEphemeral`);
    } catch (error) {
      log(`response_url failed (${(error as Error).message}); falling back to chat.postEphemeral`);
    }
    return false;
  }

  /** Jobs outside the progress record: a rate limit reschedules them, a permanent failure drops them. */
  async function slackJob(job: Job, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      rethrowUnlessPermanent(error, log, `job ${job.type}${job.incidentId ? ` for ${job.incidentId}` : ''}`);
    }
  }

  /**
   * Runs the job; a failure of a job whose incident is not stored (the escalation engine's own reads
   * included) becomes `unknownIncident`, which the queue does not retry (jobs/job-failure.ts). One
   * read, on failure only.
   */
  const run = async (job: Job) => {
    try {
      await runJob(job);
    } catch (error) {
      if (job.incidentId && !isUnknownIncident(error)) {
        const exists = await store.getIncident(job.incidentId).then(
          (incident) => Boolean(incident),
          () => true, // the store is failing: the original error, retried, says more
        );
        if (!exists) throw unknownIncident(job.incidentId, error);
      }
      throw error;
    }
  };
  return run;

  async function runJob(job: Job): Promise<void> {
    const { escalation } = deps;
    switch (job.type) {
      case 'setup-channel':
      case 'publish-postmortem':
        return syncSlack(job.incidentId);
      case 'reconcile-incident':
        // Paging first, in this (escalation) lane; the Slack steps in the incident's own lane.
        await escalation?.sync(job.incidentId);
        if (deps.tickets) await deps.enqueue({ type: 'tickets', incidentId: job.incidentId });
        await deps.enqueue({ type: 'setup-channel', incidentId: job.incidentId });
        return;
      case 'refresh-summary':
        return slackJob(job, () => refreshSummary(job.incidentId));
      case 'store-postmortem':
        await compileAndStore(await load(job.incidentId));
        return slackJob(job, () => republish(job.incidentId));
      case 'postmortem-git':
        return publishToGit(job.incidentId);
      case 'postmortem-pictures':
        return slackJob(job, () => publishPictures(job.incidentId));
      case 'postmortem-chart':
        return slackJob(job, () => showChart(job));
      case 'escalation-start':
        return escalation?.start(job.incidentId);
      case 'escalation-ack':
        return escalation?.acknowledge(job.incidentId);
      case 'escalation-resolve':
        await escalation?.resolve(job.incidentId);
        return settle(job.incidentId);
      case 'escalation-replan':
        return escalation?.replan(job.incidentId, job.previous);
      case 'escalate':
        return escalation?.sync(job.incidentId);
      case 'page':
        return escalation?.page(job.incidentId, job.step);
      case 'tickets':
        return deps.tickets?.sync(job.incidentId);
      case 'sms':
        return deps.texts?.run(job.incidentId, job.severity, job.tier);
      case 'announce-severity':
        return slackJob(job, () => announceSeverity(job.incidentId, job.previous));
      case 'announce-update':
        return slackJob(job, () => announceUpdate(job.incidentId, job.eventId));
      case 'capture-message':
        return slackJob(job, () => captureMessage(job));
      case 'reply':
        return slackJob(job, async () => {
          const text = job.message ? renderMessage(job.message) : (job.text ?? '');
          if (job.visibility === 'channel') await chat.postMessage(job.channelId, { text });
          else if (!(job.responseUrl && (await respond(job.responseUrl, text))))
            await chat.postEphemeral(job.channelId, job.userId, text);
        });
      case 'echo':
        return slackJob(job, async () => {
          const { incident } = await load(job.incidentId);
          const channelId = incident.channelId;
          if (!channelId) return; // no channel yet: its summary will show the state
          const text = job.message ? renderMessage(job.message) : (job.text ?? '');
          await once(oncePost.echo(job.incidentId, job.key), async () => {
            await chat.postMessage(channelId, { text });
          });
        });
      case 'invite':
        return slackJob(job, async () => {
          const { incident } = await load(job.incidentId);
          if (incident.channelId) await chat.invite(incident.channelId, [job.userId]);
        });
      case 'publish-home':
        return slackJob(job, async () => {
          const now = ctx();
          const overrides = await store.listOnCallOverrides(now.now);
          const shifts = nextShiftsOf(settings.policy, job.userId, now.now, overrides);
          const followUps = await store.listFollowUps();
          const open = await store.listOpenIncidents();
          const trend = await homeTrend({ store, chat, renderPng: deps.renderPng, log }, now.now, now.tz);
          try {
            await chat.publishHome(job.userId, appHome(open, now, shifts, followUps, trend));
          } catch (error) {
            // Slack refused the chart (a file it no longer shows): the trend in words instead.
            if (!trend.fileId || classify(error).kind !== 'permanent') throw error;
            log(`App Home chart refused (${(error as Error)?.message}); the trend shown in words`);
            await chat.publishHome(
              job.userId,
              appHome(open, now, shifts, followUps, { points: trend.points }),
            );
          }
        });
      default: {
        const unknown: never = job;
        throw new Error(`Unknown job ${JSON.stringify(unknown)}`);
      }
    }
  }
}

const STEP_DOING: Record<SlackStep, string> = {
  channel: 'create the incident channel',
  summary: 'post the incident summary',
  'summary-pinned': 'pin the summary and set the channel topic',
  'announce-declared': 'announce the incident',
  'postmortem-stored': 'store the postmortem',
  'postmortem-uploaded': 'upload the postmortem',
  'resolution-posted': 'post the resolution summary',
  'announce-resolution': 'announce the resolution',
};
