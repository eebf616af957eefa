/**
 * Where a timeline event came from: how it was recorded (a command, 📌, the message shortcut, an
 * alert, the bot itself), by whom, and the Slack message it was captured from, with what happened to
 * that message since (edited, deleted). Pure: events stored before these fields existed are read from
 * their ids and authors, the same way every time.
 */
import { parseCapturedMessageId } from '../store/keys';
import { BOT_AUTHOR, type RecordedVia, type TimelineEvent } from './types';

/** How the event was recorded: its `via`, or, for events stored without it, what its id and author say. */
export function recordedVia(event: Pick<TimelineEvent, 'id' | 'author' | 'via'>): RecordedVia {
  if (event.via) return event.via;
  const captured = parseCapturedMessageId(event.id);
  if (captured) return captured.how;
  if (event.id.startsWith('alert.')) return 'alert';
  if (event.author === BOT_AUTHOR) return 'bot';
  return 'command';
}

/** Who put it on the timeline: who pinned or used the shortcut, else its author. */
export function recordedBy(event: Pick<TimelineEvent, 'author' | 'recordedBy'>): string {
  return event.recordedBy ?? event.author;
}

/** A Slack permalink we are willing to print as a link target: http(s), nothing that ends a Markdown link. */
const SAFE_LINK = /^https?:\/\/[^\s()<>[\]]+$/;
/** The ` (<permalink>)` older captures appended to their text. */
const TRAILING_LINK = /\s\((https?:\/\/[^\s()<>[\]]+)\)$/;

export interface CapturedMessage {
  channelId: string;
  ts: string;
  permalink?: string;
  /** The message's text without a permalink older captures appended to it. */
  text: string;
}

/**
 * The Slack message a captured event (📌 or shortcut) holds: from its `message` field, or from its id
 * and text for captures stored before that field existed. Undefined for every other event.
 */
export function capturedMessageOf(
  event: Pick<TimelineEvent, 'id' | 'text' | 'message'>,
): CapturedMessage | undefined {
  const fromId = parseCapturedMessageId(event.id);
  if (!fromId && !event.message) return undefined;
  const channelId = event.message?.channelId ?? fromId?.channelId ?? '';
  const ts = event.message?.ts ?? fromId?.ts ?? '';
  const stored = event.message?.permalink;
  if (stored !== undefined) {
    return { channelId, ts, text: event.text, ...(SAFE_LINK.test(stored) ? { permalink: stored } : {}) };
  }
  const trailing = TRAILING_LINK.exec(event.text);
  if (trailing) {
    return { channelId, ts, permalink: trailing[1] as string, text: event.text.slice(0, trailing.index) };
  }
  return { channelId, ts, text: event.text };
}

/** A Slack message ts (`1700000100.000200`, seconds since the epoch) as an ISO-8601 instant. */
export function slackTsToIso(ts: string): string {
  return new Date(Math.round(Number(ts) * 1000)).toISOString();
}

/** A Slack message ts, or undefined when it is not one. */
export function isSlackTs(ts: string | undefined): ts is string {
  return ts !== undefined && /^\d+\.\d+$/.test(ts);
}
