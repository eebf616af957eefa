import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELP_TEXT, parseCommand, usageFor } from '../../lambda/incidents/grammar';
import type { Intent, ParseResult } from '../../lambda/incidents/intents';
import { LOG_KINDS } from '../../lambda/incidents/types';

const TEAMS = ['oncall', 'sre'] as const;
// The repository's copy of shared/scenarios/seed-auth-outage.txt, so the test runs outside this machine.
const SEED = join(__dirname, '../../examples/seed-auth-outage.txt');

function intentOf(result: ParseResult): Intent {
  if (!result.ok) throw new Error(`expected ok, got error: ${result.error}`);
  return result.intent;
}

function errorOf(result: ParseResult): { error: string; usage: string } {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.intent)}`);
  return { error: result.error, usage: result.usage };
}

function clock(hour: number, minute: number) {
  return { type: 'clock', hour, minute } as const;
}

describe('parseCommand: verbs without an incident', () => {
  it.each(['', '   ', '\t\n'])('opens the declare modal for empty text %j', (text) => {
    // act
    const result = parseCommand(text);

    // assess
    expect(result).toEqual({ ok: true, intent: { verb: 'declare-modal' } });
  });

  it.each(['help', 'HELP', '  Help  ', 'help log'])('parses %j as help', (text) => {
    // act
    const intent = intentOf(parseCommand(text));

    // assess
    expect(intent).toEqual({ verb: 'help' });
  });

  it.each(['list', 'LIST', ' List '])('parses %j as list', (text) => {
    // act
    const intent = intentOf(parseCommand(text));

    // assess
    expect(intent).toEqual({ verb: 'list' });
  });

  it('refuses words after list', () => {
    // act
    const { error, usage } = errorOf(parseCommand('list open'));

    // assess
    expect(error).toContain("'open'");
    expect(usage).toBe(usageFor('list'));
  });

  it.each(['foo', 'declare-modal', 'follow-up', 'constructor', '__proto__', 'toString'])(
    'refuses the unknown verb %j with the whole reference',
    (verb) => {
      // act
      const result = parseCommand(`${verb} something`);

      // assess
      expect(result).toEqual({ ok: false, error: `Unknown command '${verb}'.`, usage: HELP_TEXT });
    },
  );

  it('quotes a verb in the case it was typed', () => {
    // act
    const { error } = errorOf(parseCommand('Reopen INC-3'));

    // assess
    expect(error).toBe("Unknown command 'Reopen'.");
  });
});

describe('parseCommand: open', () => {
  it('parses a title alone with the default severity', () => {
    // act
    const intent = intentOf(parseCommand('open Checkout is down'));

    // assess
    expect(intent).toEqual({ verb: 'open', severity: 'sev3', title: 'Checkout is down' });
  });

  it('parses a time and a severity before the title', () => {
    // act
    const intent = intentOf(parseCommand('OPEN 09:05 SEV1 Checkout is down'));

    // assess
    expect(intent).toEqual({ verb: 'open', time: clock(9, 5), severity: 'sev1', title: 'Checkout is down' });
  });

  it('keeps inner whitespace and decodes Slack escapes in the title', () => {
    // act
    const intent = intentOf(parseCommand('open  sev4   p99 &gt; 2s  &amp; rising  '));

    // assess
    expect(intent).toEqual({ verb: 'open', severity: 'sev4', title: 'p99 > 2s  & rising' });
  });

  it('takes an incident id after open as part of the title', () => {
    // act
    const intent = intentOf(parseCommand('open INC-3 happened again'));

    // assess
    expect(intent).toEqual({ verb: 'open', severity: 'sev3', title: 'INC-3 happened again' });
  });

  it.each(['open', 'open   ', 'open sev2', 'open 15:30', 'open 15:30 sev1'])(
    'refuses %j without a title',
    (text) => {
      // act
      const { error, usage } = errorOf(parseCommand(text));

      // assess
      expect(error).toBe('Missing the incident title.');
      expect(usage).toBe(usageFor('open'));
      expect(usage).toContain('/incident open [<time>] [sev1..sev4] <title>');
    },
  );

  it('accepts a title of exactly 200 characters and refuses 201', () => {
    // prepare
    const max = 'x'.repeat(200);

    // act
    const atLimit = parseCommand(`open ${max}`);
    const over = parseCommand(`open ${max}y`);

    // assess
    expect(intentOf(atLimit)).toEqual({ verb: 'open', severity: 'sev3', title: max });
    expect(errorOf(over).error).toBe('The title is 201 characters long; keep it to 200 or fewer.');
  });

  it('counts an emoji in the title as one character', () => {
    // prepare
    const title = `${'x'.repeat(199)}🔥`;

    // act
    const intent = intentOf(parseCommand(`open ${title}`));

    // assess
    expect(intent).toEqual({ verb: 'open', severity: 'sev3', title });
  });

  it.each(['sev0', 'sev5', 'SEV12'])('refuses the severity %j', (severity) => {
    // act
    const { error } = errorOf(parseCommand(`open ${severity} Checkout is down`));

    // assess
    expect(error).toBe(`'${severity}' is not a severity; use sev1, sev2, sev3 or sev4.`);
  });
});

describe('parseCommand: times', () => {
  it.each([
    ['0:05', 0, 5],
    ['00:05', 0, 5],
    ['9:30', 9, 30],
    ['23:59', 23, 59],
    ['12:00', 12, 0],
  ])('parses %j as a wall-clock time', (token, hour, minute) => {
    // act
    const intent = intentOf(parseCommand(`log ${token} something`));

    // assess
    expect(intent).toEqual({ verb: 'log', time: clock(hour, minute), kind: 'note', text: 'something' });
  });

  it.each([
    ['2024-02-18T15:30Z', '2024-02-18T15:30:00.000Z'],
    ['2024-02-18T15:30:00Z', '2024-02-18T15:30:00.000Z'],
    ['2024-02-18T15:30:00.000Z', '2024-02-18T15:30:00.000Z'],
    ['2024-02-18T15:30:00+01:00', '2024-02-18T14:30:00.000Z'],
    ['2024-02-18T15:30-05:30', '2024-02-18T21:00:00.000Z'],
    ['2024-02-18T00:30+0100', '2024-02-17T23:30:00.000Z'],
    ['2024-02-29T23:59:59.5+00:00', '2024-02-29T23:59:59.500Z'],
    ['2024-02-18t15:30z', '2024-02-18T15:30:00.000Z'],
  ])('parses %j as the instant %s', (token, iso) => {
    // act
    const intent = intentOf(parseCommand(`resolve ${token} fixed`));

    // assess
    expect(intent).toEqual({ verb: 'resolve', time: { type: 'instant', iso }, resolution: 'fixed' });
  });

  it('normalizes instants exactly as Date does', () => {
    // prepare
    const tokens = ['2024-02-18T15:30Z', '2024-02-18T15:30:00+01:00', '2024-12-31T23:30:00.123-02:00'];

    // act
    const isos = tokens.map((token) => intentOf(parseCommand(`ack ${token}`)));

    // assess
    expect(isos).toEqual(
      tokens.map((token) => ({ verb: 'ack', time: { type: 'instant', iso: new Date(token).toISOString() } })),
    );
  });

  it.each(['24:00', '25:00', '12:61', '99:99', '15:30:00'])('refuses the time-like token %j', (token) => {
    // act
    const { error, usage } = errorOf(parseCommand(`log ${token} restarted lb-2`));

    // assess
    expect(error).toBe(`'${token}' is not a valid time; use HH:MM (24 h) or an ISO-8601 time with a zone.`);
    expect(usage).toBe(usageFor('log'));
  });

  it.each(['2024-02-18T15:30', '2024-02-18T15:30:00', '2024-02-18T15:30:00.000'])(
    'refuses the ISO time %j without a zone',
    (token) => {
      // act
      const { error } = errorOf(parseCommand(`severity ${token} sev1`));

      // assess
      expect(error).toBe(`'${token}' has no time zone; add Z or an offset, as in 2024-02-18T15:30Z.`);
    },
  );

  it.each([
    '2024-02-30T10:00Z',
    '2023-02-29T10:00Z',
    '2024-13-01T10:00Z',
    '2024-02-18T24:00Z',
    '2024-02-18T10:00+25:00',
  ])('refuses the impossible date-time %j', (token) => {
    // act
    const { error } = errorOf(parseCommand(`ack ${token}`));

    // assess
    expect(error).toBe(`'${token}' is not a date and time that exists.`);
  });

  it.each(['2024-02-18', '2024-02-18T3pm', '2024-2-18T15:30Z'])(
    'refuses the malformed ISO token %j',
    (token) => {
      // act
      const { error } = errorOf(parseCommand(`open ${token} Checkout is down`));

      // assess
      expect(error).toBe(`'${token}' is not a valid time; use HH:MM (24 h) or an ISO-8601 time with a zone.`);
    },
  );

  it('reads a number with a colon that cannot be a time as text', () => {
    // act
    const intent = intentOf(parseCommand('log 3:1 ratio of errors to successes'));

    // assess
    expect(intent).toEqual({ verb: 'log', kind: 'note', text: '3:1 ratio of errors to successes' });
  });

  it('reads a time on a verb that records no event as text', () => {
    // act
    const intent = intentOf(parseCommand('impact 15:30 onwards, logins failed'));

    // assess
    expect(intent).toEqual({ verb: 'impact', text: '15:30 onwards, logins failed' });
  });
});

describe('parseCommand: incident ids', () => {
  it.each([
    ['INC-7', 'INC-7'],
    ['inc-7', 'INC-7'],
    ['Inc-42', 'INC-42'],
    ['INC-007', 'INC-7'],
  ])('normalizes %j to %s', (token, ref) => {
    // act
    const intent = intentOf(parseCommand(`postmortem ${token}`));

    // assess
    expect(intent).toEqual({ verb: 'postmortem', ref });
  });

  it.each([
    [
      'log INC-7 action: restarted lb-2',
      { verb: 'log', ref: 'INC-7', kind: 'action', text: 'restarted lb-2' },
    ],
    ['impact INC-7 logins fail', { verb: 'impact', ref: 'INC-7', text: 'logins fail' }],
    ['cause INC-7 bad config', { verb: 'cause', ref: 'INC-7', text: 'bad config' }],
    ['severity INC-7 sev2', { verb: 'severity', ref: 'INC-7', severity: 'sev2' }],
    ['status INC-7 identified', { verb: 'status', ref: 'INC-7', status: 'identified' }],
    ['commander INC-7 <@U1>', { verb: 'commander', ref: 'INC-7', user: 'U1' }],
    ['ack INC-7', { verb: 'ack', ref: 'INC-7' }],
    ['escalate INC-7 sre', { verb: 'escalate', ref: 'INC-7', team: 'sre' }],
    ['fix INC-7 add alerts', { verb: 'follow-up', type: 'fix', ref: 'INC-7', text: 'add alerts' }],
    ['task INC-7 write docs', { verb: 'follow-up', type: 'task', ref: 'INC-7', text: 'write docs' }],
    ['resolve INC-7', { verb: 'resolve', ref: 'INC-7' }],
    ['postmortem INC-7', { verb: 'postmortem', ref: 'INC-7' }],
  ])('targets INC-7 with %j', (text, expected) => {
    // act
    const intent = intentOf(parseCommand(text, { teams: TEAMS }));

    // assess
    expect(intent).toEqual(expected);
  });

  it('reads the id before the time', () => {
    // act
    const intent = intentOf(parseCommand('log INC-12 16:10 misleading: blamed the database'));

    // assess
    expect(intent).toEqual({
      verb: 'log',
      ref: 'INC-12',
      time: clock(16, 10),
      kind: 'misleading',
      text: 'blamed the database',
    });
  });

  it.each(['INC-0', 'INC-000', 'INC-99999999999999999999'])('refuses the id %j', (token) => {
    // act
    const { error, usage } = errorOf(parseCommand(`ack ${token}`));

    // assess
    expect(error).toBe(`'${token}' is not an incident id; ids look like INC-7.`);
    expect(usage).toBe(usageFor('ack'));
  });
});

describe('parseCommand: log', () => {
  it.each(LOG_KINDS.map((kind) => [kind]))('parses the kind %s', (kind) => {
    // act
    const intent = intentOf(parseCommand(`log ${kind}: something happened`));

    // assess
    expect(intent).toEqual({ verb: 'log', kind, text: 'something happened' });
  });

  it('defaults the kind to note', () => {
    // act
    const intent = intentOf(parseCommand('log restarted lb-2'));

    // assess
    expect(intent).toEqual({ verb: 'log', kind: 'note', text: 'restarted lb-2' });
  });

  it('reads the kind case-insensitively', () => {
    // act
    const intent = intentOf(parseCommand('log ACTION: restarted lb-2'));

    // assess
    expect(intent).toEqual({ verb: 'log', kind: 'action', text: 'restarted lb-2' });
  });

  it('reads a kind glued to the text', () => {
    // act
    const intent = intentOf(parseCommand('log action:restarted lb-2'));

    // assess
    expect(intent).toEqual({ verb: 'log', kind: 'action', text: 'restarted lb-2' });
  });

  it('reads only the first kind; a second one is text', () => {
    // act
    const intent = intentOf(parseCommand('log cause: note: the cache'));

    // assess
    expect(intent).toEqual({ verb: 'log', kind: 'cause', text: 'note: the cache' });
  });

  it('keeps a glued word that names no kind, such as a URL, as text', () => {
    // act
    const intent = intentOf(parseCommand('log https://status.example.test is red'));

    // assess
    expect(intent).toEqual({ verb: 'log', kind: 'note', text: 'https://status.example.test is red' });
  });

  it('refuses an unknown kind, naming it and listing the kinds', () => {
    // act
    const { error, usage } = errorOf(parseCommand('log 15:38 acton: restarted lb-2'));

    // assess
    expect(error).toBe(
      "'acton:' is not a log kind; use one of detection, action, misleading, cause, escalation, resolution, note.",
    );
    expect(usage).toContain('/incident log [INC-n] [<time>] [<kind>:] <text>');
    expect(usage).toContain('kinds: detection, action, misleading, cause, escalation, resolution, note');
  });

  it.each(['log', 'log INC-3', 'log 15:30', 'log INC-3 15:30 action:', 'log note:   '])(
    'refuses %j without text',
    (text) => {
      // act
      const { error } = errorOf(parseCommand(text));

      // assess
      expect(error).toBe('Missing the text of the log entry.');
    },
  );

  it('keeps mentions in the text as typed and decodes escapes after them', () => {
    // act
    const intent = intentOf(parseCommand('log action: <@U1|ann> set lb weight &lt;50 &amp;&amp; drained'));

    // assess
    expect(intent).toEqual({ verb: 'log', kind: 'action', text: '<@U1|ann> set lb weight <50 && drained' });
  });

  it('decodes each escape once', () => {
    // act
    const intent = intentOf(parseCommand('log &amp;lt;b&amp;gt;'));

    // assess
    expect(intent).toEqual({ verb: 'log', kind: 'note', text: '&lt;b&gt;' });
  });
});

describe('parseCommand: impact and cause', () => {
  it.each(['impact', 'cause'] as const)('parses %s text', (verb) => {
    // act
    const intent = intentOf(parseCommand(`${verb}   30% of logins fail  `));

    // assess
    expect(intent).toEqual({ verb, text: '30% of logins fail' });
  });

  it.each([
    ['impact', 'Missing the impact statement.'],
    ['cause INC-4', 'Missing the root-cause summary.'],
  ])('refuses %j without text', (text, message) => {
    // act
    const { error } = errorOf(parseCommand(text));

    // assess
    expect(error).toBe(message);
  });
});

describe('parseCommand: severity and status', () => {
  it.each(['sev1', 'SEV1', 'Sev1'])('parses the severity %j', (token) => {
    // act
    const intent = intentOf(parseCommand(`severity 16:00 ${token}`));

    // assess
    expect(intent).toEqual({ verb: 'severity', time: clock(16, 0), severity: 'sev1' });
  });

  it.each([
    ['severity', 'Missing the severity; give one of sev1, sev2, sev3 or sev4.'],
    ['severity high', "'high' is not a severity; use sev1, sev2, sev3 or sev4."],
    ['severity sev5', "'sev5' is not a severity; use sev1, sev2, sev3 or sev4."],
    ['severity sev1 sev2', "Unexpected 'sev2'; give exactly one severity."],
    ['severity sev1 because', "Unexpected 'because'; give exactly one severity."],
  ])('refuses %j', (text, message) => {
    // act
    const { error, usage } = errorOf(parseCommand(text));

    // assess
    expect(error).toBe(message);
    expect(usage).toBe(usageFor('severity'));
  });

  it.each(['investigating', 'identified', 'monitoring'] as const)('parses the status %s', (status) => {
    // act
    const intent = intentOf(parseCommand(`status ${status.toUpperCase()}`));

    // assess
    expect(intent).toEqual({ verb: 'status', status });
  });

  it('sends resolved to the resolve command', () => {
    // act
    const { error } = errorOf(parseCommand('status Resolved'));

    // assess
    expect(error).toBe(
      "'Resolved' is not a status you can set; use /incident resolve to resolve the incident.",
    );
  });

  it.each([
    ['status', 'Missing the status; give one of investigating, identified or monitoring.'],
    ['status fixed', "'fixed' is not a status; use investigating, identified or monitoring."],
    ['status monitoring closely', "Unexpected 'closely'; give exactly one status."],
  ])('refuses %j', (text, message) => {
    // act
    const { error } = errorOf(parseCommand(text));

    // assess
    expect(error).toBe(message);
  });
});

describe('parseCommand: commander', () => {
  it.each([
    ['<@U123ABC>', 'U123ABC'],
    ['<@U123ABC|alice>', 'U123ABC'],
    ['<@W42XYZ|bob.smith>', 'W42XYZ'],
  ])('parses the mention %j', (mention, user) => {
    // act
    const intent = intentOf(parseCommand(`commander INC-2 17:00 ${mention}`));

    // assess
    expect(intent).toEqual({ verb: 'commander', ref: 'INC-2', time: clock(17, 0), user });
  });

  it.each([
    ['commander', 'Missing the commander; mention them with @.'],
    ['commander @alice', "'@alice' is not a user mention; mention the commander with @ so Slack links them."],
    [
      'commander &lt;@U1&gt;',
      "'<@U1>' is not a user mention; mention the commander with @ so Slack links them.",
    ],
    ['commander <@U1> <@U2>', "Unexpected '<@U2>'; give exactly one commander."],
    ['commander <@U1> please', "Unexpected 'please'; give exactly one commander."],
  ])('refuses %j', (text, message) => {
    // act
    const { error, usage } = errorOf(parseCommand(text));

    // assess
    expect(error).toBe(message);
    expect(usage).toBe(usageFor('commander'));
  });
});

describe('parseCommand: ack, resolve and postmortem', () => {
  it('parses a bare ack', () => {
    // act
    const intent = intentOf(parseCommand('ack'));

    // assess
    expect(intent).toEqual({ verb: 'ack' });
  });

  it('refuses words after ack', () => {
    // act
    const { error } = errorOf(parseCommand('ack 17:12 on it'));

    // assess
    expect(error).toBe("Unexpected 'on'; ack takes only an incident id and a time.");
  });

  it('parses a resolve without a resolution', () => {
    // act
    const intent = intentOf(parseCommand('resolve 18:45'));

    // assess
    expect(intent).toEqual({ verb: 'resolve', time: clock(18, 45) });
  });

  it('refuses words after postmortem', () => {
    // act
    const { error } = errorOf(parseCommand('postmortem INC-3 now'));

    // assess
    expect(error).toBe("Unexpected 'now'; postmortem takes only an incident id.");
  });
});

describe('parseCommand: escalate', () => {
  it('reads a known team in its canonical spelling and the reason after it', () => {
    // act
    const intent = intentOf(
      parseCommand('escalate SRE db  looks fine', { teams: ['oncall', 'SRE-Core', 'sre'] }),
    );

    // assess
    expect(intent).toEqual({ verb: 'escalate', team: 'sre', reason: 'db  looks fine' });
  });

  it('reads a first word that names no team as part of the reason', () => {
    // act
    const intent = intentOf(parseCommand('escalate database team needed', { teams: TEAMS }));

    // assess
    expect(intent).toEqual({ verb: 'escalate', reason: 'database team needed' });
  });

  it('reads everything as the reason when no teams are known', () => {
    // act
    const intent = intentOf(parseCommand('escalate sre please'));

    // assess
    expect(intent).toEqual({ verb: 'escalate', reason: 'sre please' });
  });

  it('parses a bare escalate', () => {
    // act
    const intent = intentOf(parseCommand('escalate', { teams: TEAMS }));

    // assess
    expect(intent).toEqual({ verb: 'escalate' });
  });

  it('parses a team alone', () => {
    // act
    const intent = intentOf(parseCommand('escalate INC-9 12:00 oncall', { teams: TEAMS }));

    // assess
    expect(intent).toEqual({ verb: 'escalate', ref: 'INC-9', time: clock(12, 0), team: 'oncall' });
  });

  it('asks "did you mean" for a first word within edit distance 2 of a team, and writes no intent', () => {
    // act
    const results = ['oncal', 'ONCLL', 'onclal', 'sr', 'srr'].map((word) =>
      parseCommand(`escalate INC-9 ${word} please look`, { teams: ['oncall', 'sre'] }),
    );

    // assess
    for (const [index, result] of results.entries()) {
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      const meant = index < 3 ? 'oncall' : 'sre';
      expect(result.error).toMatch(new RegExp(`^Did you mean \`${meant}\`\\?`));
      expect(result.error).toContain('Teams: oncall, sre');
      expect(result.usage).toContain('/incident escalate');
    }
  });

  it('keeps a word far from every team (or an everyday word near a three-letter team) in the reason', () => {
    // act
    const far = parseCommand('escalate dba please look', { teams: ['oncall', 'sre'] });
    const everyday = parseCommand('escalate the LB is down', { teams: ['oncall', 'sre'] });

    // assess
    expect(intentOf(far)).toEqual({ verb: 'escalate', reason: 'dba please look' });
    expect(intentOf(everyday)).toEqual({ verb: 'escalate', reason: 'the LB is down' });
  });
});

describe('parseCommand: fix and task', () => {
  it.each([
    ['fix add lb alerts <@U77>', 'fix', 'add lb alerts', 'U77'],
    ['task write the runbook <@W9|dana>', 'task', 'write the runbook', 'W9'],
    ['FIX add lb alerts', 'fix', 'add lb alerts', undefined],
  ])('parses %j', (text, type, body, owner) => {
    // act
    const intent = intentOf(parseCommand(text));

    // assess
    expect(intent).toEqual({ verb: 'follow-up', type, text: body, ...(owner ? { owner } : {}) });
  });

  it('takes only the trailing mention as owner and keeps inner mentions as typed', () => {
    // act
    const intent = intentOf(parseCommand('task pair with <@U1|ann> on lb &amp; db <@U2>'));

    // assess
    expect(intent).toEqual({
      verb: 'follow-up',
      type: 'task',
      text: 'pair with <@U1|ann> on lb & db',
      owner: 'U2',
    });
  });

  it('does not take an escaped mention as owner', () => {
    // act
    const intent = intentOf(parseCommand('fix ask &lt;@U1&gt;'));

    // assess
    expect(intent).toEqual({ verb: 'follow-up', type: 'fix', text: 'ask <@U1>' });
  });

  it.each([
    ['task <@U1>', 'Missing the text of the follow-up; the mention only names its owner.'],
    ['fix INC-2', 'Missing the text of the follow-up.'],
  ])('refuses %j', (text, message) => {
    // act
    const { error, usage } = errorOf(parseCommand(text));

    // assess
    expect(error).toBe(message);
    expect(usage).toBe(usageFor(text.split(' ')[0] ?? ''));
  });
});

describe('the seed scenario', () => {
  const lines = readFileSync(SEED, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('/incident'))
    .map((line) => line.slice('/incident'.length));

  function parseSeedLine(prefix: string): Intent {
    const line = lines.find((candidate) => candidate.trimStart().startsWith(prefix));
    if (line === undefined) throw new Error(`no seed line starts with ${prefix}`);
    return intentOf(parseCommand(line, { teams: TEAMS }));
  }

  it('parses every line', () => {
    // act
    const results = lines.map((line) => parseCommand(line, { teams: TEAMS }));

    // assess
    expect(lines).toHaveLength(20);
    expect(results.filter((result) => !result.ok)).toEqual([]);
  });

  it('parses the open line', () => {
    // act
    const intent = parseSeedLine('open');

    // assess
    expect(intent).toEqual({
      verb: 'open',
      time: { type: 'instant', iso: '2024-02-18T15:30:00.000Z' },
      severity: 'sev2',
      title: 'Login failures on the user authentication service',
    });
  });

  it('parses the detection line', () => {
    // act
    const intent = parseSeedLine('log 15:30 detection:');

    // assess
    expect(intent).toEqual({
      verb: 'log',
      time: clock(15, 30),
      kind: 'detection',
      text: 'A surge in error rates was identified through real-time monitoring alerts.',
    });
  });

  it('parses the escalate line with the sre team', () => {
    // act
    const intent = parseSeedLine('escalate');

    // assess
    expect(intent).toEqual({
      verb: 'escalate',
      time: clock(17, 5),
      team: 'sre',
      reason:
        'The incident was escalated to the System Reliability Engineering (SRE) team after the initial database-related investigation did not yield results.',
    });
  });

  it('parses the ack line', () => {
    // act
    const intent = parseSeedLine('ack');

    // assess
    expect(intent).toEqual({ verb: 'ack', time: clock(17, 12) });
  });

  it('parses the fix and task lines', () => {
    // act
    const followUps = lines
      .map((line) => intentOf(parseCommand(line, { teams: TEAMS })))
      .filter((intent) => intent.verb === 'follow-up');

    // assess
    expect(followUps).toEqual([
      {
        verb: 'follow-up',
        type: 'fix',
        text: 'Strengthen monitoring for load balancer configurations, implementing automated alerts for irregularities.',
      },
      {
        verb: 'follow-up',
        type: 'fix',
        text: 'Establish a rollback plan for configuration changes to quickly revert to a stable state in case of unexpected issues.',
      },
      {
        verb: 'follow-up',
        type: 'task',
        text: 'Implement a regular audit schedule for critical system configurations, including load balancers.',
      },
      {
        verb: 'follow-up',
        type: 'task',
        text: 'Conduct a thorough review of incident response procedures to enhance the efficiency of future investigations.',
      },
      {
        verb: 'follow-up',
        type: 'task',
        text: 'Enhance communication channels between teams to streamline incident escalation processes.',
      },
      {
        verb: 'follow-up',
        type: 'task',
        text: 'Provide additional training to the engineering team on recognizing and addressing misconfigurations promptly.',
      },
    ]);
  });

  it('parses the resolve line', () => {
    // act
    const intent = parseSeedLine('resolve');

    // assess
    expect(intent).toEqual({
      verb: 'resolve',
      time: clock(18, 45),
      resolution:
        'Load balancer settings were adjusted to evenly distribute incoming requests among authentication servers, eliminating the bottleneck. Communication protocols between the load balancer and authentication servers were fine-tuned to prevent similar misconfigurations.',
    });
  });

  it('gives every log line its kind and time', () => {
    // act
    const logs = lines
      .map((line) => intentOf(parseCommand(line, { teams: TEAMS })))
      .flatMap((intent) => (intent.verb === 'log' ? [[intent.kind, intent.time]] : []));

    // assess
    expect(logs).toEqual([
      ['detection', clock(15, 30)],
      ['action', clock(15, 38)],
      ['action', clock(15, 52)],
      ['misleading', clock(16, 10)],
      ['misleading', clock(16, 35)],
      ['cause', clock(17, 40)],
      ['resolution', clock(18, 15)],
      ['resolution', clock(18, 30)],
    ]);
  });
});

describe('usageFor and HELP_TEXT', () => {
  it('gives one line per verb in the reference', () => {
    // prepare
    const verbs = ['help', 'open', 'list', 'log', 'impact', 'cause', 'severity', 'status'];
    const more = ['commander', 'ack', 'escalate', 'fix', 'task', 'resolve', 'postmortem'];

    // act
    const lines = HELP_TEXT.split('\n');

    // assess
    for (const verb of [...verbs, ...more]) {
      expect(
        lines.filter(
          (line) => line.startsWith(`\`/incident ${verb} `) || line.startsWith(`\`/incident ${verb}\``),
        ),
      ).toHaveLength(1);
    }
  });

  it('shows the kinds in the usage of log', () => {
    // act
    const usage = usageFor('LOG');

    // assess
    expect(usage).toBe(
      '`/incident log [INC-n] [<time>] [<kind>:] <text>`  kinds: detection, action, misleading, cause, escalation, resolution, note (default note)  <time>: HH:MM (24 h) or ISO-8601 with a zone, e.g. 2024-02-18T15:30Z',
    );
  });

  it('gives both follow-up lines for follow-up and the reference for unknown verbs', () => {
    // act
    const followUp = usageFor('follow-up');
    const unknown = usageFor('frobnicate');

    // assess
    expect(followUp).toBe(`${usageFor('fix')}\n${usageFor('task')}`);
    expect(unknown).toBe(HELP_TEXT);
  });
});
