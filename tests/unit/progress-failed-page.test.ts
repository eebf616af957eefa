/**
 * wantedPages within one plan: a team whose page in an earlier tier failed for good is paged again
 * by the next tier that names it (a page that gave up must not silence the team for the incident).
 */
import { parsePolicy } from '../../lambda/incidents/policy';
import { wantedPages } from '../../lambda/incidents/progress';
import type { IncidentRecord } from '../../lambda/incidents/types';
import { anIncident } from '../fixtures/incidents';

const POLICY = parsePolicy(`
teams:
  oncall: { slack: S0ONCALL }
  sre:    { slack: S0SRE }
escalation:
  default:
    - { after: 0m,  notify: [oncall] }
    - { after: 15m, notify: [oncall, sre] }
`);

it('lets a later tier page a team whose earlier page failed for good', () => {
  // prepare: tier 0's page to oncall gave up (PagerDuty refused it for good); tier 1 names oncall again
  const record: IncidentRecord = {
    incident: anIncident({ severity: 'sev2' }),
    events: [],
    followUps: [],
    steps: {
      'page.sev2.t0.oncall': {
        name: 'page.sev2.t0.oncall',
        state: 'failed',
        attempts: 5,
        permanent: true,
        error: 'HTTP 400 invalid routing key',
        result: { team: 'oncall', tier: 0, delivered: [] },
      },
    },
  };

  // act: 15 minutes after the declaration (15:30Z), tier 1 is due
  const names = wantedPages(record, POLICY, Date.parse('2024-02-18T15:45:00.000Z')).map((plan) => plan.name);

  // assess: received ['page.sev2.t0.oncall', 'page.sev2.t1.sre']
  expect(names).toContain('page.sev2.t1.oncall');
  expect(names).toContain('page.sev2.t1.sre');
});
