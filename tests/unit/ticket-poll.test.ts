/**
 * Polling where no webhook is configured (lambda/trackers/poll.ts): which tickets are asked about
 * (pure), and one tick's polling against a store and a tracker of the test's own: at most every
 * 15 minutes per ticket, at most 20 per tick, oldest first, closed tickets recorded, failures logged.
 */
import type { FollowUp, Incident } from '../../lambda/incidents/types';
import type { Job } from '../../lambda/jobs/jobs';
import { claimKey } from '../../lambda/store/keys';
import {
  pollTickets,
  TICKET_POLL_INTERVAL_SECONDS,
  type TicketPollDeps,
  ticketsToPoll,
} from '../../lambda/trackers/poll';
import {
  type Ticket,
  type TicketStatus,
  TrackerError,
  type TrackerKind,
} from '../../lambda/trackers/tracker';

const START = Date.parse('2026-12-02T10:00:00Z');

function followUp(n: number, overrides: Partial<FollowUp> = {}): FollowUp {
  const ticket: Ticket = { tracker: 'github', key: `acme/ops#${n}`, url: `https://x/${n}`, id: String(n) };
  return {
    id: `t-${String(n).padStart(3, '0')}`,
    incidentId: 'INC-1',
    type: 'task',
    text: `task ${n}`,
    author: 'U0ALICE',
    createdAt: new Date(START - (1000 - n) * 60_000).toISOString(),
    ticket,
    ticketState: 'open',
    ...overrides,
  };
}

describe('ticketsToPoll (pure)', () => {
  const open = followUp(2);
  const older = followUp(1);
  const closed = followUp(3, { ticketState: 'closed', ticketClosedAt: '2026-12-01T00:00:00Z' });
  const noTicket = followUp(4, { ticket: undefined, ticketState: undefined });
  const jira = followUp(5, { ticket: { tracker: 'jira', key: 'OPS-5', url: 'https://j/5', id: '10005' } });
  const sameTime = followUp(0, { id: 't-aaa', createdAt: older.createdAt });

  it("takes the configured tracker's open tickets, oldest first (then by id)", () => {
    expect(
      ticketsToPoll([open, closed, noTicket, jira, older, sameTime], 'github', []).map((f) => f.id),
    ).toEqual([older.id, 't-aaa', open.id]);
  });

  it('takes a ticket whose state was never recorded', () => {
    const unknown = followUp(6, { ticketState: undefined });
    expect(ticketsToPoll([unknown], 'github', []).map((f) => f.id)).toEqual([unknown.id]);
  });

  it('takes nothing when that tracker has a webhook, or when no tracker is configured', () => {
    expect(ticketsToPoll([open, older], 'github', ['github'])).toEqual([]);
    expect(ticketsToPoll([open, older], undefined, [])).toEqual([]);
  });

  it("still polls the configured tracker when another kind's webhook is configured", () => {
    expect(ticketsToPoll([open, jira], 'jira', ['github']).map((f) => f.id)).toEqual([jira.id]);
  });
});

/** A store of the test's own: follow-ups, incidents, and claims that expire on the clock. */
function fakeStore(followUps: FollowUp[], incidents: Record<string, Partial<Incident>> = {}) {
  const claims = new Map<string, number>();
  let now = START;
  const store: TicketPollDeps['store'] & { failClaims?: boolean } = {
    listFollowUps: async () => followUps.map((f) => ({ ...f })),
    async claim(key, ttlSeconds) {
      const until = claims.get(key);
      if (until !== undefined && until >= now) return false;
      claims.set(key, now + ttlSeconds * 1000);
      return true;
    },
    async setTicketState(incidentId, followUpId, state, at) {
      const f = followUps.find((x) => x.incidentId === incidentId && x.id === followUpId);
      if (!f?.ticket || f.ticketState === state) return false;
      f.ticketState = state;
      if (state === 'closed') f.ticketClosedAt = at;
      return true;
    },
    getIncident: async (id) => incidents[id] as Incident | undefined,
  };
  return {
    store,
    claims,
    clock: { now: () => new Date(now) },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function fakeTracker(kind: TrackerKind, states: Record<string, TicketStatus | Error>) {
  const asked: string[] = [];
  return {
    asked,
    tracker: {
      kind,
      async status(ticket: Ticket): Promise<TicketStatus> {
        asked.push(ticket.id);
        const state = states[ticket.id] ?? { state: 'open' };
        if (state instanceof Error) throw state;
        return state;
      },
    },
  };
}

function deps(
  world: ReturnType<typeof fakeStore>,
  tracker: ReturnType<typeof fakeTracker>['tracker'] | undefined,
  extra: Partial<TicketPollDeps> = {},
) {
  const jobs: Job[] = [];
  const lines: string[] = [];
  const d: TicketPollDeps = {
    store: world.store,
    ...(tracker ? { tracker } : {}),
    webhookKinds: [],
    clock: world.clock,
    enqueue: async (job) => {
      jobs.push(job);
    },
    log: (line) => lines.push(line),
    ...extra,
  };
  return { d, jobs, lines };
}

describe('pollTickets (one tick)', () => {
  it('records a closed ticket with its closing time, and stores the postmortem again when resolved', async () => {
    // prepare
    const closing = followUp(1);
    const other = followUp(2, { incidentId: 'INC-2' });
    const world = fakeStore([closing, other], {
      'INC-1': { id: 'INC-1', status: 'resolved' },
      'INC-2': { id: 'INC-2', status: 'investigating' },
    });
    const { tracker, asked } = fakeTracker('github', {
      '1': { state: 'closed', closedAt: '2026-12-02T09:30:00Z' },
      '2': { state: 'open' },
    });
    const { d, jobs, lines } = deps(world, tracker);

    // act
    const report = await pollTickets(d);

    // assess
    expect(asked).toEqual(['1', '2']);
    expect(report).toEqual({ polled: ['INC-1/t-001', 'INC-2/t-002'], closed: ['INC-1/t-001'], failed: [] });
    expect([closing.ticketState, closing.ticketClosedAt]).toEqual(['closed', '2026-12-02T09:30:00Z']);
    expect(other.ticketState).toBe('open');
    expect(jobs).toEqual([{ type: 'store-postmortem', incidentId: 'INC-1' }]);
    expect(lines).toEqual(['INC-1 follow-up t-001: acme/ops#1 is closed (polled)']);
  });

  it('closes at the clock when the tracker does not say when, and enqueues nothing for an open incident', async () => {
    const closing = followUp(1);
    const world = fakeStore([closing], { 'INC-1': { id: 'INC-1', status: 'investigating' } });
    const { tracker } = fakeTracker('github', { '1': { state: 'closed' } });
    const { d, jobs } = deps(world, tracker);

    await pollTickets(d);

    expect(closing.ticketClosedAt).toBe(new Date(START).toISOString());
    expect(jobs).toEqual([]);
  });

  it('asks each ticket at most once per 15 minutes, whoever ticks, then again after', async () => {
    // prepare
    const world = fakeStore([followUp(1)]);
    const { tracker, asked } = fakeTracker('github', {});
    const first = deps(world, tracker);
    // A second worker on the same store.
    const second = deps(world, tracker);

    // act
    await pollTickets(first.d);
    world.advance(60_000);
    const again = await pollTickets(second.d);
    world.advance(TICKET_POLL_INTERVAL_SECONDS * 1000 - 60_000 - 1000);
    const stillWithin = await pollTickets(first.d);
    world.advance(2000);
    const after = await pollTickets(first.d);

    // assess
    expect(again.polled).toEqual([]);
    expect(stillWithin.polled).toEqual([]);
    expect(after.polled).toEqual(['INC-1/t-001']);
    expect(asked).toEqual(['1', '1']);
    expect([...world.claims.keys()]).toEqual([claimKey.ticketPoll('INC-1', 't-001')]);
  });

  it('asks at most 20 per tick, oldest first, and the next tick takes the ones after', async () => {
    // prepare: 25 open tickets, listed newest first
    const followUps = Array.from({ length: 25 }, (_, i) => followUp(25 - i));
    const world = fakeStore(followUps);
    const { tracker, asked } = fakeTracker('github', {});
    const { d } = deps(world, tracker);

    // act
    const first = await pollTickets(d);
    world.advance(60_000);
    const second = await pollTickets(d);

    // assess
    expect(first.polled).toHaveLength(20);
    expect(asked.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(second.polled).toEqual([
      'INC-1/t-021',
      'INC-1/t-022',
      'INC-1/t-023',
      'INC-1/t-024',
      'INC-1/t-025',
    ]);
  });

  it('never asks about closed tickets, or when a webhook reports the tracker, or without a tracker', async () => {
    const world = fakeStore([followUp(1, { ticketState: 'closed' })]);
    const { tracker, asked } = fakeTracker('github', {});
    expect((await pollTickets(deps(world, tracker).d)).polled).toEqual([]);

    const listed = jest.fn(async () => [followUp(2)]);
    const withWebhook = deps({ ...world, store: { ...world.store, listFollowUps: listed } }, tracker, {
      webhookKinds: ['github'],
    });
    expect((await pollTickets(withWebhook.d)).polled).toEqual([]);
    expect(
      (await pollTickets(deps({ ...world, store: { ...world.store, listFollowUps: listed } }, undefined).d))
        .polled,
    ).toEqual([]);
    // Not even read: nothing to poll.
    expect(listed).not.toHaveBeenCalled();
    expect(asked).toEqual([]);
  });

  it('logs a failing tracker, never throws, polls the others, and asks the failed one again only after the interval', async () => {
    // prepare
    const world = fakeStore([followUp(1), followUp(2)], {
      'INC-1': { id: 'INC-1', status: 'investigating' },
    });
    const states: Record<string, TicketStatus | Error> = {
      '1': new TrackerError('GitHub answered 502', true, { status: 502 }),
      '2': { state: 'closed', closedAt: '2026-12-02T09:00:00Z' },
    };
    const { tracker, asked } = fakeTracker('github', states);
    const { d, lines } = deps(world, tracker);

    // act
    const report = await pollTickets(d);
    states['1'] = { state: 'closed', closedAt: '2026-12-02T09:50:00Z' };
    world.advance(60_000);
    const soon = await pollTickets(d);
    world.advance(TICKET_POLL_INTERVAL_SECONDS * 1000);
    const later = await pollTickets(d);

    // assess
    expect(report).toEqual({
      polled: ['INC-1/t-001', 'INC-1/t-002'],
      closed: ['INC-1/t-002'],
      failed: ['INC-1/t-001'],
    });
    expect(lines[0]).toBe(
      'INC-1 follow-up t-001: could not poll github ticket acme/ops#1 (GitHub answered 502); asked again in 15 min',
    );
    expect(soon.polled).toEqual([]);
    expect(later).toEqual({ polled: ['INC-1/t-001'], closed: ['INC-1/t-001'], failed: [] });
    expect(asked).toEqual(['1', '2', '1']);
  });

  it('starts no poll after the deadline (wall clock), so a hanging tracker cannot hold the tick past it', async () => {
    // prepare: the wall clock moves only when the tracker answers, 30 s a call
    let wall = 1_000_000;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => wall);
    try {
      const world = fakeStore([followUp(1), followUp(2), followUp(3)]);
      const { tracker, asked } = fakeTracker('github', {});
      const slow = {
        kind: tracker.kind,
        status: async (ticket: Ticket) => {
          wall += 30_000;
          return tracker.status(ticket);
        },
      };

      // act
      const report = await pollTickets(deps(world, slow, { deadline: 1_000_000 + 45_000 }).d);
      const late = await pollTickets(deps(world, slow, { deadline: wall - 1 }).d);

      // assess: two started before the deadline, the third not; past it, none
      expect(asked).toEqual(['1', '2']);
      expect(report.polled).toEqual(['INC-1/t-001', 'INC-1/t-002']);
      expect(late.polled).toEqual([]);
    } finally {
      now.mockRestore();
    }
  });

  it('keeps polling the others when the store fails for one ticket; throws only when follow-ups cannot be listed', async () => {
    const world = fakeStore([followUp(1), followUp(2)]);
    const { tracker, asked } = fakeTracker('github', {});
    const claim = world.store.claim;
    const store = {
      ...world.store,
      claim: async (key: string, ttl: number) => {
        if (key.endsWith('t-001')) throw new Error('ProvisionedThroughputExceededException');
        return claim(key, ttl);
      },
    };
    const { d, lines } = deps({ ...world, store }, tracker);

    const report = await pollTickets(d);

    expect(report.failed).toEqual(['INC-1/t-001']);
    expect(report.polled).toEqual(['INC-1/t-002']);
    expect(asked).toEqual(['2']);
    expect(lines[0]).toContain('ProvisionedThroughputExceededException');

    const broken = deps(
      {
        ...world,
        store: { ...world.store, listFollowUps: async () => Promise.reject(new Error('table gone')) },
      },
      tracker,
    );
    await expect(pollTickets(broken.d)).rejects.toThrow('table gone');
  });
});
