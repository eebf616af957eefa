/**
 * `/incident oncall [team]` (lambda/incidents/verbs/oncall.ts): its words, and what it answers at a
 * fixed instant from a policy with schedules, as the responder reads it in Slack.
 */
import { parseCommand, usageFor } from '../../lambda/incidents/grammar';
import type { Outcome } from '../../lambda/incidents/message';
import { parsePolicy } from '../../lambda/incidents/policy';
import type { VerbTools } from '../../lambda/incidents/verb';
import { oncall } from '../../lambda/incidents/verbs/oncall';
import { renderOutcome } from '../../lambda/slack/message';

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

function tools(now: string, policy = POLICY): VerbTools {
  return {
    now,
    tz: 'Europe/Berlin',
    userId: 'U0ASKER',
    policy,
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
});
