/** What the tracker adapters' tests (tests/integration/tracker-*.test.ts) share. */
import { TrackerError } from '../../lambda/trackers/tracker';
import { type RecordingServer, startRecordingServer } from './recording-server';

/** The `TrackerError` a tracker call rejects with; fails the test when it resolves or throws anything else. */
export async function trackerErrorOf(promise: Promise<unknown>): Promise<TrackerError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TrackerError);
  return error as TrackerError;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:port` of the receiver running for the current test. */
  url(): string;
  /** The first delivery it received, as a tracker webhook reads it: headers by name, the raw body. */
  firstDelivery(): { headers: Record<string, string | undefined>; body: string };
}

/** A webhook receiver for each test of the enclosing `describe`: started before it, closed after. */
export function webhookReceiverPerTest(): WebhookReceiver {
  let receiver: RecordingServer | undefined;
  const running = (): RecordingServer => {
    if (!receiver) throw new Error('the webhook receiver runs only during a test');
    return receiver;
  };

  beforeEach(async () => {
    receiver = await startRecordingServer();
  });

  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  return {
    url: () => running().url,
    firstDelivery() {
      const recorded = running().requests[0];
      if (!recorded) throw new Error('no delivery');
      return { headers: recorded.headers as Record<string, string | undefined>, body: recorded.body };
    },
  };
}
