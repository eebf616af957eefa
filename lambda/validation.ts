/**
 * How a zod validation failure is told: one rule for every boundary (the grammar, the environment,
 * the policy, timer events, jobs, secrets), so a bad field always reads `path: problem`.
 */
import type { z } from 'zod';

/** `a.b.0.c`, or `whole` for a problem with the value itself. */
export function issuePath(issue: z.core.$ZodIssue, whole: string): string {
  return issue.path.length > 0 ? issue.path.map(String).join('.') : whole;
}

/** Every problem, one `path: problem` each. */
export function describeIssues(error: z.ZodError, whole = '(value)'): string[] {
  return error.issues.map((issue) => `${issuePath(issue, whole)}: ${issue.message}`);
}
