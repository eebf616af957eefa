/**
 * `/incident oncall` through the real local server, Bolt receiver and Slack stand-in, with the
 * escalation policy read from its YAML file as in production: the answer names the person on call
 * from the policy's schedule at the server's clock, only to the one who asked.
 */
import { fixedClock, GENERAL, type Harness, startHarness } from '../helpers/harness';
import { until } from '../helpers/wait';

const POLICY = `schedules:
  sre:
    timezone: Europe/Berlin
    layers:
      - { name: primary, start: 2026-11-30T09:00, shift: 1w, members: [U0ANNA, U0BEN] }
    overrides:
      - { user: U0DAN, from: 2026-12-24T00:00, to: 2026-12-27T00:00 }
teams:
  sre: { schedule: sre }
escalation:
  default:
    - { after: 0m, notify: [sre] }
`;

const clock = fixedClock('2026-12-24T12:00:00Z');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    clock,
    policy: POLICY,
    env: { INCIDENT_TIMEZONE: 'Europe/Berlin' },
  });
});
afterAll(() => harness.close());

it('answers who is on call now (an override wins over the rotation), until when, and who is next', async () => {
  const reply = await harness.command('oncall', { channelId: GENERAL });

  expect(reply).toMatchObject({ status: 200, responseType: 'ephemeral' });
  expect(reply.text).toBe(
    '*On call now*\n• *sre*: <@U0DAN>, until December 27, 2026, 00:00 GMT+1; then <@U0BEN>',
  );
});

it('refuses a team the policy does not have, writing nothing', async () => {
  const reply = await harness.command('oncall sra', { channelId: GENERAL });

  expect(reply.text).toContain("Did you mean `sre`? 'sra' is not a team of the escalation policy.");
  expect(await harness.server.store.listOpenIncidents()).toEqual([]);
});

it("shows a person's coming shifts in App Home", async () => {
  await harness.event({ type: 'app_home_opened', user: 'U0DAN', tab: 'home' });
  await harness.event({ type: 'app_home_opened', user: 'U0CAROL', tab: 'home' }, { eventId: 'Ev-home-2' });

  const published = (user: string) =>
    harness.slack.calls
      .filter((call) => call.method === 'views.publish' && call.args.user_id === user)
      .map((call) => JSON.stringify(call.args.view));
  await until(() => published('U0DAN').length === 1 && published('U0CAROL').length === 1);
  // Dan covers until 27 December (the override; from now, 13:00 Berlin), then Anna and Ben rotate.
  expect(published('U0DAN')[0]).toContain(
    '*Your on-call shifts (next 14 days)*\\n• *sre*: December 24, 2026, 13:00 GMT+1 – December 27, 2026, 00:00 GMT+1',
  );
  expect(published('U0CAROL')[0]).not.toContain('on-call shifts');
});

it('shows cover set from Slack among the shifts in App Home', async () => {
  await harness.command('oncall override sre <@U0CAROL> until 18:00', { channelId: GENERAL });
  await harness.event({ type: 'app_home_opened', user: 'U0CAROL', tab: 'home' }, { eventId: 'Ev-home-3' });

  const published = () =>
    harness.slack.calls
      .filter((call) => call.method === 'views.publish' && call.args.user_id === 'U0CAROL')
      .map((call) => JSON.stringify(call.args.view));
  await until(() => published().length === 2);
  expect(published()[1]).toContain(
    '*Your on-call shifts (next 14 days)*\\n• *sre*: December 24, 2026, 13:00 GMT+1 – December 24, 2026, 18:00 GMT+1',
  );
});
