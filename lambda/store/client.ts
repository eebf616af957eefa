import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, type TranslateConfig } from '@aws-sdk/lib-dynamodb';

export interface DocumentClientOptions {
  /** Set for dynalite or DynamoDB Local; leave unset for AWS. */
  endpoint?: string;
  /** Defaults to 'us-east-1' with an endpoint, else to the SDK's own resolution. */
  region?: string;
  /** Defaults to dummy keys with an endpoint, else to the SDK's provider chain. */
  credentials?: DynamoDBClientConfig['credentials'];
  /** Keep-alive sockets per origin; defaults to 256. */
  maxSockets?: number;
}

// A local endpoint never checks signatures, but the SDK refuses to sign without some keys and a
// region; fixed values mean no AWS profile or env is needed to run locally.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const LOCAL_REGION = 'us-east-1';

// The SDK's agent allows 50 sockets; beyond that requests queue, and once 100 wait more than ~3 s
// the handler prints a socket-capacity warning to the console. Fan-outs of a few hundred writes
// (the timeline under load) should not queue at all.
const DEFAULT_MAX_SOCKETS = 256;

const TRANSLATE_CONFIG: TranslateConfig = {
  // Optional domain fields are often present but undefined; DynamoDB has no such value.
  marshallOptions: { removeUndefinedValues: true },
};

/**
 * `DynamoDBDocumentClient.destroy()` is deliberately a no-op because the wrapped client may be
 * shared; this one owns its client, so destroying it frees the keep-alive sockets (tests and the
 * local server need that to exit promptly).
 */
class OwningDocumentClient extends DynamoDBDocumentClient {
  constructor(
    private readonly owned: DynamoDBClient,
    translateConfig: TranslateConfig,
  ) {
    super(owned, translateConfig);
  }

  override destroy(): void {
    this.owned.destroy();
  }
}

export function makeDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const agent = { keepAlive: true, maxSockets: options.maxSockets ?? DEFAULT_MAX_SOCKETS };
  const config: DynamoDBClientConfig = {
    // Retry mode and attempts stay at the SDK defaults: throttling and connection resets that
    // keep-alive can meet (a socket closed by the server as it is reused) are retried there.
    requestHandler: { httpAgent: agent, httpsAgent: agent },
  };
  if (local) config.endpoint = options.endpoint;
  const region = options.region ?? (local ? LOCAL_REGION : undefined);
  if (region !== undefined) config.region = region;
  const credentials = options.credentials ?? (local ? LOCAL_CREDENTIALS : undefined);
  if (credentials !== undefined) config.credentials = credentials;
  return new OwningDocumentClient(new DynamoDBClient(config), TRANSLATE_CONFIG);
}
