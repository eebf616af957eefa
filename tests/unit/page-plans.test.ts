/**
 * The tier planners and page plans, table by table: planTiers, reasonNotToPage, pagedTeams and
 * nextTier (lambda/incidents/escalation.ts); wantedPages, pendingPages, teamsReached and
 * pendingPagerNotices (lambda/incidents/progress.ts). Pure: a hand-made record and a moment in epoch
 * ms in, plans out.
 */
import {
  nextTier,
  type PlannedTier,
  pagedTeams,
  planTiers,
  reasonNotToPage,
} from '../../lambda/incidents/escalation';
import { type EscalationPolicy, parsePolicy } from '../../lambda/incidents/policy';
import {
  PAGES_ACKNOWLEDGED,
  PAGES_RESOLVED,
  pendingPagerNotices,
  pendingPages,
  teamsReached,
  wantedPages,
} from '../../lambda/incidents/progress';
import {
  BOT_AUTHOR,
  type Incident,
  type IncidentRecord,
  type Severity,
  type StepState,
  type TimelineEvent,
} from '../../lambda/incidents/types';
import { anEvent, anIncident, aRecord, minutesAfterDeclared, THREE_TEAMS } from '../fixtures/incidents';

// anIncident() is sev2, declared at 15:30Z.
const at = minutesAfterDeclared;
const iso = (minutes: number) => new Date(at(minutes)).toISOString();

const POLICY: EscalationPolicy = parsePolicy(`${THREE_TEAMS}escalation:
  default:
    - { after: 0m,  notify: [oncall] }
    - { after: 15m, notify: [oncall, sre] }
    - { after: 30m, notify: [dba] }
  sev1:
    - { after: 0m,  notify: [oncall, sre] }
    - { after: 10m, notify: [dba] }
`);
/** No `default`: a severity without its own list pages nobody. */
const SEV1_ONLY: EscalationPolicy = parsePolicy(`
teams:
  oncall: { slack: S0ONCALL }
escalation:
  sev1:
    - { after: 5m, notify: [oncall] }
`);

/** A page step that reached its team. */
const delivered = (name: string, team: string): StepState => ({
  name,
  state: 'done',
  attempts: 1,
  result: { team, delivered: [`slack:${team}`] },
});
/** A page step that gave up: no channel took it, and it will not be tried again. */
const failedForGood = (name: string, team: string): StepState => ({
  name,
  state: 'failed',
  attempts: 5,
  permanent: true,
  error: 'HTTP 400 invalid routing key',
  result: { team, delivered: [] },
});
/** A page step that failed and is retried at `retryAt`. */
const failedUntil = (name: string, team: string, retryAt: number): StepState => ({
  name,
  state: 'failed',
  attempts: 1,
  retryAt,
  error: 'timeout',
  result: { team },
});
const running = (name: string, team: string, leaseUntil: number): StepState => ({
  name,
  state: 'running',
  attempts: 1,
  leasedAt: at(0),
  leaseUntil,
  result: { team },
});
const doneStep = (name: string): StepState => ({ name, state: 'done', attempts: 1 });
const failedStep = (name: string, permanent: boolean): StepState => ({
  name,
  state: 'failed',
  attempts: 1,
  error: 'boom',
  ...(permanent ? { permanent } : { retryAt: at(60) }),
});

/** `/incident escalate` as stored: typed by a person, with the teams it pages fixed on the event. */
function manualEscalation(id: string, pageTeams: string[], text = 'Need the database people'): TimelineEvent {
  return anEvent({
    id,
    at: iso(2),
    recordedAt: iso(2),
    kind: 'escalation',
    text,
    author: 'U0ALICE',
    pageTeams,
  });
}
/** The escalation event the bot writes when a page went out (or failed everywhere). */
function botPage(team: string, failed = false): TimelineEvent {
  return anEvent({
    id: `page-${team}`,
    at: iso(1),
    recordedAt: iso(1),
    kind: 'escalation',
    text: `Paged ${team}`,
    author: BOT_AUTHOR,
    team,
    page: { tier: 0, channels: failed ? [] : ['slack'], failed },
  });
}

describe('planTiers: which tiers a severity calls for and when each is due', () => {
  const tier = (severity: Severity, index: number, teams: string[], minutes: number): PlannedTier => ({
    severity,
    tier: index,
    teams,
    dueAt: iso(minutes),
  });
  it.each<[string, EscalationPolicy | undefined, Partial<Incident>, PlannedTier[]]>([
    ['no policy plans nothing', undefined, {}, []],
    [
      'a severity without its own list follows the default tiers, counted from the declaration',
      POLICY,
      {},
      [tier('sev2', 0, ['oncall'], 0), tier('sev2', 1, ['oncall', 'sre'], 15), tier('sev2', 2, ['dba'], 30)],
    ],
    [
      'a severity with its own list follows that list',
      POLICY,
      { severity: 'sev1' },
      [tier('sev1', 0, ['oncall', 'sre'], 0), tier('sev1', 1, ['dba'], 10)],
    ],
    [
      'a back-dated start does not make tiers due earlier: they count from the declaration',
      POLICY,
      { severity: 'sev1', startedAt: '2024-02-18T13:00:00.000Z' },
      [tier('sev1', 0, ['oncall', 'sre'], 0), tier('sev1', 1, ['dba'], 10)],
    ],
    ['a severity with no list and no default plans nothing', SEV1_ONLY, { severity: 'sev3' }, []],
    [
      'the one listed severity of a policy without default is planned',
      SEV1_ONLY,
      { severity: 'sev1' },
      [tier('sev1', 0, ['oncall'], 5)],
    ],
  ])('%s', (_name, policy, incident, expected) => {
    expect(planTiers(policy, anIncident(incident))).toEqual(expected);
  });
});

describe('reasonNotToPage: whether a due tier should still page', () => {
  it.each<[string, Partial<Incident>, Severity, string | undefined]>([
    ['an open, unacknowledged tier of the current severity pages', {}, 'sev2', undefined],
    ['a resolved incident pages nothing', { status: 'resolved', resolvedAt: iso(5) }, 'sev2', 'resolved'],
    [
      'resolution wins over acknowledgement',
      { status: 'resolved', resolvedAt: iso(5), acknowledgedAt: iso(1) },
      'sev2',
      'resolved',
    ],
    ['an acknowledged incident stops automatic pages', { acknowledgedAt: iso(1) }, 'sev2', 'acknowledged'],
    [
      'a tier of an earlier severity was re-planned away',
      { severity: 'sev1' },
      'sev2',
      're-planned for sev1',
    ],
  ])('%s', (_name, incident, severity, expected) => {
    expect(reasonNotToPage(anIncident(incident), severity)).toBe(expected);
  });
});

describe('pagedTeams: teams that took a page, in order', () => {
  it.each<[string, TimelineEvent[], string[]]>([
    ['nothing paged yet', [], []],
    ['a page the bot sent counts its team', [botPage('oncall')], ['oncall']],
    ['a page that failed everywhere does not count', [botPage('oncall', true)], []],
    [
      'a team paged twice is listed once, in first-paged order',
      [botPage('sre'), botPage('oncall'), botPage('sre')],
      ['sre', 'oncall'],
    ],
    [
      'an escalation without a team (a bare `escalate`) names nobody',
      [{ ...manualEscalation('e1', ['oncall']), pageTeams: [] }],
      [],
    ],
    [
      'events of other kinds are ignored even when they carry a team',
      [{ ...botPage('dba'), kind: 'note' }],
      [],
    ],
  ])('%s', (_name, events, expected) => {
    expect(pagedTeams(events)).toEqual(expected);
  });
});

describe('nextTier: the tier a bare `/incident escalate` pages', () => {
  const plan = planTiers(POLICY, anIncident());
  it.each<[string, string[], number | undefined]>([
    ['with nobody paged it is the first tier', [], 0],
    ['once the first tier’s team was paged it is the tier with a new team', ['oncall'], 1],
    ['a tier whose every team was paged is skipped', ['oncall', 'sre'], 2],
    ['a later tier’s team paged early does not skip an earlier tier', ['dba'], 0],
    ['with every team paged there is no next tier', ['oncall', 'sre', 'dba'], undefined],
  ])('%s', (_name, paged, expected) => {
    expect(nextTier(plan, paged)?.tier).toBe(expected);
  });
});

describe('wantedPages: the pages an incident calls for by now', () => {
  it.each<[string, IncidentRecord, EscalationPolicy | undefined, number, string[]]>([
    ['without a policy nothing is paged', aRecord(), undefined, at(60), []],
    ['tier 0 is due at the declaration', aRecord(), POLICY, at(0), ['page.sev2.t0.oncall']],
    ['a tier is not due a moment before its time', aRecord(), POLICY, at(15) - 1, ['page.sev2.t0.oncall']],
    [
      'a tier is due at its time, and a team an earlier tier pages is not paged again',
      aRecord(),
      POLICY,
      at(15),
      ['page.sev2.t0.oncall', 'page.sev2.t1.sre'],
    ],
    [
      'every due tier is wanted',
      aRecord(),
      POLICY,
      at(45),
      ['page.sev2.t0.oncall', 'page.sev2.t1.sre', 'page.sev2.t2.dba'],
    ],
    [
      'a resolved incident pages nothing',
      aRecord({ status: 'resolved', resolvedAt: iso(5) }),
      POLICY,
      at(45),
      [],
    ],
    [
      'a resolved incident pages nothing, not even a manual escalation',
      aRecord({ status: 'resolved', resolvedAt: iso(5) }, [], [manualEscalation('e1', ['dba'])]),
      POLICY,
      at(45),
      [],
    ],
    [
      'acknowledgement stops the automatic pages, even those due before it',
      aRecord({ acknowledgedAt: iso(1) }),
      POLICY,
      at(45),
      [],
    ],
    [
      'acknowledgement does not stop a manual escalation',
      aRecord({ acknowledgedAt: iso(1) }, [], [manualEscalation('e1', ['dba'])]),
      POLICY,
      at(45),
      ['page.manual.e1.dba'],
    ],
    [
      'a manual escalation pages each of its teams, one step per team',
      aRecord({ acknowledgedAt: iso(1) }, [], [manualEscalation('e1', ['oncall', 'sre'])]),
      POLICY,
      at(3),
      ['page.manual.e1.oncall', 'page.manual.e1.sre'],
    ],
    [
      'two manual escalations to one team page it twice (each is asked for by hand)',
      aRecord(
        { acknowledgedAt: iso(1) },
        [],
        [manualEscalation('e1', ['dba']), manualEscalation('e2', ['dba'])],
      ),
      POLICY,
      at(3),
      ['page.manual.e1.dba', 'page.manual.e2.dba'],
    ],
    [
      'a team a manual escalation pages is not paged again by a later tier',
      aRecord({}, [], [manualEscalation('e1', ['sre'])]),
      POLICY,
      at(15),
      ['page.manual.e1.sre', 'page.sev2.t0.oncall'],
    ],
    [
      'a manual escalation to a team the policy does not know pages nobody',
      aRecord({ acknowledgedAt: iso(1) }, [], [manualEscalation('e1', ['nobody'])]),
      POLICY,
      at(3),
      [],
    ],
    [
      'escalation events the bot wrote are not manual escalations',
      aRecord({ acknowledgedAt: iso(1) }, [], [{ ...manualEscalation('e1', ['dba']), author: BOT_AUTHOR }]),
      POLICY,
      at(3),
      [],
    ],
    [
      'a team that took a page (per the timeline) is not paged by a tier that has no step of its own',
      aRecord({}, [], [botPage('oncall')]),
      POLICY,
      at(15),
      ['page.sev2.t1.sre'],
    ],
    [
      'a team whose page failed everywhere (per the timeline) is still paged by the tier',
      aRecord({}, [], [botPage('oncall', true)]),
      POLICY,
      at(0),
      ['page.sev2.t0.oncall'],
    ],
    [
      'a page delivered stays wanted (finished), and its team is not paged by the next tier',
      aRecord({}, [delivered('page.sev2.t0.oncall', 'oncall')]),
      POLICY,
      at(15),
      ['page.sev2.t0.oncall', 'page.sev2.t1.sre'],
    ],
    [
      'a page that failed for good leaves its team to the next tier that names it',
      aRecord({}, [failedForGood('page.sev2.t0.oncall', 'oncall')]),
      POLICY,
      at(15),
      ['page.sev2.t0.oncall', 'page.sev2.t1.oncall', 'page.sev2.t1.sre'],
    ],
    [
      'a page that failed for good, with no later tier naming its team, leaves the team unpaged',
      aRecord({}, [failedForGood('page.sev2.t2.dba', 'dba')]),
      POLICY,
      at(45),
      ['page.sev2.t0.oncall', 'page.sev2.t1.sre', 'page.sev2.t2.dba'],
    ],
    [
      'a page still being retried holds its team: the next tier does not page it too',
      aRecord({}, [failedUntil('page.sev2.t0.oncall', 'oncall', at(20))]),
      POLICY,
      at(15),
      ['page.sev2.t0.oncall', 'page.sev2.t1.sre'],
    ],
    [
      'a severity change re-plans: the new severity’s tiers page teams not reached before',
      aRecord({ severity: 'sev1' }, [delivered('page.sev2.t0.oncall', 'oncall')]),
      POLICY,
      at(0),
      ['page.sev1.t0.sre'],
    ],
    [
      'a severity change re-plans: the new plan’s later tiers come due from the declaration',
      aRecord({ severity: 'sev1' }, [delivered('page.sev2.t0.oncall', 'oncall')]),
      POLICY,
      at(10),
      ['page.sev1.t0.sre', 'page.sev1.t1.dba'],
    ],
    [
      'a severity lowered re-plans: the old plan’s pages are not wanted, reached teams are not paged again',
      aRecord({ severity: 'sev3' }, [
        delivered('page.sev1.t0.oncall', 'oncall'),
        delivered('page.sev1.t0.sre', 'sre'),
      ]),
      POLICY,
      at(30),
      ['page.sev3.t2.dba'],
    ],
    [
      'a severity whose plan has no tier due yet pages nothing',
      aRecord({ severity: 'sev1' }),
      SEV1_ONLY,
      at(4),
      [],
    ],
  ])('%s', (_name, record, policy, now, expected) => {
    expect(wantedPages(record, policy, now).map((plan) => plan.name)).toEqual(expected);
  });

  it.each<[string, IncidentRecord, number, object]>([
    [
      'an automatic page names its tier and severity and has no reason',
      aRecord(),
      at(0),
      { name: 'page.sev2.t0.oncall', team: 'oncall', tier: 0, severity: 'sev2', automatic: true },
    ],
    [
      'a manual escalation’s page carries the typed reason for the paged team',
      aRecord({ acknowledgedAt: iso(1) }, [], [manualEscalation('e1', ['dba'], 'Replication lag 10 min')]),
      at(3),
      {
        name: 'page.manual.e1.dba',
        team: 'dba',
        tier: 'manual',
        severity: 'sev2',
        reason: 'Replication lag 10 min',
        automatic: false,
      },
    ],
    [
      'a manual escalation without text carries no reason',
      aRecord({ acknowledgedAt: iso(1) }, [], [manualEscalation('e1', ['dba'], '')]),
      at(3),
      { name: 'page.manual.e1.dba', team: 'dba', tier: 'manual', severity: 'sev2', automatic: false },
    ],
  ])('%s', (_name, record, now, expected) => {
    expect(wantedPages(record, POLICY, now)).toEqual([expected]);
  });
});

describe('pendingPages: pages not finished yet, and when each may be tried', () => {
  it.each<[string, StepState[], { name: string; readyAt: number }[]]>([
    ['a page never tried is ready now', [], [{ name: 'page.sev2.t0.oncall', readyAt: at(5) }]],
    ['a delivered page is not pending', [delivered('page.sev2.t0.oncall', 'oncall')], []],
    ['a page that failed for good is not pending', [failedForGood('page.sev2.t0.oncall', 'oncall')], []],
    [
      'a failed page is ready at its retry time',
      [failedUntil('page.sev2.t0.oncall', 'oncall', at(7))],
      [{ name: 'page.sev2.t0.oncall', readyAt: at(7) }],
    ],
    [
      'a running page is ready when its lease runs out',
      [running('page.sev2.t0.oncall', 'oncall', at(6))],
      [{ name: 'page.sev2.t0.oncall', readyAt: at(6) }],
    ],
  ])('%s', (_name, steps, expected) => {
    const pending = pendingPages(aRecord({}, steps), POLICY, at(5));
    expect(pending.map(({ name, readyAt }) => ({ name, readyAt }))).toEqual(expected);
  });

  it.each<[string, Partial<Incident>, string[]]>([
    ['an acknowledged incident has no automatic page pending', { acknowledgedAt: iso(1) }, []],
    ['a resolved incident has no page pending', { status: 'resolved', resolvedAt: iso(1) }, []],
  ])('%s', (_name, incident, expected) => {
    expect(pendingPages(aRecord(incident), POLICY, at(45)).map((plan) => plan.name)).toEqual(expected);
  });
});

describe('teamsReached: teams to tell of an acknowledgement or resolution', () => {
  it.each<[string, StepState[], string[]]>([
    ['no page sent, nobody reached', [], []],
    ['a delivered page reached its team', [delivered('page.sev2.t0.oncall', 'oncall')], ['oncall']],
    ['a page that delivered nowhere reached nobody', [failedForGood('page.sev2.t0.oncall', 'oncall')], []],
    [
      'a team reached by two pages is listed once',
      [delivered('page.sev2.t0.oncall', 'oncall'), delivered('page.manual.e1.oncall', 'oncall')],
      ['oncall'],
    ],
    [
      'a step that is not a page does not count, whatever its result says',
      [{ ...delivered('channel', 'oncall') }],
      [],
    ],
  ])('%s', (_name, steps, expected) => {
    expect(teamsReached(aRecord({}, steps))).toEqual(expected);
  });
});

describe('pendingPagerNotices: telling the pagers once of an acknowledgement and a resolution', () => {
  const reached = delivered('page.sev2.t0.oncall', 'oncall');
  const acked = { acknowledgedAt: iso(3), acknowledgedBy: 'U0BOB' };
  const resolved = { status: 'resolved' as const, resolvedAt: iso(20) };
  it.each<[string, Partial<Incident>, StepState[], string[]]>([
    ['an open incident owes the pagers nothing', {}, [reached], []],
    ['an acknowledgement with nobody paged owes nothing', acked, [], []],
    ['an acknowledgement is owed to the pagers that were reached', acked, [reached], [PAGES_ACKNOWLEDGED]],
    ['an acknowledgement told once is not owed again', acked, [reached, doneStep(PAGES_ACKNOWLEDGED)], []],
    [
      'an acknowledgement whose notice is being retried is still owed',
      acked,
      [reached, failedStep(PAGES_ACKNOWLEDGED, false)],
      [PAGES_ACKNOWLEDGED],
    ],
    ['a resolution is owed to the pagers that were reached', resolved, [reached], [PAGES_RESOLVED]],
    [
      'a resolution after an acknowledgement owes only the resolution',
      { ...acked, ...resolved },
      [reached],
      [PAGES_RESOLVED],
    ],
    [
      'a resolution whose notice failed for good is not owed again',
      resolved,
      [reached, failedStep(PAGES_RESOLVED, true)],
      [],
    ],
    [
      'a resolution with nobody paged owes nothing',
      resolved,
      [failedForGood('page.sev2.t0.oncall', 'oncall')],
      [],
    ],
  ])('%s', (_name, incident, steps, expected) => {
    expect(pendingPagerNotices(aRecord(incident, steps))).toEqual(expected);
  });
});

describe('wantedPages: manual pages that fail for good', () => {
  // Was a bug: the manual request's event counted its team as reached whatever became of the page,
  // so tier 1, which names sre, never paged it once `page.manual.e1.sre` had failed for good.
  it('a manual page that failed for good leaves its team to the next tier that names it', () => {
    const escalation = { ...manualEscalation('e1', ['sre']), team: 'sre' };
    const record = aRecord(
      {},
      [failedForGood('page.manual.e1.sre', 'sre'), delivered('page.sev2.t0.oncall', 'oncall')],
      [escalation],
    );
    expect(wantedPages(record, POLICY, at(15)).map((plan) => plan.name)).toEqual([
      'page.manual.e1.sre',
      'page.sev2.t0.oncall',
      'page.sev2.t1.sre',
    ]);
  });
});
