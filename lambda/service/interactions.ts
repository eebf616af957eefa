/**
 * What Slack's buttons, modals, message shortcut, 📌 reactions and App Home do, once a listener has
 * read the payload (slack/listeners.ts parses, calls these, acks and shows the reply). Here: the keys
 * that make each request idempotent (store/keys.ts), the declaration from the modal, the capture jobs,
 * and where a reply goes. Commands and their decisions stay in the command service.
 */
import { type Outcome, toUser } from '../incidents/message';
import type { Clock } from '../incidents/time';
import type { Incident } from '../incidents/types';
import type { Jobs } from '../jobs/jobs';
import type { DeclareSubmission, ResolveSubmission, TimelineSubmission } from '../slack/views';
import { declareRequestKey, eventIdFor, viewTriggerId } from '../store/keys';
import type { IncidentStore } from '../store/store';
import type { CommandService } from './command-service';

/** Where a reply to a button, modal, shortcut or reaction goes. */
export interface Addressee {
  /** Without a channel there is nowhere to show it, and the reply is dropped. */
  channelId?: string;
  userId: string;
  incidentId?: string;
  /** The interaction's response_url: an ephemeral reply there reaches the user where they are. */
  responseUrl?: string;
}

export interface InteractionsDeps {
  commands: Pick<CommandService, 'declare' | 'run'>;
  store: Pick<IncidentStore, 'findIncidentIdByChannel' | 'getIncident'>;
  jobs: Jobs;
  clock: Clock;
}

export class Interactions {
  constructor(private readonly deps: InteractionsDeps) {}

  /**
   * Shows a reply where a button or modal was used: to the channel, or to the user alone. Sent by the
   * worker (a `reply` job), so the answer to Slack never waits for the Web API.
   */
  async show(to: Addressee, outcome: Outcome): Promise<void> {
    if (!to.channelId) return;
    const { visibility, message } = outcome;
    await this.deps.jobs.enqueue({
      type: 'reply',
      channelId: to.channelId,
      userId: to.userId,
      message,
      visibility,
      ...(to.incidentId ? { incidentId: to.incidentId } : {}),
      ...(to.responseUrl && visibility === 'user' ? { responseUrl: to.responseUrl } : {}),
    });
  }

  /**
   * The declare modal: a view is submitted once, so its id keys the declaration, and a redelivery
   * declares the same incident (finishing what a crash interrupted), never a second one. The reply
   * confirms it to the declarer where `/incident` was typed.
   */
  async declareFromModal(
    submission: DeclareSubmission,
    userId: string,
    viewId: string,
  ): Promise<{ incident: Incident; outcome: Outcome }> {
    const { title, severity, description, detectedAt } = submission;
    const incident = await this.deps.commands.declare({
      title,
      severity,
      declaredBy: userId,
      eventId: eventIdFor.view(viewId),
      requestKey: declareRequestKey.view(viewId),
      ...(detectedAt ? { startedAt: detectedAt } : {}),
      events: description
        ? [
            {
              at: detectedAt ?? this.deps.clock.now().toISOString(),
              kind: 'note',
              text: `Description: ${description}`,
            },
          ]
        : [],
    });
    const outcome = toUser(
      ':rotating_light: Declared ',
      { strong: incident.id },
      ` (${incident.severity}): `,
      { quoted: incident.title },
      '. Opening ',
      { newChannelOf: incident },
      '…',
    );
    return { incident, outcome };
  }

  /**
   * The resolve modal: `/incident resolve` on the incident it was opened for. An ephemeral reply is a
   * refusal (already resolved, say); any other goes to the incident channel.
   */
  async resolveFromModal(
    submission: ResolveSubmission,
    userId: string,
    viewId: string,
  ): Promise<{ outcome: Outcome; to: Addressee }> {
    const { incidentId, resolution } = submission;
    const incident = await this.deps.store.getIncident(incidentId);
    const channelId = incident?.channelId;
    const outcome = await this.deps.commands.run(
      { verb: 'resolve', ref: incidentId, resolution },
      { userId, channelId: channelId ?? '', triggerId: viewTriggerId(viewId) },
      // Read once: the service starts from the incident just read.
      incident,
    );
    return { outcome, to: { userId, incidentId, ...(channelId ? { channelId } : {}) } };
  }

  /** The incident a channel belongs to, if any: where the add-to-timeline shortcut may be used. */
  async incidentOfChannel(channelId: string): Promise<string | undefined> {
    return this.deps.store.findIncidentIdByChannel(channelId);
  }

  /** The add-to-timeline modal's submission: the message onto the timeline, once per kind. */
  async captureMessage(submission: TimelineSubmission, capturedBy: string): Promise<void> {
    const { incidentId, kind, text, author, messageTs, channelId } = submission;
    await this.deps.jobs.enqueue({
      type: 'capture-message',
      incidentId,
      channelId,
      messageTs,
      kind,
      text,
      author,
      capturedBy,
      eventId: eventIdFor.capturedMessage(channelId, messageTs, kind),
    });
  }

  /**
   * 📌 on a message in an incident channel: onto the timeline once, however many people pin it.
   * Whether it was (a message outside any incident channel is not).
   */
  async pinMessage(pin: { channelId: string; messageTs: string; userId: string }): Promise<boolean> {
    const incidentId = await this.deps.store.findIncidentIdByChannel(pin.channelId);
    if (!incidentId) return false;
    await this.deps.jobs.enqueue({
      type: 'capture-message',
      incidentId,
      channelId: pin.channelId,
      messageTs: pin.messageTs,
      kind: 'note',
      capturedBy: pin.userId,
      eventId: eventIdFor.pinnedMessage(pin.channelId, pin.messageTs),
    });
    return true;
  }

  /** App Home opened: its incident list is published by the worker. */
  async openHome(userId: string): Promise<void> {
    await this.deps.jobs.enqueue({ type: 'publish-home', userId });
  }
}
