/**
 * A timeline that follows Slack: a message captured with 📌 or the shortcut that is then edited or
 * deleted in Slack (`message_changed`, `message_deleted`, read by slack/listeners.ts) is updated or
 * marked deleted on the timeline. Each captured event changes in one conditional write
 * (`store.followCapturedMessage`), ordered by Slack's own edit ts: a redelivered event, or an older
 * edit arriving after a newer one, writes nothing.
 */
import { decodeEntities } from '../incidents/grammar';
import { capturedMessageOf, slackTsToIso } from '../incidents/provenance';
import type { Jobs } from '../jobs/jobs';
import type { IncidentStore } from '../store/store';

/** An edit or deletion in Slack of a message in some channel. */
export type SlackMessageChange = { channelId: string; messageTs: string } & (
  | {
      type: 'edited';
      /** The new text as Slack sends it (`&`, `<`, `>` escaped). */
      text: string;
      /** Slack's ts of the edit (`message.edited.ts`, else the event's). */
      editTs: string;
      /** Who edited, when Slack says. */
      by?: string;
    }
  | {
      type: 'deleted';
      /** The deletion event's ts. */
      eventTs: string;
    }
);

export interface MessageChangeDeps {
  store: Pick<
    IncidentStore,
    'findIncidentIdByChannel' | 'getIncident' | 'capturedMessageEvents' | 'followCapturedMessage'
  >;
  jobs: Pick<Jobs, 'enqueue'>;
}

/**
 * Makes the events captured from the message follow the change; how many changed. A message outside
 * any incident channel costs one read, one nobody captured two, and neither writes anything. When a
 * resolved incident's timeline changed, its stored postmortem is recompiled (`store-postmortem`).
 */
export async function followSlackMessage(
  deps: MessageChangeDeps,
  change: SlackMessageChange,
): Promise<number> {
  const { store } = deps;
  const incidentId = await store.findIncidentIdByChannel(change.channelId);
  if (!incidentId) return 0;
  const events = await store.capturedMessageEvents(incidentId, change.channelId, change.messageTs);
  let changed = 0;
  for (const event of events) {
    const captured = capturedMessageOf(event);
    if (!captured) continue;
    const written =
      change.type === 'edited'
        ? await store.followCapturedMessage(incidentId, event.id, {
            type: 'edited',
            // Decoded as the capture job decodes what it reads: the words, not Slack's escapes.
            text: decodeEntities(change.text),
            edited: {
              at: slackTsToIso(change.editTs),
              ts: change.editTs,
              ...(change.by ? { by: change.by } : {}),
            },
            message: {
              channelId: captured.channelId,
              ts: captured.ts,
              ...(captured.permalink ? { permalink: captured.permalink } : {}),
            },
          })
        : await store.followCapturedMessage(incidentId, event.id, {
            type: 'deleted',
            deleted: { at: slackTsToIso(change.eventTs) },
          });
    if (written) changed += 1;
  }
  if (changed > 0 && (await store.getIncident(incidentId))?.status === 'resolved') {
    await deps.jobs.enqueue({ type: 'store-postmortem', incidentId });
  }
  return changed;
}
