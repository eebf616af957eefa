/**
 * The EventBridge Scheduler adapter against a mocked SchedulerClient: the exact requests it sends,
 * which errors it absorbs, and the event parser the escalation Lambda relies on.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeScheduler, parseTimerEvent, TimerEventError } from '../../lambda/scheduling/eventbridge';
import type { Timer } from '../../lambda/scheduling/scheduler';

const schedulerMock = mockClient(SchedulerClient);

const NOW = new Date('2024-02-18T15:00:00.000Z');
const TARGET_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:incident-bot-escalation';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/incident-bot-scheduler';

function aScheduler(overrides: Partial<ConstructorParameters<typeof EventBridgeScheduler>[0]> = {}) {
  return new EventBridgeScheduler({
    client: new SchedulerClient({ region: 'eu-west-1' }),
    groupName: 'incident-bot',
    targetArn: TARGET_ARN,
    roleArn: ROLE_ARN,
    clock: { now: () => NOW },
    ...overrides,
  });
}

function aTimer(overrides: Partial<Timer> = {}): Timer {
  return {
    id: 'INC-7.sev2.t1',
    dueAt: '2024-02-18T15:15:00.000Z',
    payload: { type: 'escalation-tier', incidentId: 'INC-7', severity: 'sev2', tier: 1 },
    ...overrides,
  };
}

function sentCreates() {
  return schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
}

beforeEach(() => {
  schedulerMock.reset();
});

describe('EventBridgeScheduler.schedule', () => {
  it('creates a one-time UTC schedule that invokes the target with the timer and deletes itself', async () => {
    // prepare
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    const timer = aTimer();

    // act
    await aScheduler().schedule(timer);

    // assess
    expect(sentCreates()).toEqual([
      {
        Name: 'INC-7.sev2.t1',
        GroupName: 'incident-bot',
        ScheduleExpression: 'at(2024-02-18T15:15:00)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: TARGET_ARN,
          RoleArn: ROLE_ARN,
          Input: JSON.stringify(timer),
          RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
        },
      },
    ]);
  });

  it('adds the dead-letter queue and retry policy it is given', async () => {
    // prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const scheduler = aScheduler({
      deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:incident-bot-timers-dlq',
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 600 },
    });

    // act
    await scheduler.schedule(aTimer());

    // assess
    expect(sentCreates()[0]?.Target).toMatchObject({
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:incident-bot-timers-dlq' },
    });
  });

  it('rounds a due time with milliseconds up to the next second, never earlier', async () => {
    // prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});

    // act
    await aScheduler().schedule(aTimer({ dueAt: '2024-02-18T15:15:00.001Z' }));

    // assess
    expect(sentCreates()[0]?.ScheduleExpression).toBe('at(2024-02-18T15:15:01)');
  });

  it('writes a due time given with an offset in UTC', async () => {
    // prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});

    // act
    await aScheduler().schedule(aTimer({ dueAt: '2024-02-18T16:15:00+01:00' }));

    // assess
    expect(sentCreates()[0]?.ScheduleExpression).toBe('at(2024-02-18T15:15:00)');
  });

  it.each([
    ['in the past', '2024-02-18T14:00:00.000Z'],
    ['right now', '2024-02-18T15:00:00.000Z'],
    ['sooner than the lead time', '2024-02-18T15:00:03.000Z'],
  ])(
    'schedules a timer due %s five seconds from now, keeping its due time in the event',
    async (_, dueAt) => {
      // prepare
      schedulerMock.on(CreateScheduleCommand).resolves({});
      const timer = aTimer({ dueAt });

      // act
      await aScheduler().schedule(timer);

      // assess
      const [sent] = sentCreates();
      expect(sent?.ScheduleExpression).toBe('at(2024-02-18T15:00:05)');
      expect(JSON.parse(sent?.Target?.Input ?? '{}')).toEqual(timer);
    },
  );

  it('rounds the lead time up to a whole second when the clock has milliseconds', async () => {
    // prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const scheduler = aScheduler({ clock: { now: () => new Date('2024-02-18T15:00:00.400Z') } });

    // act
    await scheduler.schedule(aTimer({ dueAt: '2024-02-18T14:59:00.000Z' }));

    // assess
    expect(sentCreates()[0]?.ScheduleExpression).toBe('at(2024-02-18T15:00:06)');
  });

  it('sends only id, dueAt and payload as the event, whatever else the object carries', async () => {
    // prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});
    const timer = { ...aTimer(), note: 'not for the wire' };

    // act
    await aScheduler().schedule(timer);

    // assess
    expect(JSON.parse(sentCreates()[0]?.Target?.Input ?? '{}')).toEqual(aTimer());
  });

  it('treats a schedule that already exists as scheduled', async () => {
    // prepare
    schedulerMock.on(CreateScheduleCommand).rejects(
      new ConflictException({
        message: 'Schedule INC-7.sev2.t1 already exists.',
        Message: 'Schedule INC-7.sev2.t1 already exists.',
        $metadata: {},
      }),
    );

    // act
    const result = aScheduler().schedule(aTimer());

    // assess
    await expect(result).resolves.toBeUndefined();
    expect(sentCreates()).toHaveLength(1);
  });

  it('propagates any other error', async () => {
    // prepare
    schedulerMock
      .on(CreateScheduleCommand)
      .rejects(
        new ValidationException({ message: 'Invalid RoleArn', Message: 'Invalid RoleArn', $metadata: {} }),
      );

    // act
    const result = aScheduler().schedule(aTimer());

    // assess
    await expect(result).rejects.toMatchObject({ name: 'ValidationException', message: 'Invalid RoleArn' });
  });

  it('refuses an id EventBridge would refuse, without calling it', async () => {
    // prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});

    // act
    const result = aScheduler().schedule(aTimer({ id: 'INC-7 sev2#t1' }));

    // assess
    await expect(result).rejects.toThrow(/Timer id "INC-7 sev2#t1"/);
    expect(sentCreates()).toHaveLength(0);
  });

  it('refuses a due time that is not a date, without calling EventBridge', async () => {
    // prepare
    schedulerMock.on(CreateScheduleCommand).resolves({});

    // act
    const result = aScheduler().schedule(aTimer({ dueAt: 'in fifteen minutes' }));

    // assess
    await expect(result).rejects.toThrow(/due time "in fifteen minutes"/);
    expect(sentCreates()).toHaveLength(0);
  });
});

describe('EventBridgeScheduler.cancel', () => {
  it('deletes the schedule by name in the group', async () => {
    // prepare
    schedulerMock.on(DeleteScheduleCommand).resolves({});

    // act
    await aScheduler().cancel('INC-7.sev2.t1');

    // assess
    expect(schedulerMock.commandCalls(DeleteScheduleCommand).map((call) => call.args[0].input)).toEqual([
      { Name: 'INC-7.sev2.t1', GroupName: 'incident-bot' },
    ]);
  });

  it('treats a schedule that does not exist as cancelled', async () => {
    // prepare
    schedulerMock.on(DeleteScheduleCommand).rejects(
      new ResourceNotFoundException({
        message: 'Schedule not found.',
        Message: 'Schedule not found.',
        $metadata: {},
      }),
    );

    // act
    const result = aScheduler().cancel('INC-7.sev2.t1');

    // assess
    await expect(result).resolves.toBeUndefined();
  });

  it('propagates any other error', async () => {
    // prepare
    const denied = Object.assign(new Error('not authorized to perform scheduler:DeleteSchedule'), {
      name: 'AccessDeniedException',
    });
    schedulerMock.on(DeleteScheduleCommand).rejects(denied);

    // act
    const result = aScheduler().cancel('INC-7.sev2.t1');

    // assess
    await expect(result).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('parseTimerEvent', () => {
  it('returns the timer EventBridge delivers, for either payload type', () => {
    // prepare
    const tier = aTimer();
    const reminder: Timer = {
      id: 'INC-7.reminder.20240218T153000Z',
      dueAt: '2024-02-18T15:30:00.000Z',
      payload: { type: 'reminder', incidentId: 'INC-7' },
    };

    // act
    const parsed = [parseTimerEvent(JSON.parse(JSON.stringify(tier))), parseTimerEvent(reminder)];

    // assess
    expect(parsed).toEqual([tier, reminder]);
  });

  it('parses the same timer from its JSON text', () => {
    // act
    const parsed = parseTimerEvent(JSON.stringify(aTimer()));

    // assess
    expect(parsed).toEqual(aTimer());
  });

  it('drops fields it does not know, so an older handler copes with a newer sender', () => {
    // act
    const parsed = parseTimerEvent({
      ...aTimer(),
      version: 2,
      payload: { ...aTimer().payload, extra: true },
    });

    // assess
    expect(parsed).toEqual(aTimer());
  });

  it.each([
    ['a missing id', { ...aTimer(), id: undefined }, /\bid: /],
    ['an id EventBridge cannot name', { ...aTimer(), id: 'INC 7' }, /\bid: expected a schedule name/],
    [
      'a due time that is not a date',
      { ...aTimer(), dueAt: 'soon' },
      /dueAt: expected an ISO-8601 date-time/,
    ],
    [
      'a due time without a zone',
      { ...aTimer(), dueAt: '2024-02-18T15:15:00' },
      /dueAt: expected an ISO-8601 date-time/,
    ],
    [
      'an unknown payload type',
      { ...aTimer(), payload: { type: 'page', incidentId: 'INC-7' } },
      /payload\.type: /,
    ],
    [
      'a bad severity',
      { ...aTimer(), payload: { ...aTimer().payload, severity: 'sev9' } },
      /payload\.severity: expected one of sev1, sev2, sev3, sev4/,
    ],
    [
      'a fractional tier',
      { ...aTimer(), payload: { ...aTimer().payload, tier: 1.5 } },
      /payload\.tier: expected a tier number/,
    ],
    ['a missing incident id', { ...aTimer(), payload: { type: 'reminder' } }, /payload\.incidentId: /],
  ])('names the bad field for %s', (_, event, message) => {
    // act
    const parse = () => parseTimerEvent(event);

    // assess
    expect(parse).toThrow(TimerEventError);
    expect(parse).toThrow(message);
  });

  it.each([
    ['nothing', undefined],
    ['a number', 42],
    ['an array', [aTimer()]],
  ])('refuses %s as the event', (_, event) => {
    // act
    const parse = () => parseTimerEvent(event);

    // assess
    expect(parse).toThrow(/^Bad timer event: \(event\): /);
  });

  it('refuses text that is not JSON, with the error code callers branch on', () => {
    // act
    let caught: unknown;
    try {
      parseTimerEvent('{"id": ');
    } catch (error) {
      caught = error;
    }

    // assess
    expect(caught).toBeInstanceOf(TimerEventError);
    expect(caught).toMatchObject({ code: 'BAD_TIMER_EVENT', message: 'Bad timer event: not JSON' });
  });
});
