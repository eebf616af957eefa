/**
 * Which on-call handoffs a tick announces and whom a user group should hold (incidents/handoffs.ts,
 * pure), their Slack texts (slack/handoff-text.ts), and the tick itself (oncall/handoffs.ts) over an
 * in-memory store and Slack: each handoff told once, a failed send tried again.
 */
import {
  ANNOUNCE_WITHIN_MS,
  handoffsToAnnounce,
  overridesListedFrom,
  usergroupTargets,
} from '../../lambda/incidents/handoffs';
import type { OnCallOverride } from '../../lambda/incidents/oncall';
import { parsePolicy } from '../../lambda/incidents/policy';
import { syncOnCall } from '../../lambda/oncall/handoffs';
import { NoUsergroupsOnPlanError } from '../../lambda/slack/chat';
import { handoffChannelText, handoffDirectText } from '../../lambda/slack/handoff-text';

// A weekly rotation handing off on Mondays at 09:00 Berlin time (08:00 UTC in winter): Anna's week
// from 30 November, Ben's from 7 December, Carl's from 14 December.
const POLICY = parsePolicy(`schedules:
  sre:
    timezone: Europe/Berlin
    layers:
      - { name: primary, start: 2026-11-30T09:00, shift: 1w, members: [U0ANNA, U0BEN, U0CARL] }
    handoff_channel: C0SRE
    usergroup: S0SREONCALL
teams:
  sre: { schedule: sre }
  web: { slack: S0WEB }
escalation:
  default:
    - { after: 0m, notify: [sre] }
`);

const HANDOFF = '2026-12-07T08:00:00.000Z';

function override(
  partial: Partial<OnCallOverride> & Pick<OnCallOverride, 'user' | 'from' | 'to'>,
): OnCallOverride {
  return { id: 'ov1', team: 'sre', setBy: 'U0ALICE', setAt: partial.from, ...partial };
}

describe('handoffsToAnnounce', () => {
  it('announces the weekly 09:00 Europe/Berlin handoff: who, after whom, until when, who next', () => {
    // act
    const notices = handoffsToAnnounce(POLICY, [], '2026-12-07T08:00:30Z');

    // assess
    expect(notices).toEqual([
      {
        team: 'sre',
        schedule: 'sre',
        at: HANDOFF,
        user: 'U0BEN',
        previous: 'U0ANNA',
        until: '2026-12-14T08:00:00.000Z',
        next: 'U0CARL',
        handoffChannel: 'C0SRE',
      },
    ]);
  });

  it('names a handoff the same way on every tick that sees it, so its claim makes it told once', () => {
    // act
    const ticks = ['2026-12-07T08:00:30Z', '2026-12-07T08:01:30Z', '2026-12-07T08:01:30Z'].map((now) =>
      handoffsToAnnounce(POLICY, [], now).map(({ team, at, user }) => `${team}.${at}.${user}`),
    );

    // assess
    expect(new Set(ticks.flat())).toEqual(new Set([`sre.${HANDOFF}.U0BEN`]));
  });

  it('announces nothing before the handoff, and nothing noticed more than 15 minutes late', () => {
    // act
    const before = handoffsToAnnounce(POLICY, [], '2026-12-07T07:59:59Z');
    const lastChance = handoffsToAnnounce(
      POLICY,
      [],
      new Date(Date.parse(HANDOFF) + ANNOUNCE_WITHIN_MS).toISOString(),
    );
    const late = handoffsToAnnounce(
      POLICY,
      [],
      new Date(Date.parse(HANDOFF) + ANNOUNCE_WITHIN_MS + 1).toISOString(),
    );

    // assess
    expect(before).toEqual([]);
    expect(lastChance.map((notice) => notice.user)).toEqual(['U0BEN']);
    expect(late).toEqual([]);
  });

  it('counts the start and the end of cover set from Slack as handoffs', () => {
    // prepare: Dan covers Wednesday 13:00-15:00 UTC of Anna's week
    const cover = [
      override({ user: 'U0DAN', from: '2026-12-02T13:00:00.000Z', to: '2026-12-02T15:00:00.000Z' }),
    ];

    // act
    const start = handoffsToAnnounce(POLICY, cover, '2026-12-02T13:00:30Z');
    const end = handoffsToAnnounce(POLICY, cover, '2026-12-02T15:02:00Z');

    // assess
    expect(start).toEqual([
      expect.objectContaining({
        at: '2026-12-02T13:00:00.000Z',
        user: 'U0DAN',
        previous: 'U0ANNA',
        until: '2026-12-02T15:00:00.000Z',
        next: 'U0ANNA',
      }),
    ]);
    expect(end).toEqual([
      expect.objectContaining({ at: '2026-12-02T15:00:00.000Z', user: 'U0ANNA', previous: 'U0DAN' }),
    ]);
  });

  it('lists cover from far enough back that an ended override still shapes the stretch', () => {
    expect(overridesListedFrom('2026-12-10T00:00:00.000Z')).toBe('2026-12-02T00:00:00.000Z');
  });

  it('announces nothing without a policy or schedules', () => {
    expect(handoffsToAnnounce(undefined, [], '2026-12-07T08:00:30Z')).toEqual([]);
    expect(
      handoffsToAnnounce(parsePolicy('teams:\n  web: { slack: S0WEB }\n'), [], '2026-12-07T08:00:30Z'),
    ).toEqual([]);
  });
});

describe('usergroupTargets', () => {
  it('holds the person on call, however long ago their stretch began, with the cover that has begun', () => {
    // prepare: a planned override (next week) does not shape who is on call now
    const planned = override({
      id: 'later',
      user: 'U0DAN',
      from: '2026-12-20T00:00:00.000Z',
      to: '2026-12-21T00:00:00.000Z',
    });

    // act
    const targets = usergroupTargets(POLICY, [planned], '2026-12-09T12:00:00Z');

    // assess
    expect(targets).toEqual([
      {
        usergroup: 'S0SREONCALL',
        schedule: 'sre',
        users: ['U0BEN'],
        since: HANDOFF,
        until: '2026-12-14T08:00:00.000Z',
        coverIds: [],
      },
    ]);
  });

  it('follows cover set from Slack, naming it', () => {
    const cover = [
      override({
        id: 'ov7',
        user: 'U0DAN',
        from: '2026-12-09T11:00:00.000Z',
        to: '2026-12-09T13:00:00.000Z',
      }),
    ];

    expect(usergroupTargets(POLICY, cover, '2026-12-09T12:00:00Z')).toEqual([
      expect.objectContaining({ users: ['U0DAN'], since: '2026-12-09T11:00:00.000Z', coverIds: ['ov7'] }),
    ]);
  });
});

describe('handoff texts', () => {
  const notice = handoffsToAnnounce(POLICY, [], '2026-12-07T08:00:30Z')[0];
  if (!notice) throw new Error('no handoff');

  it('tells the person coming on call until when, who is next and how many incidents are open', () => {
    expect(handoffDirectText(notice, 2, 'Europe/Berlin')).toBe(
      ':pager: You are now on call for *sre* until December 14, 2026, 09:00 GMT+1; next: <@U0CARL>. 2 incidents are open: `/incident list`. Who is on call for every team: `/incident oncall`.',
    );
    expect(handoffDirectText(notice, 0, 'Europe/Berlin')).not.toContain('open');
  });

  it('posts one line in the handoff channel naming both people', () => {
    expect(handoffChannelText(notice, 'Europe/Berlin')).toBe(
      '*sre*: <@U0BEN> is on call now (after <@U0ANNA>) until December 14, 2026, 09:00 GMT+1.',
    );
  });
});

describe('syncOnCall (in-memory store and Slack)', () => {
  function world(now: string) {
    const claims = new Set<string>();
    const posts: { channel: string; text: string }[] = [];
    const groups: { usergroup: string; users: readonly string[] }[] = [];
    const lines: string[] = [];
    let clock = new Date(now);
    const failing = { post: 0, group: undefined as Error | undefined };
    const deps = {
      store: {
        claim: async (key: string) => {
          if (claims.has(key)) return false;
          claims.add(key);
          return true;
        },
        renewClaim: async () => {},
        releaseClaim: async (key: string) => void claims.delete(key),
        addOnCallOverride: async () => true,
        listOnCallOverrides: async () => [],
        removeOnCallOverride: async () => undefined,
        listOpenIncidents: async () => [],
      },
      chat: {
        postMessage: async (channel: string, message: { text: string }) => {
          if (failing.post > 0) {
            failing.post--;
            throw new Error('Slack is down');
          }
          posts.push({ channel, text: message.text });
          return '1.0';
        },
        setUsergroupMembers: async (usergroup: string, users: readonly string[]) => {
          if (failing.group) throw failing.group;
          groups.push({ usergroup, users });
        },
      },
      clock: { now: () => clock },
      policy: POLICY,
      timeZone: 'Europe/Berlin',
      log: (line: string) => void lines.push(line),
    };
    return { deps, posts, groups, lines, failing, setNow: (iso: string) => (clock = new Date(iso)) };
  }

  it('tells a handoff once over two ticks, and syncs the group once', async () => {
    // prepare
    const w = world('2026-12-07T08:00:30Z');

    // act
    await syncOnCall(w.deps);
    w.setNow('2026-12-07T08:01:30Z');
    await syncOnCall(w.deps);

    // assess
    expect(w.posts.map((post) => post.channel)).toEqual(['U0BEN', 'C0SRE']);
    expect(w.groups).toEqual([{ usergroup: 'S0SREONCALL', users: ['U0BEN'] }]);
  });

  it('gives the claim of a failed DM back, logs it, and sends it on the next tick', async () => {
    // prepare
    const w = world('2026-12-07T08:00:30Z');
    w.failing.post = 1;

    // act
    const first = await syncOnCall(w.deps);
    w.setNow('2026-12-07T08:01:30Z');
    const second = await syncOnCall(w.deps);

    // assess
    expect(first.failed).toEqual([`sre ${HANDOFF} U0BEN dm`]);
    expect(w.lines).toEqual([
      `handoff of sre to U0BEN at ${HANDOFF}: the DM failed (The Slack call failed unexpectedly); tried again next minute`,
    ]);
    expect(second.sent).toEqual([`sre ${HANDOFF} U0BEN dm`]);
    expect(w.posts.map((post) => post.channel)).toEqual(['C0SRE', 'U0BEN']);
  });

  it('skips a user group the plan cannot have with one line, and does not try it every tick', async () => {
    // prepare
    const w = world('2026-12-07T08:00:30Z');
    w.failing.group = new NoUsergroupsOnPlanError('paid_teams_only');

    // act
    const first = await syncOnCall(w.deps);
    w.setNow('2026-12-07T08:01:30Z');
    const second = await syncOnCall(w.deps);

    // assess
    expect(first.skipped).toEqual([`S0SREONCALL ${HANDOFF} U0BEN`]);
    expect(second.skipped).toEqual([]);
    expect(w.lines).toEqual([
      "usergroup S0SREONCALL not synced: the workspace's Slack plan has no user groups (paid_teams_only)",
    ]);
  });

  it('tries a user group again next tick after another failure', async () => {
    // prepare
    const w = world('2026-12-07T08:00:30Z');
    w.failing.group = new Error('socket hang up');

    // act
    await syncOnCall(w.deps);
    w.failing.group = undefined;
    w.setNow('2026-12-07T08:01:30Z');
    await syncOnCall(w.deps);

    // assess
    expect(w.lines).toHaveLength(1);
    expect(w.lines[0]).toMatch(/^usergroup S0SREONCALL not synced to U0BEN \(.+\); tried again next minute$/);
    expect(w.groups).toEqual([{ usergroup: 'S0SREONCALL', users: ['U0BEN'] }]);
  });
});
