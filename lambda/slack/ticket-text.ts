/** What the incident channel hears about follow-up tickets (lambda/trackers/tickets.ts). */
import type { Message } from '../incidents/message';
import type { FollowUp } from '../incidents/types';
import type { Ticket, TrackerKind } from '../trackers/tracker';

export const TRACKER_NAME: Record<TrackerKind, string> = {
  github: 'GitHub',
  jira: 'Jira',
  linear: 'Linear',
};

const kindOf = (followUp: FollowUp) => (followUp.type === 'fix' ? 'improvement/fix' : 'task');

/** Posted once a follow-up's ticket exists. */
export function ticketOpened(followUp: FollowUp, ticket: Ticket): Message {
  return [
    `:ticket: ${TRACKER_NAME[ticket.tracker]} `,
    { link: ticket.url, text: ticket.key },
    ` opened for the ${kindOf(followUp)} `,
    { quoted: followUp.text, max: 200 },
    followUp.owner ? ' (owner: ' : '',
    ...(followUp.owner ? [{ user: followUp.owner }, ')'] : []),
  ];
}

/** Posted once when a tracker keeps failing: the ticket waits, the command did not. */
export function ticketDelayed(followUp: FollowUp, tracker: TrackerKind, error: string): Message {
  return [
    `:hourglass: The ${TRACKER_NAME[tracker]} ticket for the ${kindOf(followUp)} `,
    { quoted: followUp.text, max: 200 },
    ' is not created yet (',
    { quoted: error, max: 300 },
    '). incident-bot keeps trying; the follow-up is recorded either way.',
  ];
}

/** Posted once when the tracker refused for good (a bad repository, a token without rights). */
export function ticketFailed(followUp: FollowUp, tracker: TrackerKind, error: string): Message {
  return [
    `:warning: incident-bot could not create a ${TRACKER_NAME[tracker]} ticket for the ${kindOf(followUp)} `,
    { quoted: followUp.text, max: 200 },
    ': ',
    { quoted: error, max: 300 },
    '. It will not retry; please create it by hand. The follow-up stays in the postmortem.',
  ];
}
