/** `/incident open [<time>] [sev1..sev4] <title>`: declares an incident. */
import { z } from 'zod';
import { toChannel } from '../message';
import { formatDateTime, resolveStartTime } from '../time';
import { DEFAULT_SEVERITY, type Severity } from '../types';
import { generalVerb } from '../verb';
import {
  charCount,
  defined,
  freeText,
  Refusal,
  readTime,
  SEVERITY_SHAPE,
  severitySchema,
  TIME_HINT,
  TITLE_MAX_LENGTH,
  timeField,
  titleSchema,
  toSeverity,
} from '../words';

export const open = generalVerb({
  words: {
    open: {
      syntax: '/incident open [<time>] [sev1..sev4] <title>',
      summary: `declare an incident (default ${DEFAULT_SEVERITY}, title up to ${TITLE_MAX_LENGTH} characters)`,
      hints: [TIME_HINT],
      effect: `declares INC-n: channel \`inc-<n>-<slug>\`, invites you, posts and pins the summary. Default ${DEFAULT_SEVERITY}, now`,
    },
  },
  schema: z.strictObject({
    verb: z.literal('open'),
    time: timeField,
    severity: severitySchema,
    title: titleSchema,
  }),
  parse: (words) => {
    const time = readTime(words);
    const first = words.peek();
    let severity: Severity = DEFAULT_SEVERITY;
    if (first !== undefined && SEVERITY_SHAPE.test(first)) {
      words.take();
      severity = toSeverity(first);
    }
    const title = freeText(words.remainder());
    if (!title) throw new Refusal('Missing the incident title.');
    const length = charCount(title);
    if (length > TITLE_MAX_LENGTH) {
      throw new Refusal(`The title is ${length} characters long; keep it to ${TITLE_MAX_LENGTH} or fewer.`);
    }
    return defined({ verb: 'open', time, severity, title });
  },
  // A redelivery of `/incident open` gets the first answer: it names the incident it declared.
  remembered: true,
  answer: async (intent, tools) => {
    const startedAt = resolveStartTime(intent.time, tools.now, tools.tz);
    const incident = await tools.declare({ title: intent.title, severity: intent.severity, startedAt });
    return toChannel(
      ':rotating_light: ',
      { user: tools.userId },
      ' declared ',
      { strong: incident.id },
      ` (${incident.severity}): `,
      { quoted: incident.title },
      `. Started ${formatDateTime(incident.startedAt, tools.tz)}. Opening `,
      { newChannelOf: incident },
      '…',
    );
  },
});
