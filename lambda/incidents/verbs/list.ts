/**
 * `/incident list`: the open incidents, most severe first and, within a severity, the longest running
 * first (as App Home orders them), so a cut drops the least pressing.
 */
import { z } from 'zod';
import { type Part, toUser } from '../message';
import { formatDuration } from '../time';
import { type Incident, SEVERITIES } from '../types';
import { generalVerb } from '../verb';
import { refuseExtra } from '../words';

/**
 * An incident's title in one line of the list: room for a typed title (200 characters) with a few
 * entities whole; alert titles are not capped, so they are cut here.
 */
export const MAX_LIST_TITLE = 250;

export const list = generalVerb({
  words: {
    list: {
      syntax: '/incident list',
      summary: 'the open incidents',
      effect:
        'open incidents, only to you: most severe and longest running first; a list too long for one Slack message ends with "…and N more"',
    },
  },
  schema: z.strictObject({ verb: z.literal('list') }),
  parse: (words) => {
    refuseExtra(words, 'list takes nothing after it');
    return { verb: 'list' as const };
  },
  answer: async (_intent, tools) => {
    const open = await tools.listOpen();
    if (open.length === 0) return toUser('No open incidents.');
    const ordered = [...open].sort(
      (a, b) =>
        SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
        Date.parse(a.startedAt) - Date.parse(b.startedAt) ||
        a.number - b.number,
    );
    return {
      visibility: 'user',
      message: [{ strong: `Open incidents (${open.length})` }],
      lines: ordered.map((incident) => listLine(incident, tools.now)),
    };
  },
});

function listLine(incident: Incident, now: string): Part[] {
  return [
    '• ',
    incident.channelId ? { channel: incident.channelId } : incident.id,
    ' ',
    { strong: incident.id },
    ` ${incident.severity} · ${incident.status} · `,
    { quoted: incident.title, max: MAX_LIST_TITLE },
    ` · open ${formatDuration(incident.startedAt, now)} · `,
    incident.commander ? { user: incident.commander } : 'no commander',
  ];
}
