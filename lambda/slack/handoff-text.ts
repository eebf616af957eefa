/**
 * On-call handoffs in Slack's words: the DM to the person coming on call and the line in the
 * schedule's handoff channel. Which handoffs are told, and when, is incidents/handoffs.ts; sending
 * them is oncall/handoffs.ts.
 */
import type { HandoffNotice } from '../incidents/handoffs';
import { formatDateTime } from '../incidents/time';
import { escapeClip, userMention } from './text';

const MAX_TEAM = 100;

/** `until December 7, 2026, 09:00 GMT+1; next: <@U0BOB>`, or what stands for it without a next handoff. */
function untilText(notice: HandoffNotice, tz: string): string {
  if (!notice.until) return 'with no handoff planned';
  const then = notice.next ? userMention(notice.next) : 'nobody';
  return `until ${formatDateTime(notice.until, tz)}; next: ${then}`;
}

/**
 * The DM to the person coming on call: for which team and until when, who is next, how many
 * incidents are open (when any), and where to look.
 */
export function handoffDirectText(notice: HandoffNotice, openIncidents: number, tz: string): string {
  const open =
    openIncidents > 0
      ? ` ${openIncidents} incident${openIncidents === 1 ? ' is' : 's are'} open: \`/incident list\`.`
      : '';
  return `:pager: You are now on call for *${escapeClip(notice.team, MAX_TEAM)}* ${untilText(notice, tz)}.${open} Who is on call for every team: \`/incident oncall\`.`;
}

/** The handoff channel's line: `*sre*: <@U0BOB> is on call now (after <@U0ANNA>) until …`. */
export function handoffChannelText(notice: HandoffNotice, tz: string): string {
  const after = notice.previous ? ` (after ${userMention(notice.previous)})` : '';
  const until = notice.until ? ` until ${formatDateTime(notice.until, tz)}` : '';
  return `*${escapeClip(notice.team, MAX_TEAM)}*: ${userMention(notice.user)} is on call now${after}${until}.`;
}
