/**
 * How a validation failure is told: one rule for every boundary (the grammar, the environment, the
 * policy, timer events, jobs, secrets), so a bad field always reads `path: problem`, with list
 * positions in brackets (`escalation.sev1[0].after`).
 */
import type { z } from 'zod';

/** Anything with a path to the bad value and what is wrong with it: a zod issue, or one of ours. */
export interface Problem {
  path: readonly PropertyKey[];
  message: string;
}

/** `a.b[0].c`, or `whole` for a problem with the value itself. */
export function issuePath(issue: Pick<Problem, 'path'>, whole: string): string {
  const path = issue.path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
  return path || whole;
}

/** Every problem, one `path: problem` each. */
export function describeIssues(error: z.ZodError | readonly Problem[], whole = '(value)'): string[] {
  const problems: readonly Problem[] = Array.isArray(error) ? error : (error as z.ZodError).issues;
  return problems.map((issue) => `${issuePath(issue, whole)}: ${issue.message}`);
}
