import fc from 'fast-check';
import { HELP_TEXT, intentSchema, parseCommand, TYPED_WORDS, usageFor } from '../../lambda/incidents/grammar';
import type { ParseResult } from '../../lambda/incidents/intents';
import { LOG_KINDS, OPEN_STATUSES, SEVERITIES } from '../../lambda/incidents/types';
import { VERBS } from '../../lambda/incidents/verbs';

const TEAMS = ['oncall', 'sre'] as const;
// From the verb table: a verb added there is fuzzed here too.
const TYPED_VERBS = TYPED_WORDS;
const INTENT_VERBS = new Set<string>(Object.keys(VERBS));

/** The same word in a random mix of upper and lower case, as people type in a hurry. */
function anyCase(word: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((upper) => [...word].map((char, i) => (upper[i] ? char.toUpperCase() : char)).join(''));
}

const pad2 = (n: number) => String(n).padStart(2, '0');

const clockToken = fc
  .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.boolean())
  .map(([hour, minute, padded]) => `${padded ? pad2(hour) : hour}:${pad2(minute)}`);

const offset = fc
  .integer({ min: -12 * 4, max: 14 * 4 })
  .map((quarters) => quarters * 15)
  .map((minutes) => {
    const sign = minutes < 0 ? '-' : '+';
    const abs = Math.abs(minutes);
    return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
  });

const wallClock = fc.record({
  year: fc.integer({ min: 1999, max: 2100 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 31 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.option(fc.integer({ min: 0, max: 59 }), { nil: undefined }),
});

const isoToken = fc.tuple(wallClock, fc.oneof(fc.constant('Z'), fc.constant(''), offset)).map(([t, zone]) => {
  const seconds = t.second === undefined ? '' : `:${pad2(t.second)}`;
  return `${t.year}-${pad2(t.month)}-${pad2(t.day)}T${pad2(t.hour)}:${pad2(t.minute)}${seconds}${zone}`;
});

const mention = fc
  .tuple(
    fc.constantFrom('U', 'W'),
    fc.stringMatching(/^[A-Z0-9]{1,10}$/),
    fc.option(fc.stringMatching(/^[a-z. ]{0,8}$/)),
  )
  .map(([prefix, id, name]) => (name === null ? `<@${prefix}${id}>` : `<@${prefix}${id}|${name}>`));

/** Words that mean something to the grammar, and some that nearly do. */
const token = fc.oneof(
  fc.constantFrom(...TYPED_VERBS).chain(anyCase),
  fc.constantFrom(
    'declare-modal',
    'follow-up',
    'resolved',
    'constructor',
    '__proto__',
    'sev0',
    'sev5',
    'acton:',
    'https://x.test',
  ),
  fc.nat({ max: 10_000 }).map((n) => `INC-${n}`),
  fc.stringMatching(/^[Ii][Nn][Cc]-0*\d{1,25}$/),
  clockToken,
  isoToken,
  fc.constantFrom(...SEVERITIES).chain(anyCase),
  fc.constantFrom(...OPEN_STATUSES).chain(anyCase),
  fc.constantFrom(...LOG_KINDS).map((kind) => `${kind}:`),
  fc.constantFrom(...LOG_KINDS).map((kind) => `${kind}:glued`),
  fc.constantFrom(...TEAMS).chain(anyCase),
  mention,
  fc.constantFrom('&amp;', '&lt;', '&gt;', '&lt;@U1&gt;', '<', '>', '<@', '|', ':', '&'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

const separator = fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '');

// Mostly led by a real verb, so the property reaches every verb's grammar and not only the unknown-verb reply.
const commandText = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.constantFrom(...TYPED_VERBS).chain(anyCase), weight: 4 },
      { arbitrary: token, weight: 1 },
    ),
    fc.array(fc.tuple(separator, token), { maxLength: 8 }),
  )
  .map(([first, parts]) => first + parts.map(([space, word]) => space + word).join(''));

function assertWellFormed(result: ParseResult): void {
  if (result.ok) {
    expect(INTENT_VERBS.has(result.intent.verb)).toBe(true);
    expect(intentSchema.safeParse(result.intent).success).toBe(true);
  } else {
    expect(result.error.trim().length).toBeGreaterThan(0);
    expect(result.usage.trim().length).toBeGreaterThan(0);
  }
}

describe('parseCommand properties', () => {
  it('returns a well-formed result for any string', () => {
    // prepare
    const anyText = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
    );

    // act / assess
    fc.assert(
      fc.property(anyText, fc.boolean(), (text, withTeams) => {
        assertWellFormed(parseCommand(text, withTeams ? { teams: TEAMS } : {}));
      }),
      { numRuns: 1000 },
    );
  });

  it('returns a well-formed result for commands assembled from real tokens', () => {
    // act / assess
    fc.assert(
      fc.property(commandText, fc.boolean(), (text, withTeams) => {
        assertWellFormed(parseCommand(text, withTeams ? { teams: TEAMS } : {}));
      }),
      { numRuns: 2000 },
    );
  });

  it('puts the usage of the typed verb under every error, and the reference under an unknown verb', () => {
    // prepare
    const known = fc
      .tuple(fc.constantFrom(...TYPED_VERBS), commandText)
      .map(([verb, rest]) => `${verb} ${rest}`);

    // act / assess
    fc.assert(
      fc.property(fc.oneof(known, commandText), (text) => {
        const result = parseCommand(text, { teams: TEAMS });
        fc.pre(!result.ok);
        if (result.ok) return;
        const verb = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
        const expected = (TYPED_VERBS as readonly string[]).includes(verb) ? usageFor(verb) : HELP_TEXT;
        expect(result.usage).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips the kind and text of a log assembled from parts', () => {
    // prepare
    const word = fc.stringMatching(/^[a-zA-Z0-9.,!?()'%-]{1,12}$/);
    const text = fc
      .array(fc.tuple(fc.constantFrom(' ', '  ', '\t'), word), { minLength: 1, maxLength: 8 })
      .map((parts) => parts.map(([space, w], i) => (i === 0 ? w : space + w)).join(''));
    const validClock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }));
    const parts = fc.record({
      ref: fc.option(fc.integer({ min: 1, max: 99_999 }), { nil: undefined }),
      clock: fc.option(validClock, { nil: undefined }),
      kind: fc.constantFrom(...LOG_KINDS).chain((kind) => anyCase(kind).map((typed) => ({ kind, typed }))),
      glued: fc.boolean(),
      text,
    });

    // act / assess
    fc.assert(
      fc.property(parts, ({ ref, clock, kind, glued, text: body }) => {
        const words = ['log'];
        if (ref !== undefined) words.push(`INC-${ref}`);
        if (clock !== undefined) words.push(`${clock[0]}:${pad2(clock[1])}`);
        words.push(glued ? `${kind.typed}:${body}` : `${kind.typed}: ${body}`);

        const result = parseCommand(words.join(' '));

        expect(result).toEqual({
          ok: true,
          intent: {
            verb: 'log',
            ...(ref === undefined ? {} : { ref: `INC-${ref}` }),
            ...(clock === undefined ? {} : { time: { type: 'clock', hour: clock[0], minute: clock[1] } }),
            kind: kind.kind,
            text: body,
          },
        });
      }),
      { numRuns: 500 },
    );
  });

  it('decodes the escapes Slack puts on the text of a log back to what was typed', () => {
    // prepare
    const typed = fc.stringMatching(/^[a-z&<>;@ ]{1,40}$/).filter((text) => text.trim().length > 0);
    const slackEscape = (text: string) =>
      text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

    // act / assess
    fc.assert(
      fc.property(typed, (text) => {
        const result = parseCommand(`log note: ${slackEscape(text)}`);

        expect(result).toEqual({ ok: true, intent: { verb: 'log', kind: 'note', text: text.trim() } });
      }),
      { numRuns: 500 },
    );
  });

  it('reads every HH:MM by its ranges: in range is a clock time, out of range an error naming it', () => {
    // act / assess
    fc.assert(
      fc.property(clockToken, (time) => {
        const [hour, minute] = time.split(':').map(Number);

        const result = parseCommand(`ack ${time}`);

        if ((hour ?? 99) <= 23 && (minute ?? 99) <= 59) {
          expect(result).toEqual({
            ok: true,
            intent: { verb: 'ack', time: { type: 'clock', hour, minute } },
          });
        } else {
          expect(result).toEqual({
            ok: false,
            error: `'${time}' is not a valid time; use HH:MM (24 h) or an ISO-8601 time with a zone.`,
            usage: usageFor('ack'),
          });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('normalizes an ISO-8601 time with a zone as Date does, and refuses one without', () => {
    // act / assess
    fc.assert(
      fc.property(isoToken, (time) => {
        const result = parseCommand(`resolve ${time}`);

        const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(time);
        const parsed = new Date(time);
        // Date rolls an impossible day (Feb 30) over into the next month; the grammar refuses it.
        const [year, month, day] = time.slice(0, 10).split('-').map(Number);
        const exists = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0)).getUTCDate() === day;
        if (hasZone && exists) {
          expect(result).toEqual({
            ok: true,
            intent: { verb: 'resolve', time: { type: 'instant', iso: parsed.toISOString() } },
          });
        } else {
          expect(result.ok).toBe(false);
          expect(result.ok ? '' : result.error).toContain(`'${time}'`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('normalizes any INC-n with leading zeros to INC-n', () => {
    // act / assess
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.nat({ max: 3 }),
        fc.boolean(),
        (n, zeros, lower) => {
          const typed = `${lower ? 'inc' : 'INC'}-${'0'.repeat(zeros)}${n}`;

          const result = parseCommand(`postmortem ${typed}`);

          expect(result).toEqual({ ok: true, intent: { verb: 'postmortem', ref: `INC-${n}` } });
        },
      ),
    );
  });
});
