/**
 * `/incident oncall [team]` (lambda/incidents/verbs/oncall.ts): its words, and what it answers at a
 * fixed instant from a policy with schedules, as the responder reads it in Slack.
 */
import { parseCommand, usageFor } from '../../lambda/incidents/grammar';
import type { Outcome } from '../../lambda/incidents/message';
import type { OnCallOverride } from '../../lambda/incidents/oncall';
import { parsePolicy } from '../../lambda/incidents/policy';
import type { VerbTools } from '../../lambda/incidents/verb';
import { oncall } from '../../lambda/incidents/verbs/oncall';
import { renderOutcome } from '../../lambda/slack/message';
import type { OnCallOverrides } from '../../lambda/store/store';

const POLICY = parsePolicy(`schedules:
  sre:
    timezone: Europe/Berlin
    layers:
      - { name: primary, start: 2026-11-30T09:00, shift: 1w, members: [U0ANNA, U0BEN, U0CARL] }
teams:
  sre: { schedule: sre }
  web: { slack: S0WEB }
escalation:
  default:
    - { after: 0m, notify: [sre, web] }
`);
const TEAMS = ['sre', 'web'];

/** The store's override port, in memory: what the verb writes is what it reads back. */
function memoryOverrides(): OnCallOverrides & { all: OnCallOverride[] } {
  const all: OnCallOverride[] = [];
  return {
    all,
    addOnCallOverride: async (override) => {
      if (all.some((o) => o.id === override.id)) return false;
      all.push(override);
      return true;
    },
    listOnCallOverrides: async (nowIso) => all.filter((o) => o.to > nowIso),
    removeOnCallOverride: async (id) => {
      const index = all.findIndex((o) => o.id === id);
      return index < 0 ? undefined : all.splice(index, 1)[0];
    },
  };
}

function tools(now: string, policy = POLICY, overrides = memoryOverrides(), requestId = 't-1.2'): VerbTools {
  return {
    now,
    tz: 'Europe/Berlin',
    userId: 'U0ASKER',
    policy,
    requestId,
    overrides,
    followUps: async () => [],
    incidentsDeclaredSince: async () => [],
    listOpen: async () => [],
    declare: async () => {
      throw new Error('oncall declares nothing');
    },
    reference: '',
    usage: usageFor,
  };
}

const said = (outcome: Outcome) => renderOutcome(outcome);

describe('/incident oncall', () => {
  it.each([
    ['oncall', { verb: 'oncall' }],
    ['ONCALL SRE', { verb: 'oncall', team: 'sre' }],
  ])('reads %j', (text, intent) => {
    expect(parseCommand(text, { teams: TEAMS })).toEqual({ ok: true, intent });
  });

  it('refuses a word that is not a team, suggesting the nearest, and more than one team', () => {
    expect(parseCommand('oncall sr', { teams: TEAMS })).toMatchObject({
      ok: false,
      error: "Did you mean `sre`? 'sr' is not a team of the escalation policy. Teams: sre, web.",
    });
    expect(parseCommand('oncall sre web', { teams: TEAMS })).toMatchObject({
      ok: false,
      error: "Unexpected 'web'; give at most one team.",
    });
  });

  it('names who is on call for each team with a schedule, until when, and who is next', async () => {
    // Anna's week runs from Monday 30 November 09:00 Berlin (08:00 UTC) to Monday 7 December 09:00.
    const outcome = await oncall.answer({ verb: 'oncall' }, tools('2026-12-02T13:00:00.000Z'));
    expect(outcome.visibility).toBe('user');
    expect(said(outcome)).toBe(
      '*On call now*\n• *sre*: <@U0ANNA>, until December 7, 2026, 09:00 GMT+1; then <@U0BEN>',
    );
  });

  it('hands over at 09:00 Berlin time: a minute before and at the handoff', async () => {
    const before = await oncall.answer({ verb: 'oncall', team: 'sre' }, tools('2026-12-07T07:59:00.000Z'));
    const after = await oncall.answer({ verb: 'oncall', team: 'sre' }, tools('2026-12-07T08:00:00.000Z'));
    expect(said(before)).toContain('<@U0ANNA>, until');
    expect(said(after)).toContain('*sre*: <@U0BEN>, until December 14, 2026, 09:00 GMT+1; then <@U0CARL>');
  });

  it('says so when the team, or every team, has no schedule', async () => {
    expect(
      said(await oncall.answer({ verb: 'oncall', team: 'web' }, tools('2026-12-02T13:00:00.000Z'))),
    ).toBe('web has no on-call schedule: it is paged through its other channels.');
    const none = parsePolicy('teams:\n  web: { slack: S0WEB }\n');
    expect(said(await oncall.answer({ verb: 'oncall' }, tools('2026-12-02T13:00:00.000Z', none)))).toBe(
      'No team has an on-call schedule. Add `schedules:` to the escalation policy (docs/policy.md).',
    );
  });

  describe('override', () => {
    it.each([
      ['oncall override sre <@U0DANA> 4h', { user: 'U0DANA', minutes: 240 }],
      ['oncall OVERRIDE SRE <@U0DANA|Dana Smith> 2d', { user: 'U0DANA', minutes: 2880 }],
      [
        'oncall override sre <@U0DANA> until 18:00',
        { user: 'U0DANA', until: { type: 'clock', hour: 18, minute: 0 } },
      ],
      [
        'oncall override sre <@U0DANA> until 2026-12-04T09:00Z',
        { user: 'U0DANA', until: { type: 'instant', iso: '2026-12-04T09:00:00.000Z' } },
      ],
    ])('reads %j', (text, override) => {
      expect(parseCommand(text, { teams: TEAMS })).toEqual({
        ok: true,
        intent: { verb: 'oncall', team: 'sre', override },
      });
    });

    it.each([
      ['oncall override', 'Name the team to cover, then the person.'],
      ['oncall override sr <@U0DANA> 4h', "Did you mean `sre`? 'sr' is not a team of the escalation policy."],
      ['oncall override sre dana 4h', "'dana' is not a user mention; mention the person who covers with @"],
      ['oncall override sre <@U0DANA>', 'Say for how long (30m, 4h, 2d, 1w) or `until <time>`.'],
      ['oncall override sre <@U0DANA> 4 hours', "'4' is not a duration; use 30m, 4h, 2d or 1w"],
      ['oncall override sre <@U0DANA> 91d', 'An override lasts at most 90 days'],
      ['oncall override sre <@U0DANA> until tomorrow', 'Say until when: <time>: HH:MM'],
      ['oncall override sre <@U0DANA> 4h please', "Unexpected 'please'; give one duration."],
      ['oncall overrides delete k3x9q2', "'delete' is not something overrides can do"],
      ['oncall overrides remove', 'Name the override to remove by its id'],
      ['oncall overrides remove INC-7', "'inc-7' is not an override id"],
    ])('refuses %j, saying why', (text, error) => {
      const parsed = parseCommand(text, { teams: TEAMS });
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? '' : parsed.error).toContain(error);
    });

    it('puts the person on call at once, says so in `oncall` with who set it, and lists it', async () => {
      const store = memoryOverrides();
      const now = '2026-12-02T13:00:00.000Z';
      const set = await oncall.answer(
        { verb: 'oncall', team: 'sre', override: { user: 'U0DANA', minutes: 240 } },
        tools(now, POLICY, store),
      );
      const [stored] = store.all;
      expect(stored).toEqual({
        id: expect.stringMatching(/^[a-z0-9]{6}$/),
        team: 'sre',
        user: 'U0DANA',
        from: now,
        to: '2026-12-02T17:00:00.000Z',
        setBy: 'U0ASKER',
        setAt: now,
      });
      const id = stored?.id as string;
      expect(said(set)).toBe(
        `<@U0DANA> is on call for sre until December 2, 2026, 18:00 GMT+1 (override \`${id}\`, set by <@U0ASKER>). Pages for sre go to them. Remove it with \`/incident oncall overrides remove ${id}\`.`,
      );
      expect(said(await oncall.answer({ verb: 'oncall' }, tools(now, POLICY, store)))).toBe(
        `*On call now*\n• *sre*: <@U0DANA> (override \`${id}\`, set by <@U0ASKER>), until December 2, 2026, 18:00 GMT+1; then <@U0ANNA>`,
      );
      expect(said(await oncall.answer({ verb: 'oncall', list: true }, tools(now, POLICY, store)))).toBe(
        `*On-call overrides* (remove one with \`/incident oncall overrides remove &lt;id&gt;\`)\n• \`${id}\` *sre*: <@U0DANA> from December 2, 2026, 14:00 GMT+1 until December 2, 2026, 18:00 GMT+1, set by <@U0ASKER>`,
      );
      // Over at its end: Anna is back, and the list no longer shows it.
      const later = '2026-12-02T17:00:00.000Z';
      expect(
        said(await oncall.answer({ verb: 'oncall', team: 'sre' }, tools(later, POLICY, store))),
      ).toContain('*sre*: <@U0ANNA>, until December 7');
      expect(said(await oncall.answer({ verb: 'oncall', list: true }, tools(later, POLICY, store)))).toBe(
        'No on-call overrides. Set one with `/incident oncall override &lt;team&gt; &lt;@user&gt; &lt;duration&gt;`.',
      );
    });

    it('the same request stores one override; the latest of two overlapping ones wins', async () => {
      const store = memoryOverrides();
      const now = '2026-12-02T13:00:00.000Z';
      const intent = { verb: 'oncall' as const, team: 'sre', override: { user: 'U0DANA', minutes: 240 } };
      await oncall.answer(intent, tools(now, POLICY, store, 't-1.2'));
      await oncall.answer(intent, tools(now, POLICY, store, 't-1.2'));
      expect(store.all).toHaveLength(1);
      const later = '2026-12-02T14:00:00.000Z';
      await oncall.answer(
        { ...intent, override: { user: 'U0ERIK', minutes: 60 } },
        tools(later, POLICY, store, 't-3.4'),
      );
      expect(
        said(await oncall.answer({ verb: 'oncall', team: 'sre' }, tools(later, POLICY, store))),
      ).toContain('*sre*: <@U0ERIK> (override');
      // Erik's hour over, Dana's cover is still on.
      expect(
        said(
          await oncall.answer(
            { verb: 'oncall', team: 'sre' },
            tools('2026-12-02T15:00:00.000Z', POLICY, store),
          ),
        ),
      ).toContain('*sre*: <@U0DANA> (override');
    });

    it('`until HH:MM` is the next such local time; an instant in the past is refused', async () => {
      const store = memoryOverrides();
      const now = '2026-12-02T20:00:00.000Z'; // 21:00 in Berlin: 08:00 is tomorrow's
      await oncall.answer(
        {
          verb: 'oncall',
          team: 'sre',
          override: { user: 'U0DANA', until: { type: 'clock', hour: 8, minute: 0 } },
        },
        tools(now, POLICY, store),
      );
      expect(store.all[0]?.to).toBe('2026-12-03T07:00:00.000Z');
      const past = await oncall.answer(
        {
          verb: 'oncall',
          team: 'sre',
          override: { user: 'U0DANA', until: { type: 'instant', iso: '2026-12-01T00:00:00.000Z' } },
        },
        tools(now, POLICY, store, 't-9.9'),
      );
      expect(said(past)).toBe('December 1, 2026, 01:00 GMT+1 has passed; cover must end in the future.');
      expect(store.all).toHaveLength(1);
    });

    it('refuses cover for a team without a schedule, and writes nothing', async () => {
      const store = memoryOverrides();
      const outcome = await oncall.answer(
        { verb: 'oncall', team: 'web', override: { user: 'U0DANA', minutes: 60 } },
        tools('2026-12-02T13:00:00.000Z', POLICY, store),
      );
      expect(said(outcome)).toContain('web has no on-call schedule, so nobody can cover it');
      expect(store.all).toHaveLength(0);
    });

    it('removes an override by id, and says so when there is none', async () => {
      const store = memoryOverrides();
      const now = '2026-12-02T13:00:00.000Z';
      await oncall.answer(
        { verb: 'oncall', team: 'sre', override: { user: 'U0DANA', minutes: 60 } },
        tools(now, POLICY, store),
      );
      const id = store.all[0]?.id as string;
      expect(said(await oncall.answer({ verb: 'oncall', remove: id }, tools(now, POLICY, store)))).toBe(
        `Removed override \`${id}\`: <@U0DANA> no longer covers sre (set by <@U0ASKER> for December 2, 2026, 14:00 GMT+1 to December 2, 2026, 15:00 GMT+1).`,
      );
      expect(store.all).toHaveLength(0);
      expect(said(await oncall.answer({ verb: 'oncall', remove: id }, tools(now, POLICY, store)))).toBe(
        `No override has the id \`${id}\`; \`/incident oncall overrides\` lists them.`,
      );
    });
  });
});
