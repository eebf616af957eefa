import { parseDurationSeconds, parsePolicy, tiersFor } from '../../lambda/incidents/policy';

describe('escalation policy', () => {
  it('parses the product.md example, durations in s, m and h', () => {
    const policy = parsePolicy(`
teams:
  oncall: { slack: S0ONCALL, pagerduty: abc }
  sre:    { slack: S0SRE, pagerduty: def, webhook: https://example.test/hook }
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
  oncall: { slack: not-a-group, pagerduty: abc, phone: 123 }
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
});
