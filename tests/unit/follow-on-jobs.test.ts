/**
 * The follow-on work a decision causes (lambda/service/command-service.ts): for each verb, the jobs the
 * command queues, in order, and the pages a `/incident escalate` fixes on its event. The service runs
 * against an in-memory fake of its store port and a jobs port that records; the clock is fixed. No
 * network, no table, no Slack.
 */
import type { Intent } from '../../lambda/incidents/intents';
import { type EscalationPolicy, parsePolicy } from '../../lambda/incidents/policy';
import type {
  AppliedRequest,
  FollowUp,
  Incident,
  IncidentRecord,
  TimelineEvent,
} from '../../lambda/incidents/types';
import type { Job, Jobs } from '../../lambda/jobs/jobs';
import { type CommandContext, CommandService } from '../../lambda/service/command-service';
import { type Reply, renderMessage, toReply } from '../../lambda/slack/message';
import type { IncidentStore } from '../../lambda/store/store';
import { anIncident, THREE_TEAMS } from '../fixtures/incidents';

const NOW = new Date('2024-02-18T16:00:00.000Z');
const IN_CHANNEL: CommandContext = { userId: 'U0BOB', channelId: 'C0INC7', triggerId: 'T1' };
const ELSEWHERE: CommandContext = { userId: 'U0BOB', channelId: 'C0OTHER', triggerId: 'T1' };

const POLICY: EscalationPolicy = parsePolicy(`${THREE_TEAMS}escalation:
  default:
    - { after: 0m,  notify: [oncall] }
    - { after: 15m, notify: [oncall, sre] }
`);

/** The store port, in memory: only what the command path uses; anything else is a test bug. */
class FakeStore {
  incidents = new Map<string, Incident>();
  events: TimelineEvent[] = [];
  followUps: FollowUp[] = [];
  answers = new Map<string, unknown>();
  channels = new Map<string, string>();
  number = 7;

  constructor(incident?: Incident, events: TimelineEvent[] = []) {
    if (incident) {
      this.incidents.set(incident.id, incident);
      if (incident.channelId) this.channels.set(incident.channelId, incident.id);
    }
    this.events.push(...events);
  }
  async getIncident(id: string) {
    return this.incidents.get(id);
  }
  async findIncidentIdByChannel(channelId: string) {
    return this.channels.get(channelId);
  }
  async getRecord(id: string): Promise<IncidentRecord | undefined> {
    const incident = this.incidents.get(id);
    if (!incident) return undefined;
    return {
      incident,
      events: this.events.filter((event) => event.incidentId === id),
      followUps: this.followUps.filter((followUp) => followUp.incidentId === id),
      steps: {},
    };
  }
  async updateIncident(incident: Incident) {
    const stored = this.incidents.get(incident.id);
    if (stored?.version !== incident.version) throw new Error('version conflict (not expected here)');
    const next = { ...incident, version: incident.version + 1 };
    this.incidents.set(incident.id, next);
    return next;
  }
  async update(
    id: string,
    change: (current: Incident) => Promise<Incident | undefined> | Incident | undefined,
    options: { from?: Incident } = {},
  ) {
    const current = options.from ?? this.incidents.get(id);
    if (!current) throw new Error(`${id} not found (not expected here)`);
    const next = await change(current);
    return next
      ? { incident: await this.updateIncident(next), changed: true }
      : { incident: current, changed: false };
  }
  async addEvent(event: TimelineEvent) {
    if (this.events.some((e) => e.id === event.id && e.incidentId === event.incidentId)) return false;
    this.events.push(event);
    return true;
  }
  async addFollowUp(followUp: FollowUp) {
    this.followUps.push(followUp);
    return true;
  }
  async requestResult(key: string) {
    return this.answers.get(key);
  }
  async finishRequest(key: string, result: unknown) {
    this.answers.set(key, result);
  }
  async nextIncidentNumber() {
    return ++this.number;
  }
  async reserveIncidentNumber(_key: string, allocate: () => Promise<number>) {
    return allocate();
  }
  async createIncident(incident: Incident) {
    this.incidents.set(incident.id, incident);
  }
  async listOpenIncidents() {
    return [...this.incidents.values()].filter((incident) => incident.status !== 'resolved');
  }
}

class RecordingJobs implements Jobs {
  jobs: Job[] = [];
  async enqueue(job: Job) {
    this.jobs.push(job);
  }
}

/** The service's answer as Slack shows it. */
async function execute(service: CommandService, intent: Intent, input: CommandContext): Promise<Reply> {
  return toReply(await service.run(intent, input));
}

function setUp(incident?: Incident, options: { policy?: EscalationPolicy; events?: TimelineEvent[] } = {}) {
  const store = new FakeStore(incident, options.events);
  const jobs = new RecordingJobs();
  const service = new CommandService({
    store: store as unknown as IncidentStore,
    jobs,
    clock: { now: () => NOW },
    settings: { timeZone: 'UTC', ...('policy' in options ? { policy: options.policy } : { policy: POLICY }) },
  });
  return { store, jobs, service };
}

const OPEN = anIncident({ commander: 'U0ALICE' });
const RESOLVED = anIncident({
  commander: 'U0ALICE',
  status: 'resolved',
  resolvedAt: '2024-02-18T15:50:00.000Z',
  resolvedBy: 'U0ALICE',
});
const id = 'INC-7';

describe('follow-on jobs: what each verb queues after its decision is stored', () => {
  it.each<[string, Incident, Intent, Job[]]>([
    [
      'a log entry queues nothing (the timeline is read when needed)',
      OPEN,
      { verb: 'log', kind: 'note', text: 'hi' },
      [],
    ],
    ['setting the impact queues nothing', OPEN, { verb: 'impact', text: 'EU down' }, []],
    ['setting the root cause queues nothing', OPEN, { verb: 'cause', text: 'cert' }, []],
    [
      'a follow-up queues its ticket (a no-op without a tracker)',
      OPEN,
      { verb: 'follow-up', type: 'fix', text: 'alert on certs' },
      [{ type: 'tickets', incidentId: id }],
    ],
    [
      'a severity change re-plans the escalation, announces it and refreshes the summary',
      OPEN,
      { verb: 'severity', severity: 'sev1' },
      [
        { type: 'escalation-replan', incidentId: id, previous: 'sev2' },
        { type: 'announce-severity', incidentId: id, previous: 'sev2' },
        { type: 'refresh-summary', incidentId: id },
      ],
    ],
    [
      'a status change refreshes the summary',
      OPEN,
      { verb: 'status', status: 'monitoring' },
      [{ type: 'refresh-summary', incidentId: id }],
    ],
    [
      'a new commander refreshes the summary and is invited to the channel',
      OPEN,
      { verb: 'commander', user: 'U0DAVE' },
      [
        { type: 'refresh-summary', incidentId: id },
        { type: 'invite', incidentId: id, userId: 'U0DAVE' },
      ],
    ],
    [
      'an acknowledgement stops the escalation and refreshes the summary',
      OPEN,
      { verb: 'ack' },
      [
        { type: 'escalation-ack', incidentId: id },
        { type: 'refresh-summary', incidentId: id },
      ],
    ],
    [
      'a status update is announced (its event names it)',
      OPEN,
      { verb: 'update', text: 'rollback at 50%' },
      [{ type: 'announce-update', incidentId: id, eventId: 't-T1' }],
    ],
    [
      'a manual escalation queues the page job',
      OPEN,
      { verb: 'escalate', team: 'sre', reason: 'db' },
      [{ type: 'escalate', incidentId: id }],
    ],
    [
      'resolving stops the pages and publishes the postmortem',
      OPEN,
      { verb: 'resolve', resolution: 'rolled back' },
      [
        { type: 'escalation-resolve', incidentId: id },
        { type: 'publish-postmortem', incidentId: id },
      ],
    ],
    [
      'a late log entry on a resolved incident re-stores the postmortem',
      RESOLVED,
      { verb: 'log', kind: 'cause', text: 'bad config' },
      [{ type: 'store-postmortem', incidentId: id }],
    ],
    [
      'an impact set after resolution re-stores the postmortem',
      RESOLVED,
      { verb: 'impact', text: 'all EU' },
      [{ type: 'store-postmortem', incidentId: id }],
    ],
    [
      'a follow-up added after resolution re-stores the postmortem and queues its ticket',
      RESOLVED,
      { verb: 'follow-up', type: 'task', text: 'review' },
      [
        { type: 'store-postmortem', incidentId: id },
        { type: 'tickets', incidentId: id },
      ],
    ],
    ['a postmortem draft queues nothing', OPEN, { verb: 'postmortem' }, []],
    ['help queues nothing', OPEN, { verb: 'help' }, []],
    ['the list of open incidents queues nothing', OPEN, { verb: 'list' }, []],
  ])('%s', async (_name, incident, intent, expected) => {
    const { jobs, service } = setUp(incident);
    await execute(service, intent, IN_CHANNEL);
    expect(jobs.jobs).toEqual(expected);
  });

  it('declaring an incident starts the escalation beside the channel setup', async () => {
    const { jobs, service } = setUp();
    await execute(service, { verb: 'open', severity: 'sev1', title: 'Checkout down' }, IN_CHANNEL);
    expect(jobs.jobs).toEqual([
      { type: 'escalation-start', incidentId: 'INC-8' },
      { type: 'setup-channel', incidentId: 'INC-8' },
    ]);
  });
});

describe('follow-on jobs: refusals queue nothing and say why', () => {
  it.each<[string, Incident, Intent, string]>([
    ['a severity it already has', OPEN, { verb: 'severity', severity: 'sev2' }, 'INC-7 is already sev2.'],
    [
      'a status it already has',
      OPEN,
      { verb: 'status', status: 'investigating' },
      'INC-7 is already investigating.',
    ],
    [
      'acknowledging twice',
      anIncident({ acknowledgedAt: '2024-02-18T15:35:00.000Z', acknowledgedBy: 'U0CAROL' }),
      { verb: 'ack' },
      'INC-7 was already acknowledged by <@U0CAROL> at February 18, 2024, 15:35 UTC.',
    ],
    [
      'escalating a resolved incident',
      RESOLVED,
      { verb: 'escalate', team: 'sre' },
      'INC-7 was resolved at February 18, 2024, 15:50 UTC; `escalate` needs an open incident.',
    ],
    [
      'resolving twice',
      RESOLVED,
      { verb: 'resolve' },
      'INC-7 was resolved at February 18, 2024, 15:50 UTC; `resolve` needs an open incident.',
    ],
    ['an incident that does not exist', OPEN, { verb: 'ack', ref: 'INC-99' }, 'There is no incident INC-99.'],
  ])('%s', async (_name, incident, intent, message) => {
    const { jobs, service, store } = setUp(incident);
    const before = structuredClone(store.incidents.get(incident.id));
    const reply = await execute(service, intent, IN_CHANNEL);
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text.startsWith(`${message}\nUsage: `)).toBe(true);
    expect(jobs.jobs).toEqual([]);
    expect(store.incidents.get(incident.id)).toEqual(before);
  });

  it('a command typed outside any incident channel without an id is refused', async () => {
    const { jobs, service } = setUp(OPEN);
    const reply = await execute(service, { verb: 'ack' }, { ...IN_CHANNEL, channelId: 'C0RANDOM' });
    expect(reply.text).toMatch(/^This channel belongs to no incident/);
    expect(jobs.jobs).toEqual([]);
  });
});

describe('follow-on jobs: a command taken outside the incident channel is echoed there', () => {
  it.each<[string, Intent, CommandContext, string | undefined]>([
    [
      'from another channel',
      { verb: 'status', status: 'identified' },
      ELSEWHERE,
      '<@U0BOB> set the status of INC-7 to *identified* at 16:00 from <#C0OTHER>',
    ],
    [
      'from a direct message',
      { verb: 'ack', ref: 'INC-7' },
      { ...ELSEWHERE, channelId: 'D0BOB' },
      '<@U0BOB> acknowledged INC-7 at 16:00 from a direct message',
    ],
    [
      'not when typed in the incident channel',
      { verb: 'status', status: 'identified' },
      IN_CHANNEL,
      undefined,
    ],
  ])('%s', async (_name, intent, input, echo) => {
    const { jobs, service, store } = setUp(OPEN);
    store.channels.set('C0OTHER', 'INC-7');
    await execute(service, intent, input);
    const echoes = jobs.jobs.filter((job) => job.type === 'echo');
    // As the incident channel reads it.
    expect(echoes.map((job) => ({ ...job, message: renderMessage(job.message ?? []) }))).toEqual(
      echo ? [{ type: 'echo', incidentId: id, message: echo, key: 't-T1' }] : [],
    );
  });
});

describe('follow-on jobs: a redelivered request', () => {
  it('answers as the first delivery did and queues nothing more once it finished', async () => {
    const { jobs, service } = setUp(OPEN);
    const first = await execute(service, { verb: 'ack' }, IN_CHANNEL);
    jobs.jobs = [];
    const again = await execute(service, { verb: 'ack' }, IN_CHANNEL);
    expect(again).toEqual(first);
    expect(jobs.jobs).toEqual([]);
  });

  it('whose change was stored before a crash queues the same follow-on work, then recovery', async () => {
    // prepare: the first delivery stored sev1 (from sev2) and crashed before queueing or answering
    const applied: AppliedRequest = { request: 't-T1', previousSeverity: 'sev2' };
    const { jobs, service } = setUp(
      anIncident({ commander: 'U0ALICE', severity: 'sev1', applied: [applied] }),
    );
    await execute(service, { verb: 'severity', severity: 'sev1' }, IN_CHANNEL);
    expect(jobs.jobs).toEqual([
      { type: 'escalation-replan', incidentId: id, previous: 'sev2' },
      { type: 'announce-severity', incidentId: id, previous: 'sev2' },
      { type: 'refresh-summary', incidentId: id },
      { type: 'reconcile-incident', incidentId: id },
      { type: 'refresh-summary', incidentId: id },
    ]);
  });
});

describe('manual escalation: the teams it pages are fixed on its event, with the reason', () => {
  const pagedBefore = (team: string): TimelineEvent => ({
    id: `page.sev2.t0.${team}`,
    incidentId: id,
    at: '2024-02-18T15:30:05.000Z',
    recordedAt: '2024-02-18T15:30:05.000Z',
    kind: 'escalation',
    text: `Paged ${team}`,
    author: 'bot',
    team,
    page: { tier: 0, channels: ['slack'], failed: false },
  });
  it.each<
    [string, Intent, { policy?: EscalationPolicy; events?: TimelineEvent[] }, Partial<TimelineEvent>, RegExp]
  >([
    [
      'a named team is paged, with the typed reason',
      { verb: 'escalate', team: 'dba', reason: 'Replication lag' },
      {},
      { kind: 'escalation', text: 'Replication lag', team: 'dba', pageTeams: ['dba'] },
      /^Escalated INC-7 to \*dba\* at 16:00: Replication lag\. Paging dba now\.$/,
    ],
    [
      'without a team, the first tier with a team nobody paged is paged',
      { verb: 'escalate', reason: 'Need hands' },
      {},
      { text: 'Need hands', pageTeams: ['oncall'] },
      /Paging oncall now\.$/,
    ],
    [
      'without a team, teams already paged are left out of the next tier',
      { verb: 'escalate' },
      { events: [pagedBefore('oncall')] },
      { text: 'Escalated', pageTeams: ['sre'] },
      /Paging sre now\.$/,
    ],
    [
      'with every tier paged, nobody is paged and the reply names the teams one can page',
      { verb: 'escalate', reason: 'More' },
      { events: [pagedBefore('oncall'), pagedBefore('sre')] },
      { text: 'More', pageTeams: [] },
      /Nobody was paged: no tier of the escalation policy for sev2 is left to page\. Teams you can name: `oncall`, `sre`, `dba`/,
    ],
    [
      'without a policy, the escalation is only logged',
      { verb: 'escalate', reason: 'Help' },
      { policy: undefined },
      { text: 'Help' },
      /Nobody was paged: no escalation policy is configured/,
    ],
  ])('%s', async (_name, intent, options, event, reply) => {
    const { store, service } = setUp(OPEN, options);
    const answer: Reply = await execute(service, intent, IN_CHANNEL);
    const recorded = store.events.find((candidate) => candidate.id === 't-T1');
    expect(recorded).toMatchObject({ author: 'U0BOB', at: NOW.toISOString(), ...event });
    if (!('pageTeams' in event)) expect(recorded?.pageTeams).toBeUndefined();
    expect(answer.text).toMatch(reply);
  });

  it('is still allowed after acknowledgement, and still queues its page job', async () => {
    const { jobs, service, store } = setUp(
      anIncident({ acknowledgedAt: '2024-02-18T15:35:00.000Z', acknowledgedBy: 'U0CAROL' }),
    );
    await execute(service, { verb: 'escalate', team: 'sre', reason: 'still down' }, IN_CHANNEL);
    expect(store.events.find((event) => event.id === 't-T1')?.pageTeams).toEqual(['sre']);
    expect(jobs.jobs.map((job) => job.type)).toEqual(['escalate']);
  });
});
