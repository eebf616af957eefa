/**
 * The AWS adapter: one EventBridge Scheduler one-time schedule per timer, invoking the escalation
 * Lambda with the timer as its event, and deleting itself once it has.
 */
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { type Clock, systemClock } from '../incidents/time';
import { describeIssues } from '../validation';
import { assertSchedulable, type Scheduler, type Timer, timerSchema } from './scheduler';

export interface EventBridgeSchedulerOptions {
  client: SchedulerClient;
  /** The schedule group (created by the stack), so the role can be scoped to it. */
  groupName: string;
  /** The escalation Lambda. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke the target. */
  roleArn: string;
  /** Where an event goes when every delivery attempt failed; without one it is dropped. */
  deadLetterArn?: string;
  clock?: Clock;
  /** How far ahead a timer that is already due (or nearly) is scheduled; defaults to 5 s. */
  minLeadMs?: number;
  /** Defaults to 20 attempts within an hour. */
  retryPolicy?: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
}

const DEFAULT_MIN_LEAD_MS = 5_000;

// These retries cover failures to invoke the Lambda (throttling, service errors); the handler's own
// failures are retried by Lambda's asynchronous invocation. A page more than an hour late is
// no longer escalation, so the event is given up (to the dead-letter queue when there is one).
const DEFAULT_RETRY_POLICY = { maximumRetryAttempts: 20, maximumEventAgeSeconds: 3600 };

export class EventBridgeScheduler implements Scheduler {
  private readonly clock: Clock;
  private readonly minLeadMs: number;
  private readonly retryPolicy: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };

  constructor(private readonly options: EventBridgeSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.minLeadMs = options.minLeadMs ?? DEFAULT_MIN_LEAD_MS;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  }

  async schedule(timer: Timer): Promise<void> {
    assertSchedulable(timer);
    try {
      await this.options.client.send(new CreateScheduleCommand(this.createInput(timer)));
    } catch (error) {
      // The name exists: this timer was scheduled before (a retried request), and it is kept as is.
      if (errorName(error) === 'ConflictException') return;
      throw error;
    }
  }

  async cancel(timerId: string): Promise<void> {
    try {
      await this.options.client.send(
        new DeleteScheduleCommand({ Name: timerId, GroupName: this.options.groupName }),
      );
    } catch (error) {
      // Never scheduled, cancelled before, or fired and deleted by ActionAfterCompletion.
      if (errorName(error) === 'ResourceNotFoundException') return;
      throw error;
    }
  }

  private createInput(timer: Timer): CreateScheduleCommandInput {
    const { targetArn, roleArn, groupName, deadLetterArn } = this.options;
    return {
      Name: timer.id,
      GroupName: groupName,
      ScheduleExpression: `at(${this.fireTime(timer.dueAt)})`,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: targetArn,
        RoleArn: roleArn,
        // Rebuilt rather than stringified as given, so no stray property of the caller's object
        // travels; the due time is the one asked for, not the adjusted one below.
        Input: JSON.stringify({ id: timer.id, dueAt: timer.dueAt, payload: timer.payload }),
        RetryPolicy: {
          MaximumRetryAttempts: this.retryPolicy.maximumRetryAttempts,
          MaximumEventAgeInSeconds: this.retryPolicy.maximumEventAgeSeconds,
        },
        ...(deadLetterArn ? { DeadLetterConfig: { Arn: deadLetterArn } } : {}),
      },
    };
  }

  /**
   * `yyyy-mm-ddThh:mm:ss` in UTC. `at()` takes whole seconds, so the time is rounded up: a timer
   * never fires before it is due. EventBridge does not invoke a one-time schedule whose time has
   * passed, so a due time in the past (or too close to make) moves to `minLeadMs` from now: the
   * timer fires a few seconds late instead of never.
   */
  private fireTime(dueAt: string): string {
    const earliest = this.clock.now().getTime() + this.minLeadMs;
    const ms = Math.max(Date.parse(dueAt), earliest);
    return new Date(Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19);
  }
}

/** A timer event was not the JSON `EventBridgeScheduler` sends; the message names each bad field. */
export class TimerEventError extends Error {
  override readonly name = 'TimerEventError';
  readonly code = 'BAD_TIMER_EVENT';
}

/**
 * The escalation Lambda's event: the timer `schedule` put in the schedule's Input (EventBridge
 * delivers it parsed; a string is parsed here too, for callers that hold raw JSON).
 */
export function parseTimerEvent(event: unknown): Timer {
  let value = event;
  if (typeof event === 'string') {
    try {
      value = JSON.parse(event);
    } catch {
      throw new TimerEventError('Bad timer event: not JSON');
    }
  }
  const result = timerSchema.safeParse(value);
  if (result.success) return result.data;
  throw new TimerEventError(`Bad timer event: ${describeIssues(result.error, '(event)').join('; ')}`);
}

// By name rather than instanceof: a second copy of the SDK in the bundle would defeat instanceof.
function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
