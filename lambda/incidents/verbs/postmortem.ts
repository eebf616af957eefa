/** `/incident postmortem [INC-n]`: the draft as compiled now, to the responder alone. Writes nothing. */
import { z } from 'zod';
import { type Part, toUser } from '../message';
import { compilePostmortem } from '../postmortem';
import { changesSince, describeChanges, lastPublication } from '../publication';
import { formatDateTime } from '../time';
import { incidentVerb } from '../verb';
import { defined, readRef, refField, refuseExtra } from '../words';

export const postmortem = incidentVerb({
  words: {
    postmortem: {
      syntax: '/incident postmortem [INC-n]',
      summary: 'show the postmortem draft',
      effect: 'the current draft and its timeline chart, only to you',
    },
  },
  schema: z.strictObject({ verb: z.literal('postmortem'), ref: refField }),
  parse: (words) => {
    const ref = readRef(words);
    refuseExtra(words, 'postmortem takes only an incident id');
    return defined({ verb: 'postmortem', ref });
  },
  read: (record, tools) => {
    const published = lastPublication(record);
    const changes = published ? changesSince(record, published) : [];
    const since: Part[] = !published
      ? []
      : changes.length === 0
        ? [` Unchanged since it was published in the channel (${formatDateTime(published.at, tools.tz)}).`]
        : [
            ` Changed since it was published in the channel (${formatDateTime(published.at, tools.tz)}): `,
            ...describeChanges(changes),
            '.',
          ];
    const chart: Part[] = tools.charts ? [' Its timeline chart follows.'] : [];
    return toUser(`Postmortem draft of ${record.incident.id}:`, ...since, ...chart, {
      block: compilePostmortem(record, tools),
    });
  },
  readJobs: (record, tools, request) =>
    tools.charts
      ? [
          {
            type: 'postmortem-chart',
            incidentId: record.incident.id,
            channelId: request.channelId,
            userId: request.userId,
            key: request.requestKey,
          },
        ]
      : [],
  decide: () => ({}),
  followOn: () => [],
  confirm: () => [],
});
