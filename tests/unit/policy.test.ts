import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  alertRules,
  DEFAULT_ALERT_RULES,
  parseDurationSeconds,
  parsePolicy,
  scheduleOf,
  tiersFor,
} from '../../lambda/incidents/policy';
import { onCallAt } from '../../lambda/incidents/schedule';

// PagerDuty routing keys are 32 characters; these are shaped like them.
const ONCALL_KEY = 'R0UTINGKEY0ONCALL000000000000000';
const SRE_KEY = 'R0UTINGKEY0SRE000000000000000000';

describe('escalation policy', () => {
  it('parses the docs/policy.md example, durations in s, m and h', () => {
    const policy = parsePolicy(`
teams:
  oncall: { slack: S0ONCALL, pagerduty: ${ONCALL_KEY} }
  sre:    { slack: S0SRE, pagerduty: ${SRE_KEY}, webhook: https://example.test/hook }
escalation:
  default:
    - { after: 0m,  notify: [oncall] }
    - { after: 15m, notify: [sre] }
  sev1:
    - { after: 0s,  notify: [oncall, sre] }
    - { after: 2h,  notify: [sre] }
reminders:
  sev1: 15m
  sev2: 30m
`);
    expect(tiersFor(policy, 'sev3').map((tier) => tier.after)).toEqual([0, 900]);
    expect(tiersFor(policy, 'sev1').map((tier) => [tier.after, tier.notify])).toEqual([
      [0, ['oncall', 'sre']],
      [7200, ['sre']],
    ]);
    expect(policy.reminders).toEqual({ sev1: 900, sev2: 1800 });
  });

  it('names every bad field by its path', () => {
    const parse = () =>
      parsePolicy(`
teams:
  oncall: { slack: not-a-group, pagerduty: ${ONCALL_KEY}, phone: 123 }
escalation:
  sev1:
    - { after: 15 minutes, notify: [oncall] }
    - { after: 5m, notify: [ghost] }
  sev9:
    - { after: 1m, notify: [oncall] }
reminders:
  sev2: often
`);
    expect(parse).toThrow(/teams\.oncall\.slack: expected a Slack user group id/);
    expect(parse).toThrow(/teams\.oncall: Unrecognized key: "phone"/i);
    expect(parse).toThrow(/escalation\.sev1\[0\]\.after: expected a duration like 15m/);
    expect(parse).toThrow(/escalation\.sev1\[1\]\.notify\[0\]: unknown team 'ghost'/);
    expect(parse).toThrow(/escalation: Unrecognized key: "sev9"/i);
    expect(parse).toThrow(/reminders\.sev2: expected a duration like 15m/);
  });

  it('reads the alerts section (docs/policy.md), with defaults of 5 new incidents a minute and 1h to reopen', () => {
    const teams = `teams:\n  oncall: { slack: S0ONCALL }\n`;
    expect(alertRules(parsePolicy(teams))).toEqual(DEFAULT_ALERT_RULES);
    expect(DEFAULT_ALERT_RULES).toEqual({ maxNewIncidentsPerMinute: 5, reopenAfterSeconds: 3600 });
    expect(alertRules(undefined)).toEqual(DEFAULT_ALERT_RULES);
    const policy = parsePolicy(`${teams}alerts:\n  maxNewIncidentsPerMinute: 12\n  reopenAfter: 30m\n`);
    expect(alertRules(policy)).toEqual({ maxNewIncidentsPerMinute: 12, reopenAfterSeconds: 1800 });
  });

  it('names every bad field of the alerts section', () => {
    const parse = () =>
      parsePolicy(
        'teams:\n  oncall: { slack: S0ONCALL }\nalerts:\n  maxNewIncidentsPerMinute: 0\n  reopenAfter: soon\n  storms: yes\n',
      );
    expect(parse).toThrow(
      /alerts\.maxNewIncidentsPerMinute: expected a whole number of incidents, at least 1/,
    );
    expect(parse).toThrow(/alerts\.reopenAfter: expected a duration like 15m/);
    expect(parse).toThrow(/alerts: Unrecognized key: "storms"/i);
  });

  it('refuses YAML that does not parse', () => {
    expect(() => parsePolicy('teams: [oncall', 'policy.yaml')).toThrow(/policy.yaml: not valid YAML/);
  });

  it.each([
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['0m', 0],
    ['15', undefined],
    ['1d', undefined],
    ['m', undefined],
  ])('reads the duration %s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  describe('paging checks', () => {
    const WEBHOOK = 'expected an https URL (http only for a loopback host: localhost, 127.0.0.0/8, [::1])';
    const ROUTING_KEY =
      'expected a PagerDuty routing key of 32 characters (the Integration Key of an Events API v2 integration)';
    const NO_PAGER =
      'no way to page this team: set at least one of schedule, slack, users, pagerduty, opsgenie, webhook';

    /** The error lines of a policy with these teams, or [] when it is valid. */
    function problems(teams: string): string[] {
      try {
        parsePolicy(`teams:\n${teams}\n`);
        return [];
      } catch (error) {
        return (error as Error).message.split('\n').slice(1);
      }
    }

    it('accepts a team paged by any one of slack, users, pagerduty, opsgenie or an https webhook', () => {
      expect(
        problems(`
  a: { slack: S0A }
  b: { users: [U0BOB] }
  c: { pagerduty: ${ONCALL_KEY} }
  d: { opsgenie: genie-key }
  e: { webhook: https://hooks.example.test/page?token=x }`),
      ).toEqual([]);
    });

    it.each(['escalation-policy.yaml', 'demo-policy.yaml'])(
      'passes them in the shipped examples/%s',
      (file) => {
        const text = readFileSync(path.join(__dirname, '../../examples', file), 'utf8');
        expect(() => parsePolicy(text, file)).not.toThrow();
      },
    );

    it('refuses a team with no way to page it, naming the team', () => {
      expect(problems('  quiet: {}')).toEqual([`teams.quiet: ${NO_PAGER}`]);
    });

    it('counts an empty users list as no way to page', () => {
      expect(problems('  quiet: { users: [] }')).toEqual([`teams.quiet: ${NO_PAGER}`]);
    });

    it.each([
      ['http to a host on the network', 'http://hooks.example.test/page'],
      ['another scheme', 'ftp://hooks.example.test/page'],
      ['a host that only starts like a loopback address', 'http://127.0.0.1.example.test/page'],
      ['text that is no URL', 'hooks.example.test/page'],
    ])('refuses a webhook with %s', (_, url) => {
      expect(problems(`  sre: { webhook: "${url}" }`)).toEqual([`teams.sre.webhook: ${WEBHOOK}`]);
    });

    it.each([
      'http://localhost:8080/hook',
      'http://127.0.0.1:9000/hook',
      'http://127.8.9.10/hook',
      'http://[::1]:9000/hook',
    ])('accepts an http webhook to the loopback host of %s', (url) => {
      const policy = parsePolicy(`teams:\n  local: { webhook: "${url}" }\n`);
      expect(policy.teams.local?.webhook).toBe(url);
    });

    it.each([
      ['shorter', 'R0UTINGKEY', 10],
      ['longer', `${ONCALL_KEY}0`, 33],
    ])(
      'refuses a PagerDuty routing key %s than 32 characters, naming its length and never the key',
      (_, key, length) => {
        const lines = problems(`  sre: { pagerduty: ${key} }`);
        expect(lines).toEqual([`teams.sre.pagerduty: ${ROUTING_KEY}, got ${length}`]);
        expect(lines.join('\n')).not.toContain(key);
      },
    );

    it('refuses a PagerDuty routing key that is not text', () => {
      expect(problems('  sre: { pagerduty: 12345678901234567890123456789012 }')).toEqual([
        `teams.sre.pagerduty: ${ROUTING_KEY}`,
      ]);
    });

    it('reports every bad field of a policy at once, each by its path', () => {
      // prepare: three bad teams, a team that pages nobody next to a bad field, and a bad tier
      const parse = () =>
        parsePolicy(
          `
teams:
  oncall: { slack: S0ONCALL, pagerduty: short-key }
  sre:    { webhook: http://hooks.example.test/page, pagerduty: ${SRE_KEY} }
  dba:    { phone: 123 }
  idle:   {}
escalation:
  sev1:
    - { after: soon, notify: [oncall, ghost] }
`,
          'policy.yaml',
        );

      // act
      let message = '';
      try {
        parse();
      } catch (error) {
        message = (error as Error).message;
      }

      // assess: one line per bad field, none left out
      expect(message.split('\n')).toEqual([
        'policy.yaml is invalid:',
        `teams.oncall.pagerduty: ${ROUTING_KEY}, got 9`,
        `teams.sre.webhook: ${WEBHOOK}`,
        'teams.dba: Unrecognized key: "phone"',
        'escalation.sev1[0].after: expected a duration like 15m',
        `teams.dba: ${NO_PAGER}`,
        `teams.idle: ${NO_PAGER}`,
        "escalation.sev1[0].notify[1]: unknown team 'ghost' (teams: oncall, sre, dba, idle)",
      ]);
    });
  });

  describe('schedules', () => {
    const SRE_SCHEDULE = `
schedules:
  sre:
    timezone: Europe/Berlin
    layers:
      - { name: primary, start: 2026-11-30T09:00, shift: 1w, members: [U0ANNA, U0BEN, U0CARL] }
      - { name: weekday-days, start: 2026-11-30T09:00, shift: 1d, members: [U0DANA, U0ERIK],
          restrict: { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" } }
    overrides:
      - { user: U0DANA, from: 2026-12-24T00:00, to: 2026-12-27T00:00 }
    handoff_channel: C0SRE
    usergroup: S0SREONCALL
`;

    function problems(yaml: string): string[] {
      try {
        parsePolicy(yaml, 'policy.yaml');
        return [];
      } catch (error) {
        return (error as Error).message.split('\n').slice(1);
      }
    }

    it('reads the docs/policy.md schedule; a team with only a schedule can be paged', () => {
      const policy = parsePolicy(
        `${SRE_SCHEDULE}teams:\n  sre: { schedule: sre }\n  web: { slack: S0WEB }\nescalation:\n  default: [ { after: 0m, notify: [sre] } ]\n`,
      );
      const schedule = scheduleOf(policy, 'sre');
      expect(schedule?.timezone).toBe('Europe/Berlin');
      expect(schedule?.overrides).toEqual([
        { user: 'U0DANA', from: '2026-12-24T00:00', to: '2026-12-27T00:00' },
      ]);
      expect(scheduleOf(policy, 'web')).toBeUndefined();
      expect(scheduleOf(policy, 'ghost')).toBeUndefined();
      expect(onCallAt(schedule as NonNullable<typeof schedule>, '2026-12-01T12:00:00Z')?.user).toBe('U0ERIK');
      // overrides default to none
      const bare = parsePolicy(
        'schedules:\n  s: { timezone: UTC, layers: [ { name: a, start: 2026-01-01T00:00, shift: 12h, members: [U0A] } ] }\nteams: {}\n',
      );
      expect(bare.schedules?.s?.overrides).toEqual([]);
    });

    it('names every bad field of a schedule by its path', () => {
      expect(
        problems(`
schedules:
  sre:
    timezone: Europe/Berlinn
    layers:
      - { name: primary, start: 2026-11-31T09:00, shift: 1m, members: [anna] }
      - { name: primary, start: 2026-11-30T09:00, shift: 0d, members: [], restrict: { days: [], from: "09:00", to: "09:00" } }
      - { name: x, start: 2026-11-30 09:00, shift: 1d, members: [U0A], restrict: { days: [mon, funday], from: "25:00" } }
    overrides:
      - { user: U0DANA, from: 2026-12-24T00:00, to: 2026-12-27T00:00 }
      - { user: U0ERIK, from: 2026-12-26T00:00, to: 2026-12-28T00:00 }
      - { user: U0ERIK, from: 2026-12-29T00:00, to: 2026-12-28T00:00 }
    handoff_channel: sre
  ops:
    layers: []
    color: red
teams:
  sre: { schedule: sree }
  web: { schedule: sre, slack: S0WEB }
  q: {}
`),
      ).toEqual([
        'schedules.sre.timezone: expected an IANA time zone like Europe/Berlin',
        "schedules.sre.layers[0].start: expected a local date and time like 2026-11-30T09:00 (in the schedule's timezone)",
        'schedules.sre.layers[0].shift: expected a shift like 12h, 1d or 1w (a whole number of hours, days or weeks, at least 1)',
        'schedules.sre.layers[0].members[0]: expected a Slack user id like U0123ABC',
        'schedules.sre.layers[1].shift: expected a shift like 12h, 1d or 1w (a whole number of hours, days or weeks, at least 1)',
        'schedules.sre.layers[1].members: expected at least one member',
        'schedules.sre.layers[1].restrict.days: never matches: no days (leave days out for every day)',
        "schedules.sre.layers[2].start: expected a local date and time like 2026-11-30T09:00 (in the schedule's timezone)",
        'schedules.sre.layers[2].restrict.days[1]: expected a day: mon, tue, wed, thu, fri, sat, sun',
        'schedules.sre.layers[2].restrict.from: expected a local time of day like "09:00"',
        'schedules.sre.handoff_channel: expected a Slack channel id like C0SRE',
        'schedules.ops.timezone: expected an IANA time zone like Europe/Berlin',
        'schedules.ops.layers: expected at least one layer',
        'schedules.ops: Unrecognized key: "color"',
        'teams.q: no way to page this team: set at least one of schedule, slack, users, pagerduty, opsgenie, webhook',
        "schedules.sre.layers[1].name: layer name 'primary' is already used by layers[0]",
        'schedules.sre.layers[1].restrict: never matches: from and to are the same time of day (09:00, 09:00)',
        'schedules.sre.overrides[1]: overlaps overrides[0] (U0DANA from 2026-12-24T00:00 to 2026-12-27T00:00): overrides[1] is U0ERIK from 2026-12-26T00:00 to 2026-12-28T00:00',
        'schedules.sre.overrides[2].to: expected a time after from (2026-12-29T00:00)',
        "teams.sre.schedule: unknown schedule 'sree' (schedules: sre, ops)",
      ]);
    });

    it.each([
      ['a window across midnight', '{ from: "22:00", to: "06:00" }'],
      ['only from', '{ from: "09:00" }'],
      ['a whole day', '{ from: "00:00", to: "24:00" }'],
      ['only days', '{ days: [sat, sun] }'],
    ])('accepts a restrict window of %s', (_, restrict) => {
      const yaml = `schedules:\n  s:\n    timezone: UTC\n    layers:\n      - { name: a, start: 2026-01-01T00:00, shift: 1d, members: [U0A], restrict: ${restrict} }\nteams: {}\n`;
      expect(problems(yaml)).toEqual([]);
    });

    it('refuses a restrict window of 00:00 to 00:00, and a layer named like overrides', () => {
      const yaml = `schedules:\n  s:\n    timezone: UTC\n    layers:\n      - { name: override, start: 2026-01-01T00:00, shift: 1d, members: [U0A], restrict: { to: "00:00" } }\nteams: {}\n`;
      expect(problems(yaml)).toEqual([
        "schedules.s.layers[0].name: 'override' names overrides",
        'schedules.s.layers[0].restrict: never matches: from and to are the same time of day (00:00, 00:00)',
      ]);
    });

    it('lets overrides touch end to start, and says a team names a schedule when there are none', () => {
      expect(
        problems(
          `${SRE_SCHEDULE}  b:\n    timezone: UTC\n    layers: [ { name: a, start: 2026-01-01T00:00, shift: 1d, members: [U0A] } ]\n    overrides:\n      - { user: U0A, from: 2026-01-01T00:00, to: 2026-01-02T00:00 }\n      - { user: U0B, from: 2026-01-02T00:00, to: 2026-01-03T00:00 }\nteams: {}\n`,
        ),
      ).toEqual([]);
      expect(problems('teams:\n  sre: { schedule: sre }\n')).toEqual([
        "teams.sre.schedule: unknown schedule 'sre' (schedules: none)",
      ]);
    });
  });
});

describe('followups, people and postmortems (docs/trackers.md)', () => {
  function problems(yaml: string): string[] {
    try {
      parsePolicy(`teams: {}\n${yaml}\n`);
      return [];
    } catch (error) {
      return (error as Error).message.split('\n').slice(1);
    }
  }

  it('reads a tracker of each kind, people and a postmortem repository with its defaults', () => {
    expect(
      parsePolicy('teams: {}\nfollowups: { tracker: github, repo: acme/ops, labels: [incident] }\n')
        .followups,
    ).toEqual({ tracker: 'github', repo: 'acme/ops', labels: ['incident'] });
    expect(parsePolicy('teams: {}\nfollowups: { tracker: jira, project: OPS }\n').followups).toEqual({
      tracker: 'jira',
      project: 'OPS',
    });
    expect(parsePolicy('teams: {}\nfollowups: { tracker: linear, team: ENG }\n').followups).toEqual({
      tracker: 'linear',
      team: 'ENG',
    });
    const policy = parsePolicy(
      'teams: {}\npeople: { U0ANNA: { github: anna-k, jira: 5b10a2844c20165700ede21g } }\npostmortems: { github: { repo: acme/postmortems } }\n',
    );
    expect(policy.people).toEqual({ U0ANNA: { github: 'anna-k', jira: '5b10a2844c20165700ede21g' } });
    expect(policy.postmortems).toEqual({
      github: { repo: 'acme/postmortems', branch: 'main', path: 'postmortems' },
    });
  });

  it('names every bad field', () => {
    expect(problems('followups: { tracker: gitlab, repo: a/b }')).toEqual([
      'followups.tracker: expected tracker: github, jira or linear',
    ]);
    expect(problems('followups: { tracker: github, repo: ops }')).toEqual([
      'followups.repo: expected owner/name, like acme/ops',
    ]);
    expect(problems('followups: { tracker: jira, project: ops-team }')).toEqual([
      'followups.project: expected a Jira project key like OPS',
    ]);
    expect(problems('people: { anna: { github: "-bad", gitlab: x } }')).toEqual([
      'people.anna.github: expected a GitHub login like anna-k',
      'people.anna: Unrecognized key: "gitlab"',
      'people.anna: expected a Slack user id like U0123ABC',
    ]);
    expect(problems('postmortems: { github: { repo: acme/pm, path: ../etc } }')).toEqual([
      'postmortems.github.path: expected a folder inside the repository, like postmortems',
    ]);
  });
});
