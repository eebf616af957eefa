/**
 * lambda/incidents/progress.ts: what an incident's progress record still lacks, decided from the
 * record alone. Each test builds a record by hand (incident, events, steps) and a clock in epoch ms.
 */
import fc from 'fast-check';
import type { EscalationPolicy } from '../../lambda/incidents/policy';
import { parsePolicy } from '../../lambda/incidents/policy';
import {
  isLagging,
  isSettled,
  PAGES_ACKNOWLEDGED,
  PAGES_RESOLVED,
  type ProgressSettings,
  pendingPagerNotices,
  pendingSlackSteps,
  wantedPages,
} from '../../lambda/incidents/progress';
import {
  BOT_AUTHOR,
  type IncidentRecord,
  type StepState,
  type TimelineEvent,
} from '../../lambda/incidents/types';
import { anEvent, aRecord, minutesAfterDeclared, THREE_TEAMS } from '../fixtures/incidents';

// anIncident() is declared at 15:30Z; tiers below are due at +0, +15 and +30 minutes.
const at = minutesAfterDeclared;

const POLICY: EscalationPolicy = parsePolicy(`${THREE_TEAMS}escalation:
  default:
    - { after: 0m,  notify: [oncall] }
    - { after: 15m, notify: [oncall, sre] }
    - { after: 30m, notify: [dba] }
  sev1:
    - { after: 0m,  notify: [oncall, sre] }
`);

const QUIET: ProgressSettings = { announcements: false };
const ANNOUNCING: ProgressSettings = { announcements: true };

const done = (name: string, result?: Record<string, unknown>): StepState => ({
  name,
  state: 'done',
  attempts: 1,
  ...(result ? { result } : {}),
});
const failedForGood = (name: string, result?: Record<string, unknown>): StepState => ({
  name,
  state: 'failed',
  attempts: 1,
  permanent: true,
  error: 'channel_not_found',
  ...(result ? { result } : {}),
});
const failedUntil = (name: string, retryAt: number): StepState => ({
  name,
  state: 'failed',
  attempts: 1,
  retryAt,
  error: 'timeout',
});
const running = (name: string, leasedAt: number, leaseUntil: number): StepState => ({
  name,
  state: 'running',
  attempts: 1,
  leasedAt,
  leaseUntil,
});
/** A page step that reached its team (what the engine stores on success). */
const delivered = (name: string, team: string) => done(name, { team, delivered: [`slack:${team}`] });

const OPEN_SLACK_DONE = [done('channel'), done('summary'), done('summary-pinned')];
const RESOLVED_SLACK_DONE = [
  ...OPEN_SLACK_DONE,
  done('postmortem-stored'),
  done('postmortem-uploaded'),
  done('resolution-posted'),
];
const RESOLVED = { status: 'resolved', resolvedAt: '2024-02-18T16:30:00.000Z' } as const;

function manualEscalation(id: string, pageTeams: string[], author = 'U0ALICE'): TimelineEvent {
  const at = '2024-02-18T15:32:00.000Z';
  return anEvent({
    id,
    at,
    recordedAt: at,
    kind: 'escalation',
    text: 'Need the database people',
    author,
    pageTeams,
  });
}

describe('pendingSlackSteps', () => {
  it('lists an open incident’s steps in order, with only the channel ready before anything is done', () => {
    // prepare
    const record = aRecord();

    // act
    const pending = pendingSlackSteps(record, ANNOUNCING);

    // assess
    expect(pending).toEqual([
      { step: 'channel', ready: true },
      { step: 'summary', ready: false },
      { step: 'summary-pinned', ready: false },
      { step: 'announce-declared', ready: false },
    ]);
  });

  it('makes the summary and the announcement ready once the channel is done, and leaves out finished steps', () => {
    // prepare
    const record = aRecord({}, [done('channel')]);

    // act
    const pending = pendingSlackSteps(record, ANNOUNCING);

    // assess
    expect(pending).toEqual([
      { step: 'summary', ready: true },
      { step: 'summary-pinned', ready: false },
      { step: 'announce-declared', ready: true },
    ]);
  });

  it('keeps the summary waiting while the channel failed but may be retried', () => {
    // prepare
    const record = aRecord({}, [failedUntil('channel', at(5))]);

    // act
    const pending = pendingSlackSteps(record, ANNOUNCING);

    // assess
    expect(pending).toEqual([
      { step: 'channel', ready: true },
      { step: 'summary', ready: false },
      { step: 'summary-pinned', ready: false },
      { step: 'announce-declared', ready: false },
    ]);
  });

  it('makes the channel’s dependents ready when the channel failed for good', () => {
    // prepare
    const record = aRecord({}, [failedForGood('channel')]);

    // act
    const pending = pendingSlackSteps(record, ANNOUNCING);

    // assess
    expect(pending).toEqual([
      { step: 'summary', ready: true },
      { step: 'summary-pinned', ready: false },
      { step: 'announce-declared', ready: true },
    ]);
  });

  it('wants no announcement without an announcement channel, open or resolved', () => {
    // prepare
    const open = aRecord();
    const resolved = aRecord(RESOLVED);

    // act
    const steps = [...pendingSlackSteps(open, QUIET), ...pendingSlackSteps(resolved, QUIET)].map(
      (pending) => pending.step,
    );

    // assess
    expect(steps).not.toContain('announce-declared');
    expect(steps).not.toContain('announce-resolution');
    expect(pendingSlackSteps(resolved, ANNOUNCING).map((pending) => pending.step)).toContain(
      'announce-resolution',
    );
  });

  it('wants the postmortem and resolution steps only once the incident is resolved', () => {
    // prepare
    const open = aRecord({}, OPEN_SLACK_DONE);
    const resolved = aRecord(RESOLVED, OPEN_SLACK_DONE);

    // act
    const whileOpen = pendingSlackSteps(open, ANNOUNCING);
    const afterResolve = pendingSlackSteps(resolved, ANNOUNCING);

    // assess
    expect(whileOpen).toEqual([{ step: 'announce-declared', ready: true }]);
    expect(afterResolve).toEqual([
      { step: 'announce-declared', ready: true },
      { step: 'postmortem-stored', ready: true },
      { step: 'postmortem-uploaded', ready: false },
      { step: 'resolution-posted', ready: false },
      { step: 'announce-resolution', ready: false },
    ]);
  });

  it('makes the upload wait for the channel as well as the stored postmortem', () => {
    // prepare
    const record = aRecord(RESOLVED, [failedUntil('channel', at(90)), done('postmortem-stored')]);

    // act
    const pending = pendingSlackSteps(record, ANNOUNCING);

    // assess
    expect(pending.find((entry) => entry.step === 'postmortem-uploaded')).toEqual({
      step: 'postmortem-uploaded',
      ready: false,
    });
    expect(pending.find((entry) => entry.step === 'announce-resolution')).toEqual({
      step: 'announce-resolution',
      ready: true,
    });
  });
});

describe('wantedPages', () => {
  const names = (record: IncidentRecord, nowMs: number) =>
    wantedPages(record, POLICY, nowMs).map((plan) => plan.name);

  it('pages only the tiers that are due', () => {
    // prepare
    const record = aRecord({ severity: 'sev2' });

    // act
    const atStart = names(record, at(1));
    const atSecondTier = names(record, at(15));
    const atThirdTier = names(record, at(30));

    // assess
    expect(atStart).toEqual(['page.sev2.t0.oncall']);
    expect(atSecondTier).toEqual(['page.sev2.t0.oncall', 'page.sev2.t1.sre']);
    expect(atThirdTier).toEqual(['page.sev2.t0.oncall', 'page.sev2.t1.sre', 'page.sev2.t2.dba']);
  });

  it('describes each page: team, tier, severity, automatic', () => {
    // prepare
    const record = aRecord({ severity: 'sev2' });

    // act
    const plans = wantedPages(record, POLICY, at(15));

    // assess
    expect(plans).toEqual([
      { name: 'page.sev2.t0.oncall', team: 'oncall', tier: 0, severity: 'sev2', automatic: true },
      { name: 'page.sev2.t1.sre', team: 'sre', tier: 1, severity: 'sev2', automatic: true },
    ]);
  });

  it('pages a team named in two tiers once, before and after its first page is stored', () => {
    // prepare
    const fresh = aRecord({ severity: 'sev2' });
    const paged = aRecord({ severity: 'sev2' }, [delivered('page.sev2.t0.oncall', 'oncall')]);
    const stillPaging = aRecord({ severity: 'sev2' }, [
      { ...failedUntil('page.sev2.t0.oncall', at(16)), result: { team: 'oncall' } },
    ]);

    // act
    const lists = [fresh, paged, stillPaging].map((record) => names(record, at(20)));

    // assess
    for (const list of lists) {
      expect(list).toEqual(['page.sev2.t0.oncall', 'page.sev2.t1.sre']);
    }
  });

  it('does not page again a team a recorded page reached under the plan of an earlier severity', () => {
    // prepare: paged as sev2, then raised to sev1 (tier 0 of sev1 is oncall and sre)
    const record = aRecord({ severity: 'sev1' }, [delivered('page.sev2.t0.oncall', 'oncall')]);

    // act
    const list = names(record, at(1));

    // assess
    expect(list).toEqual(['page.sev1.t0.sre']);
  });

  it('does not page again a team an escalation event records as paged, unless that page failed', async () => {
    // prepare: events the bot recorded for pages (no step for them, as before steps existed)
    const paged = (team: string, failed: boolean): TimelineEvent => ({
      ...manualEscalation(`bot-${team}`, [], BOT_AUTHOR),
      team,
      page: { tier: 0, channels: failed ? [] : ['slack'], failed },
    });
    const record = aRecord({ severity: 'sev2' }, [], [paged('oncall', false), paged('sre', true)]);

    // act
    const list = names(record, at(15));

    // assess
    expect(list).toEqual(['page.sev2.t1.sre']);
  });

  it('stops automatic pages at acknowledgement but keeps pages asked for with /incident escalate', () => {
    // prepare
    const escalation = manualEscalation('t-TRIG1', ['dba'], 'U0ALICE');
    const acknowledged = aRecord(
      { severity: 'sev2', acknowledgedAt: '2024-02-18T15:33:00.000Z', acknowledgedBy: 'U0BOB' },
      [],
      [escalation],
    );

    // act
    const plans = wantedPages(acknowledged, POLICY, at(45));

    // assess
    expect(plans).toEqual([
      {
        name: 'page.manual.t-TRIG1.dba',
        team: 'dba',
        tier: 'manual',
        severity: 'sev2',
        reason: 'Need the database people',
        automatic: false,
      },
    ]);
  });

  it('does not page automatically a team already paged by hand, nor treat the bot’s own events as requests', () => {
    // prepare
    const byHand = manualEscalation('t-TRIG2', ['dba']);
    const byBot = { ...manualEscalation('bot-1', ['sre'], BOT_AUTHOR) };
    const record = aRecord({ severity: 'sev2' }, [], [byHand, byBot]);

    // act
    const list = names(record, at(30));

    // assess
    expect(list).toEqual(['page.manual.t-TRIG2.dba', 'page.sev2.t0.oncall', 'page.sev2.t1.sre']);
  });

  it('wants no page once resolved, automatic or by hand, and none without a policy', () => {
    // prepare
    const resolved = aRecord({ severity: 'sev2', ...RESOLVED }, [], [manualEscalation('t-TRIG3', ['dba'])]);
    const open = aRecord({ severity: 'sev2' });

    // act
    const afterResolve = wantedPages(resolved, POLICY, at(45));
    const withoutPolicy = wantedPages(open, undefined, at(45));

    // assess
    expect(afterResolve).toEqual([]);
    expect(withoutPolicy).toEqual([]);
    expect(names(open, at(45))).toHaveLength(3); // the same record does want pages while open
  });

  it('lets a later severity’s plan page a team whose page failed for good under the earlier plan', () => {
    // prepare
    const record = aRecord({ severity: 'sev1' }, [
      failedForGood('page.sev2.t0.oncall', { team: 'oncall', delivered: [] }),
    ]);

    // act
    const list = names(record, at(1));

    // assess
    expect(list).toEqual(['page.sev1.t0.oncall', 'page.sev1.t0.sre']);
  });
});

describe('wantedPages, as the reconciler drives it over time', () => {
  const TEAMS = ['a', 'b', 'c'] as const;
  const tierArb = fc.record({
    afterMinutes: fc.integer({ min: 0, max: 60 }),
    notify: fc.uniqueArray(fc.constantFrom(...TEAMS), { minLength: 1, maxLength: 3 }),
  });
  const outcomeArb = fc.constantFrom('done', 'retrying', 'running', 'gave-up');

  it('never lists a step twice, and never has two live automatic pages for one team', () => {
    fc.assert(
      fc.property(
        fc.array(tierArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 1, maxLength: 8 }),
        fc.infiniteStream(outcomeArb),
        (tiers, checkMinutes, outcomes) => {
          // prepare: a policy whose tiers are in time order, as they are written
          const sorted = [...tiers].sort((x, y) => x.afterMinutes - y.afterMinutes);
          const policy: EscalationPolicy = {
            teams: Object.fromEntries(TEAMS.map((team) => [team, {}])),
            escalation: {
              sev2: sorted.map((tier) => ({ after: tier.afterMinutes * 60, notify: tier.notify })),
            },
            reminders: {},
            alerts: {},
          };
          const record = aRecord({ severity: 'sev2' });
          const steps = record.steps as Record<string, StepState>;
          const outcome = outcomes[Symbol.iterator]();

          // act: at each check, try every wanted page that has no step yet
          for (const minute of [...checkMinutes].sort((x, y) => x - y)) {
            const plans = wantedPages(record, policy, at(minute));
            const listed = plans.map((plan) => plan.name);

            // assess
            expect(new Set(listed).size).toBe(listed.length);
            for (const plan of plans) {
              if (steps[plan.name]) continue;
              const result = { team: plan.team, delivered: [`slack:${plan.team}`] };
              const next = outcome.next().value as string;
              steps[plan.name] =
                next === 'done'
                  ? done(plan.name, result)
                  : next === 'retrying'
                    ? { ...failedUntil(plan.name, at(minute + 1)), result: { team: plan.team } }
                    : next === 'running'
                      ? {
                          ...running(plan.name, at(minute), at(minute) + 30_000),
                          result: { team: plan.team },
                        }
                      : failedForGood(plan.name, { team: plan.team, delivered: [] });
            }
          }
          const live = Object.values(steps).filter((step) => !(step.state === 'failed' && step.permanent));
          const teams = live.map((step) => step.result?.team);
          expect(new Set(teams).size).toBe(teams.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('pendingPagerNotices', () => {
  const acknowledged = { acknowledgedAt: '2024-02-18T15:40:00.000Z', acknowledgedBy: 'U0BOB' } as const;

  it('tells no pager anything while no page reached a team', () => {
    // prepare
    const neverPaged = aRecord(acknowledged);
    const pageFailed = aRecord(acknowledged, [
      failedForGood('page.sev2.t0.oncall', { team: 'oncall', delivered: [] }),
    ]);
    const resolvedUnpaged = aRecord({ ...acknowledged, ...RESOLVED });

    // act
    const notices = [neverPaged, pageFailed, resolvedUnpaged].map(pendingPagerNotices);

    // assess
    expect(notices).toEqual([[], [], []]);
  });

  it('wants the acknowledgement told once a page reached a team, until that notice is finished', () => {
    // prepare
    const page = delivered('page.sev2.t0.oncall', 'oncall');
    const open = aRecord({}, [page]);
    const acked = aRecord(acknowledged, [page]);
    const told = aRecord(acknowledged, [page, done(PAGES_ACKNOWLEDGED)]);
    const refused = aRecord(acknowledged, [page, failedForGood(PAGES_ACKNOWLEDGED)]);
    const retrying = aRecord(acknowledged, [page, failedUntil(PAGES_ACKNOWLEDGED, at(50))]);

    // act
    const notices = [open, acked, told, refused, retrying].map(pendingPagerNotices);

    // assess
    expect(notices).toEqual([[], [PAGES_ACKNOWLEDGED], [], [], [PAGES_ACKNOWLEDGED]]);
  });

  it('wants only the resolution told once resolved, acknowledged or not', () => {
    // prepare
    const page = delivered('page.sev2.t0.oncall', 'oncall');
    const resolved = aRecord({ ...acknowledged, ...RESOLVED }, [page]);
    const resolvedTold = aRecord({ ...acknowledged, ...RESOLVED }, [page, done(PAGES_RESOLVED)]);

    // act
    const notices = [resolved, resolvedTold].map(pendingPagerNotices);

    // assess
    expect(notices).toEqual([[PAGES_RESOLVED], []]);
  });
});

describe('isLagging', () => {
  const NOW = at(10);

  it('is false for an open incident whose every step is done', () => {
    // prepare
    const record = aRecord({}, OPEN_SLACK_DONE);

    // act
    const lagging = isLagging(record, QUIET, NOW);

    // assess
    expect(lagging).toBe(false);
  });

  it('is true for a step never tried', () => {
    // prepare
    const noChannel = aRecord();
    const noPin = aRecord({}, [done('channel'), done('summary')]);

    // act
    const lagging = [noChannel, noPin].map((record) => isLagging(record, QUIET, NOW));

    // assess
    expect(lagging).toEqual([true, true]);
  });

  it('is false for a step waiting only on an unfinished one it needs', () => {
    // prepare: the summary is missing, but the channel it needs is still within its retry wait
    const record = aRecord({}, [failedUntil('channel', NOW + 1)]);

    // act
    const lagging = isLagging(record, QUIET, NOW);

    // assess
    expect(lagging).toBe(false);
  });

  it('is true for a failed step only from its retry time', () => {
    // prepare
    const record = aRecord({}, [
      done('channel'),
      done('summary'),
      failedUntil('summary-pinned', NOW + 5_000),
    ]);

    // act
    const before = isLagging(record, QUIET, NOW + 4_999);
    const atRetry = isLagging(record, QUIET, NOW + 5_000);
    const after = isLagging(record, QUIET, NOW + 60_000);

    // assess
    expect([before, atRetry, after]).toEqual([false, true, true]);
  });

  it('is false for a step that failed for good', () => {
    // prepare
    const record = aRecord({}, [done('channel'), done('summary'), failedForGood('summary-pinned')]);

    // act
    const lagging = isLagging(record, QUIET, NOW + 3_600_000);

    // assess
    expect(lagging).toBe(false);
  });

  it('is false for a running step on a live lease, true once the lease ran out', () => {
    // prepare
    const leasedAt = NOW - 1_000;
    const record = aRecord({}, [
      done('channel'),
      done('summary'),
      running('summary-pinned', leasedAt, NOW + 1_000),
    ]);

    // act
    const live = isLagging(record, QUIET, NOW);
    const lastMoment = isLagging(record, QUIET, NOW + 1_000);
    const expired = isLagging(record, QUIET, NOW + 1_001);

    // assess
    expect([live, lastMoment, expired]).toEqual([false, false, true]);
  });

  it('is true for a running step on a live lease taken before leasesBefore (its process is gone)', () => {
    // prepare
    const leasedAt = NOW - 1_000;
    const record = aRecord({}, [
      done('channel'),
      done('summary'),
      running('summary-pinned', leasedAt, NOW + 60_000),
    ]);

    // act
    const takenBefore = isLagging(record, QUIET, NOW, leasedAt + 1);
    const takenSince = isLagging(record, QUIET, NOW, leasedAt);

    // assess
    expect(takenBefore).toBe(true);
    expect(takenSince).toBe(false);
  });

  it('is true for a due page never tried, and false once it is done', () => {
    // prepare: a policy with a single tier, so no timers are wanted
    const settings: ProgressSettings = { announcements: false, policy: POLICY };
    const unpaged = aRecord({ severity: 'sev1' }, OPEN_SLACK_DONE);
    const paged = aRecord({ severity: 'sev1' }, [
      ...OPEN_SLACK_DONE,
      delivered('page.sev1.t0.oncall', 'oncall'),
      delivered('page.sev1.t0.sre', 'sre'),
    ]);

    // act
    const lagging = [unpaged, paged].map((record) => isLagging(record, settings, NOW));

    // assess
    expect(lagging).toEqual([true, false]);
  });

  it('is true while a later tier’s timers are not set, false once they are', () => {
    // prepare: at +10 min, tier 0 of sev2 is paged; tiers at +15 and +30 are still to come
    const settings: ProgressSettings = { announcements: false, policy: POLICY };
    const page = delivered('page.sev2.t0.oncall', 'oncall');
    const noTimers = aRecord({ severity: 'sev2' }, [...OPEN_SLACK_DONE, page]);
    const timersSet = aRecord({ severity: 'sev2' }, [...OPEN_SLACK_DONE, page, done('timers.sev2')]);

    // act
    const lagging = [noTimers, timersSet].map((record) => isLagging(record, settings, NOW));

    // assess
    expect(lagging).toEqual([true, false]);
  });

  it('is true for a resolved incident that is finished but not marked settled', () => {
    // prepare
    const unmarked = aRecord(RESOLVED, RESOLVED_SLACK_DONE);
    const marked = aRecord({ ...RESOLVED, settledAt: '2024-02-18T16:31:00.000Z' }, RESOLVED_SLACK_DONE);

    // act
    const lagging = [unmarked, marked].map((record) => isLagging(record, QUIET, NOW));

    // assess
    expect(lagging).toEqual([true, false]);
  });

  it('is true for a pager notice not yet tried', () => {
    // prepare
    const page = delivered('page.sev2.t0.oncall', 'oncall');
    const record = aRecord({ ...RESOLVED, settledAt: '2024-02-18T16:31:00.000Z' }, [
      ...RESOLVED_SLACK_DONE,
      page,
    ]);

    // act
    const lagging = isLagging(record, QUIET, NOW);

    // assess
    expect(lagging).toBe(true);
  });
});

describe('isSettled', () => {
  it('is false while the incident is open, however complete its progress', () => {
    expect(isSettled(aRecord({}, RESOLVED_SLACK_DONE), QUIET)).toBe(false);
  });

  it('is true for a resolved incident whose every wanted step is finished, failures for good included', () => {
    // prepare
    const allDone = aRecord(RESOLVED, RESOLVED_SLACK_DONE);
    const postGaveUp = aRecord(RESOLVED, [
      ...OPEN_SLACK_DONE,
      done('postmortem-stored'),
      done('postmortem-uploaded'),
      failedForGood('resolution-posted'),
    ]);

    // act
    const settled = [allDone, postGaveUp].map((record) => isSettled(record, QUIET));

    // assess
    expect(settled).toEqual([true, true]);
  });

  it('is false while a resolution step is missing or waiting for a retry', () => {
    // prepare
    const notUploaded = aRecord(RESOLVED, [...OPEN_SLACK_DONE, done('postmortem-stored')]);
    const retrying = aRecord(RESOLVED, [
      ...OPEN_SLACK_DONE,
      done('postmortem-stored'),
      done('postmortem-uploaded'),
      failedUntil('resolution-posted', at(90)),
    ]);
    const unannounced = aRecord(RESOLVED, RESOLVED_SLACK_DONE);

    // act
    const settled = [
      isSettled(notUploaded, QUIET),
      isSettled(retrying, QUIET),
      isSettled(unannounced, ANNOUNCING),
    ];

    // assess
    expect(settled).toEqual([false, false, false]);
  });

  it('is false while any step is running, even one no setting wants', () => {
    // prepare
    const record = aRecord(RESOLVED, [...RESOLVED_SLACK_DONE, running('page.sev2.t0.oncall', at(1), at(2))]);

    // act
    const settled = isSettled(record, QUIET);

    // assess
    expect(settled).toBe(false);
  });

  it('is false until the pagers heard the resolution', () => {
    // prepare
    const page = delivered('page.sev2.t0.oncall', 'oncall');
    const untold = aRecord(RESOLVED, [...RESOLVED_SLACK_DONE, page]);
    const told = aRecord(RESOLVED, [...RESOLVED_SLACK_DONE, page, done(PAGES_RESOLVED)]);

    // act
    const settled = [untold, told].map((record) => isSettled(record, QUIET));

    // assess
    expect(settled).toEqual([false, true]);
  });
});
