/**
 * The escalation policy (docs/policy.md): parsed from YAML and validated with zod at
 * start, so a bad file stops the server with every bad field named by its path.
 */
import { z } from 'zod';
import { describeIssues } from '../validation';
import { ConfigError } from './errors';
import {
  instantOfLocal,
  OVERRIDE_LAYER,
  parseClock,
  parseLocalDateTime,
  parseShift,
  type Schedule,
  WEEKDAYS,
} from './schedule';
import { isValidTimeZone } from './time';
import type { Severity } from './types';

const DURATION = /^(\d+)(s|m|h)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** `90s`, `15m`, `2h` → seconds. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

const durationSchema = z
  .union([z.string(), z.number()], { error: 'expected a duration like 15m' })
  .transform((value, ctx) => {
    const seconds = parseDurationSeconds(String(value));
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration like 15m' });
      return z.NEVER;
    }
    return seconds;
  });

const slackUserId = z.string().regex(/^[UW][A-Z0-9]+$/, { error: 'expected a Slack user id like U0123ABC' });

/**
 * PagerDuty's Events API v2 takes "the 32 character Integration Key for an integration on a service or
 * on a global ruleset" as `routing_key` (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/,
 * "Send an Alert Event", Parameters), and answers 400 for any other length: refused here, at start,
 * rather than at the first page.
 */
const PAGERDUTY_ROUTING_KEY_LENGTH = 32;
const ROUTING_KEY_MESSAGE = `expected a PagerDuty routing key of ${PAGERDUTY_ROUTING_KEY_LENGTH} characters (the Integration Key of an Events API v2 integration)`;

const routingKeySchema = z
  .string({ error: ROUTING_KEY_MESSAGE })
  .refine((key) => [...key].length === PAGERDUTY_ROUTING_KEY_LENGTH, {
    // The key is a secret: its length is named, never the key.
    error: (issue) => `${ROUTING_KEY_MESSAGE}, got ${[...String(issue.input)].length}`,
  });

const WEBHOOK_MESSAGE =
  'expected an https URL (http only for a loopback host: localhost, 127.0.0.0/8, [::1])';

/** localhost, 127.0.0.0/8 and [::1], as the WHATWG URL parser normalizes them (`127.1` → `127.0.0.1`). */
function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/** https anywhere; plain http only to this machine (local stand-ins and tests), never across a network. */
function isAllowedWebhookUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return url.hostname !== '';
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

const webhookSchema = z
  .string({ error: WEBHOOK_MESSAGE })
  .refine(isAllowedWebhookUrl, { error: WEBHOOK_MESSAGE });

const LOCAL_TIME_MESSAGE =
  "expected a local date and time like 2026-11-30T09:00 (in the schedule's timezone)";
const localTimeSchema = z
  .string({ error: LOCAL_TIME_MESSAGE })
  .refine((text) => parseLocalDateTime(text) !== undefined, { error: LOCAL_TIME_MESSAGE });

const CLOCK_MESSAGE = 'expected a local time of day like "09:00"';
const clockSchema = (endOfDay: boolean) =>
  z
    .string({ error: CLOCK_MESSAGE })
    .refine((text) => parseClock(text, endOfDay) !== undefined, { error: CLOCK_MESSAGE });

const DAY_MESSAGE = `expected a day: ${[...WEEKDAYS.slice(1), WEEKDAYS[0]].join(', ')}`;

const restrictSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS, { error: DAY_MESSAGE }), { error: 'expected a list of days like [mon, tue]' })
      .min(1, { error: 'never matches: no days (leave days out for every day)' })
      .optional(),
    from: clockSchema(false).optional(),
    to: clockSchema(true).optional(),
  })
  .strict();

const SHIFT_MESSAGE =
  'expected a shift like 12h, 1d or 1w (a whole number of hours, days or weeks, at least 1)';

const layerSchema = z
  .object({
    name: z.string({ error: 'expected a layer name' }).min(1, { error: 'expected a layer name' }),
    start: localTimeSchema,
    shift: z
      .string({ error: SHIFT_MESSAGE })
      .refine((text) => parseShift(text) !== undefined, { error: SHIFT_MESSAGE }),
    members: z
      .array(slackUserId, { error: 'expected a list of Slack user ids' })
      .min(1, { error: 'expected at least one member' }),
    restrict: restrictSchema.optional(),
  })
  .strict();

const overrideSchema = z.object({ user: slackUserId, from: localTimeSchema, to: localTimeSchema }).strict();

const TIMEZONE_MESSAGE = 'expected an IANA time zone like Europe/Berlin';

const scheduleSchema = z
  .object({
    timezone: z.string({ error: TIMEZONE_MESSAGE }).refine(isValidTimeZone, { error: TIMEZONE_MESSAGE }),
    layers: z
      .array(layerSchema, { error: 'expected a list of layers' })
      .min(1, { error: 'expected at least one layer' }),
    overrides: z.array(overrideSchema, { error: 'expected a list of overrides' }).default([]),
    /** Where handoffs are announced. */
    handoff_channel: z
      .string()
      .regex(/^[CG][A-Z0-9]+$/, { error: 'expected a Slack channel id like C0SRE' })
      .optional(),
    /** A Slack user group kept in sync with whoever is on call. */
    usergroup: z
      .string()
      .regex(/^S[A-Z0-9]+$/, { error: 'expected a Slack user group id like S0SREONCALL' })
      .optional(),
  })
  .strict();

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

const teamSchema = z
  .object({
    /** A schedule under `schedules`: the person on call there is paged. */
    schedule: z.string({ error: 'expected a schedule name' }).min(1).optional(),
    /** Slack user group id (S…) mentioned as <!subteam^ID>. */
    slack: z
      .string()
      .regex(/^S[A-Z0-9]+$/, { error: 'expected a Slack user group id like S0ONCALL' })
      .optional(),
    /** On-call users to DM. */
    users: z.array(slackUserId).optional(),
    /** PagerDuty Events API v2 routing key. */
    pagerduty: routingKeySchema.optional(),
    /** Opsgenie API key. */
    opsgenie: z.string().min(1).optional(),
    /** https, or http to a loopback host. */
    webhook: webhookSchema.optional(),
  })
  .strict();

/** The fields of a team that page someone: a team needs at least one (docs/policy.md). */
const PAGING_FIELDS = [
  'schedule',
  'slack',
  'users',
  'pagerduty',
  'opsgenie',
  'webhook',
] as const satisfies readonly (keyof z.infer<typeof teamSchema>)[];

const tierSchema = z
  .object({
    after: durationSchema,
    notify: z.array(z.string().min(1)).min(1, { error: 'expected at least one team' }),
  })
  .strict();

const tiersSchema = z.array(tierSchema).min(1, { error: 'expected at least one tier' });

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const repoSchema = z.string({ error: 'expected owner/name, like acme/ops' }).regex(REPO, {
  error: 'expected owner/name, like acme/ops',
});
const labelsSchema = z
  .array(
    z
      .string()
      .min(1, { error: 'labels are non-empty' })
      .max(50, { error: 'labels are at most 50 characters' }),
  )
  .optional();

/** Where follow-ups become tickets (docs/trackers.md). */
const followupsSchema = z.discriminatedUnion(
  'tracker',
  [
    z.strictObject({ tracker: z.literal('github'), repo: repoSchema, labels: labelsSchema }),
    z.strictObject({
      tracker: z.literal('jira'),
      project: z
        .string({ error: 'expected a Jira project key like OPS' })
        .regex(/^[A-Z][A-Z0-9_]{1,9}$/, { error: 'expected a Jira project key like OPS' }),
      issueType: z.string().min(1).optional(),
      labels: labelsSchema,
    }),
    z.strictObject({
      tracker: z.literal('linear'),
      team: z
        .string({ error: 'expected a Linear team key like OPS' })
        .regex(/^[A-Za-z0-9]{1,7}$/, { error: 'expected a Linear team key like OPS' }),
      labels: labelsSchema,
    }),
  ],
  { error: 'expected tracker: github, jira or linear' },
);

/** A Slack user's accounts in the trackers, so a follow-up's owner becomes the ticket's assignee. */
const personSchema = z.strictObject({
  github: z
    .string()
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { error: 'expected a GitHub login like anna-k' })
    .optional(),
  jira: z.string().min(1, { error: 'expected a Jira account id' }).optional(),
  linear: z.string().min(1, { error: 'expected a Linear user id' }).optional(),
});

/** Postmortems committed to a GitHub repository, each through a pull request. */
const postmortemsSchema = z.strictObject({
  github: z.strictObject({
    repo: repoSchema,
    branch: z.string().min(1).default('main'),
    path: z
      .string()
      .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_./-]*[A-Za-z0-9_-]$/, {
        error: 'expected a folder inside the repository, like postmortems',
      })
      .default('postmortems'),
  }),
});

const policySchema = z
  .object({
    teams: z.record(z.string().regex(NAME, { error: 'team names are words' }), teamSchema),
    schedules: z
      .record(z.string().regex(NAME, { error: 'schedule names are words' }), scheduleSchema)
      .optional(),
    escalation: z
      .object({
        default: tiersSchema.optional(),
        sev1: tiersSchema.optional(),
        sev2: tiersSchema.optional(),
        sev3: tiersSchema.optional(),
        sev4: tiersSchema.optional(),
      })
      .strict()
      .default({}),
    reminders: z
      .object({
        sev1: durationSchema.optional(),
        sev2: durationSchema.optional(),
        sev3: durationSchema.optional(),
        sev4: durationSchema.optional(),
      })
      .strict()
      .default({}),
    alerts: z
      .object({
        maxNewIncidentsPerMinute: z
          .number({ error: 'expected a whole number of incidents, at least 1' })
          .int({ error: 'expected a whole number of incidents, at least 1' })
          .min(1, { error: 'expected a whole number of incidents, at least 1' })
          .optional(),
        reopenAfter: durationSchema.optional(),
      })
      .strict()
      .default({}),
    followups: followupsSchema.optional(),
    people: z
      .record(z.string(), personSchema)
      .superRefine((people, ctx) => {
        for (const key of Object.keys(people)) {
          if (!slackUserId.safeParse(key).success) {
            ctx.addIssue({ code: 'custom', path: [key], message: 'expected a Slack user id like U0123ABC' });
          }
        }
      })
      .optional(),
    postmortems: postmortemsSchema.optional(),
  })
  .strict();

type RawIssue = { path: PropertyKey[]; message: string };

/**
 * Teams with no field that pages anyone. Read from the raw YAML, like `unknownTeams`, so a team with an
 * unrelated bad field is still reported. A field that is present but bad is reported by the schema;
 * an empty `users` list pages nobody.
 */
function teamsWithoutPager(raw: unknown): RawIssue[] {
  const teams = (raw as { teams?: unknown } | null)?.teams;
  if (!teams || typeof teams !== 'object' || Array.isArray(teams)) return [];
  const issues: RawIssue[] = [];
  for (const [name, team] of Object.entries(teams)) {
    if (!team || typeof team !== 'object' || Array.isArray(team)) continue; // the schema names the type
    const fields = team as Record<string, unknown>;
    const pages = PAGING_FIELDS.some((field) => {
      const value = fields[field];
      return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
    });
    if (!pages) {
      issues.push({
        path: ['teams', name],
        message: `no way to page this team: set at least one of ${PAGING_FIELDS.join(', ')}`,
      });
    }
  }
  return issues;
}

/**
 * Tiers naming a team the policy does not define. Read from the raw YAML rather than as a zod
 * refinement, which zod skips when any other field is bad: every bad field is reported at once.
 */
function unknownTeams(raw: unknown): RawIssue[] {
  const policy = raw as { teams?: unknown; escalation?: unknown };
  if (!policy || typeof policy !== 'object' || !policy.escalation || typeof policy.escalation !== 'object')
    return [];
  const teams = policy.teams && typeof policy.teams === 'object' ? Object.keys(policy.teams) : [];
  const issues: RawIssue[] = [];
  for (const [level, tiers] of Object.entries(policy.escalation)) {
    if (!Array.isArray(tiers)) continue;
    tiers.forEach((tier: { notify?: unknown }, index) => {
      if (!Array.isArray(tier?.notify)) return;
      tier.notify.forEach((team, teamIndex) => {
        if (typeof team === 'string' && !teams.includes(team)) {
          issues.push({
            path: ['escalation', level, index, 'notify', teamIndex],
            message: `unknown team '${team}' (teams: ${teams.join(', ') || 'none'})`,
          });
        }
      });
    });
  }
  return issues;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A local time as an instant of the zone (when the zone is good), else as its wall-clock reading. */
function localInstant(text: unknown, tz: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (typeof tz !== 'string' || !isValidTimeZone(tz)) return parseLocalDateTime(text);
  return instantOfLocal(text, tz);
}

/**
 * What the schema cannot see field by field, read from the raw YAML so that it is reported even when
 * other fields are bad: `restrict` windows that never match, layer names used twice (or `override`),
 * overrides that end before they start or overlap another.
 */
function scheduleProblems(raw: unknown): RawIssue[] {
  const schedules = isObject(raw) ? raw.schedules : undefined;
  if (!isObject(schedules)) return [];
  const issues: RawIssue[] = [];
  for (const [name, schedule] of Object.entries(schedules)) {
    if (!isObject(schedule)) continue;
    const at = (...path: PropertyKey[]) => ['schedules', name, ...path];
    const names = new Map<string, number>();
    (Array.isArray(schedule.layers) ? schedule.layers : []).forEach((layer: unknown, index) => {
      if (!isObject(layer)) return;
      if (typeof layer.name === 'string' && layer.name !== '') {
        const first = names.get(layer.name);
        if (layer.name === OVERRIDE_LAYER) {
          issues.push({ path: at('layers', index, 'name'), message: `'${OVERRIDE_LAYER}' names overrides` });
        } else if (first !== undefined) {
          issues.push({
            path: at('layers', index, 'name'),
            message: `layer name '${layer.name}' is already used by layers[${first}]`,
          });
        } else names.set(layer.name, index);
      }
      const restrict = layer.restrict;
      if (!isObject(restrict)) return;
      const from = restrict.from === undefined ? 0 : parseClock(String(restrict.from));
      const to = restrict.to === undefined ? 24 * 60 : parseClock(String(restrict.to), true);
      if (from !== undefined && to !== undefined && from === to) {
        issues.push({
          path: at('layers', index, 'restrict'),
          message: `never matches: from and to are the same time of day (${restrict.from ?? '00:00'}, ${restrict.to ?? '24:00'})`,
        });
      }
    });
    const overrides = Array.isArray(schedule.overrides) ? schedule.overrides : [];
    const spans: { index: number; from: number; to: number; text: string }[] = [];
    overrides.forEach((override: unknown, index) => {
      if (!isObject(override)) return;
      const from = localInstant(override.from, schedule.timezone);
      const to = localInstant(override.to, schedule.timezone);
      if (from === undefined || to === undefined) return; // the schema names the bad time
      if (to <= from) {
        issues.push({
          path: at('overrides', index, 'to'),
          message: `expected a time after from (${String(override.from)})`,
        });
        return;
      }
      const text = `${String(override.user)} from ${String(override.from)} to ${String(override.to)}`;
      for (const other of spans) {
        if (from < other.to && other.from < to) {
          issues.push({
            path: at('overrides', index),
            message: `overlaps overrides[${other.index}] (${other.text}): overrides[${index}] is ${text}`,
          });
        }
      }
      spans.push({ index, from, to, text });
    });
  }
  return issues;
}

/** Teams whose `schedule` names no schedule under `schedules`. */
function unknownSchedules(raw: unknown): RawIssue[] {
  if (!isObject(raw) || !isObject(raw.teams)) return [];
  const names = isObject(raw.schedules) ? Object.keys(raw.schedules) : [];
  const issues: RawIssue[] = [];
  for (const [team, config] of Object.entries(raw.teams)) {
    if (!isObject(config) || typeof config.schedule !== 'string') continue;
    if (!names.includes(config.schedule)) {
      issues.push({
        path: ['teams', team, 'schedule'],
        message: `unknown schedule '${config.schedule}' (schedules: ${names.join(', ') || 'none'})`,
      });
    }
  }
  return issues;
}

export type EscalationPolicy = z.infer<typeof policySchema>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;
export type Team = z.infer<typeof teamSchema>;
export interface Tier {
  /** Seconds after declaration. */
  after: number;
  notify: string[];
}

/** `escalation.sev1[0].after` */
/**
 * Parses and validates policy YAML; throws ConfigError listing every bad field, each named by its path
 * (`teams.sre.webhook: …`): the schema's issues, teams that page nobody, tiers naming unknown teams.
 */
export function parsePolicy(yamlText: string, source = 'escalation policy'): EscalationPolicy {
  let raw: unknown;
  try {
    // Required here, not imported: a container whose configuration has no policy never loads
    // `yaml` (113 KB bundled), and one that has loads it once, on this call, not at module load.
    const { parse } = require('yaml') as typeof import('yaml');
    raw = parse(yamlText);
  } catch (error) {
    throw new ConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  return checkPolicy(raw, source);
}

/**
 * Validates a policy already read into a value (YAML or JSON parsed), as parsePolicy does after
 * parsing: a policy checked at synth and shipped as JSON needs no YAML parser at run time.
 */
export function checkPolicy(raw: unknown, source = 'escalation policy'): EscalationPolicy {
  const result = policySchema.safeParse(raw ?? {});
  const issues = [
    ...(result.success ? [] : result.error.issues),
    ...teamsWithoutPager(raw),
    ...unknownTeams(raw),
    ...scheduleProblems(raw),
    ...unknownSchedules(raw),
  ];
  if (!result.success || issues.length > 0) {
    throw new ConfigError(`${source} is invalid:\n${describeIssues(issues, '(top level)').join('\n')}`);
  }
  return result.data;
}

/** The tiers that apply to a severity: its own list, else `default`, else none. */
export function tiersFor(policy: EscalationPolicy, severity: Severity): Tier[] {
  return policy.escalation[severity] ?? policy.escalation.default ?? [];
}

export function reminderSecondsFor(policy: EscalationPolicy, severity: Severity): number | undefined {
  return policy.reminders[severity];
}

/** How alerts open incidents (docs/policy.md, "alerts"). */
export interface AlertRules {
  /** Incidents alerts may open per minute; beyond it one "alert storm" incident collects the rest. */
  maxNewIncidentsPerMinute: number;
  /** A repeat within this long of its incident's resolution is a note on it, not a new incident. */
  reopenAfterSeconds: number;
}

export const DEFAULT_ALERT_RULES: AlertRules = { maxNewIncidentsPerMinute: 5, reopenAfterSeconds: 3600 };

export function alertRules(policy: EscalationPolicy | undefined): AlertRules {
  return {
    maxNewIncidentsPerMinute:
      policy?.alerts.maxNewIncidentsPerMinute ?? DEFAULT_ALERT_RULES.maxNewIncidentsPerMinute,
    reopenAfterSeconds: policy?.alerts.reopenAfter ?? DEFAULT_ALERT_RULES.reopenAfterSeconds,
  };
}

export function teamNames(policy: EscalationPolicy | undefined): string[] {
  return policy ? Object.keys(policy.teams) : [];
}

/** The schedule a team pages through, if it has one. */
export function scheduleOf(policy: EscalationPolicy | undefined, team: string): Schedule | undefined {
  const name = policy?.teams[team]?.schedule;
  return name === undefined ? undefined : policy?.schedules?.[name];
}
