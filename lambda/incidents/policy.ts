/**
 * The escalation policy (product.md, "Escalation policy"): parsed from YAML and validated with zod at
 * start, so a bad file stops the server with every bad field named by its path.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors';
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

const teamSchema = z
  .object({
    /** Slack user group id (S…) mentioned as <!subteam^ID>. */
    slack: z
      .string()
      .regex(/^S[A-Z0-9]+$/, { error: 'expected a Slack user group id like S0ONCALL' })
      .optional(),
    /** On-call users to DM. */
    users: z.array(slackUserId).optional(),
    /** PagerDuty Events API v2 routing key. */
    pagerduty: z.string().min(1).optional(),
    /** Opsgenie API key. */
    opsgenie: z.string().min(1).optional(),
    webhook: z.url({ error: 'expected an http(s) URL' }).optional(),
  })
  .strict();

const tierSchema = z
  .object({
    after: durationSchema,
    notify: z.array(z.string().min(1)).min(1, { error: 'expected at least one team' }),
  })
  .strict();

const tiersSchema = z.array(tierSchema).min(1, { error: 'expected at least one tier' });

const policySchema = z
  .object({
    teams: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, { error: 'team names are words' }),
      teamSchema,
    ),
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
  })
  .strict();

/**
 * Tiers naming a team the policy does not define. Read from the raw YAML rather than as a zod
 * refinement, which zod skips when any other field is bad: every bad field is reported at once.
 */
function unknownTeams(raw: unknown): { path: PropertyKey[]; message: string }[] {
  const policy = raw as { teams?: unknown; escalation?: unknown };
  if (!policy || typeof policy !== 'object' || !policy.escalation || typeof policy.escalation !== 'object')
    return [];
  const teams = policy.teams && typeof policy.teams === 'object' ? Object.keys(policy.teams) : [];
  const issues: { path: PropertyKey[]; message: string }[] = [];
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

export type EscalationPolicy = z.infer<typeof policySchema>;
export type Team = z.infer<typeof teamSchema>;
export interface Tier {
  /** Seconds after declaration. */
  after: number;
  notify: string[];
}

/** `escalation.sev1[0].after` */
function formatPath(path: PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
}

/** Parses and validates policy YAML; throws ConfigError listing every bad field. */
export function parsePolicy(yamlText: string, source = 'escalation policy'): EscalationPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (error) {
    throw new ConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  const result = policySchema.safeParse(raw ?? {});
  const issues = [...(result.success ? [] : result.error.issues), ...unknownTeams(raw)];
  if (!result.success || issues.length > 0) {
    const lines = issues.map((issue) => `${formatPath(issue.path) || '(top level)'}: ${issue.message}`);
    throw new ConfigError(`${source} is invalid:\n${lines.join('\n')}`);
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

export function teamNames(policy: EscalationPolicy | undefined): string[] {
  return policy ? Object.keys(policy.teams) : [];
}
