/**
 * Stands in for `yaml` in the Lambda bundles only (infra/bundling.ts, LAMBDA_ALIASES). The stack reads
 * the policy YAML at synth, checks it and passes it as ESCALATION_POLICY_JSON, so no function parses
 * YAML; leaving the parser out keeps 113 KB off every cold start (npm run bench, "cold load").
 */
function notInLambda(): never {
  throw new Error(
    'YAML is not parsed in Lambda: the stack checks the policy at synth and passes it as ESCALATION_POLICY_JSON',
  );
}

export const parse = notInLambda;
export default { parse };
