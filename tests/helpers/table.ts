/**
 * DynamoDB for integration tests: an embedded dynalite of the test file's own, one document client on
 * it, and fresh tables (created as the store creates them) so tests never see each other's items.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDocumentClient } from '../../lambda/store/client';
import { DynamoIncidentStore } from '../../lambda/store/dynamo-store';
import { type EmbeddedDynamoOptions, startEmbeddedDynamo } from '../../lambda/store/embedded';

export interface TestDynamo {
  /** `http://127.0.0.1:port`, for DYNAMODB_ENDPOINT or a client of a test's own. */
  endpoint: string;
  client: DynamoDBDocumentClient;
  /** Creates a table no other test on this dynalite uses (`<prefix>-<pid>-<n>`) and returns its name. */
  freshTable(prefix?: string): Promise<string>;
  /** Destroys the client (its keep-alive sockets) and stops dynalite. */
  close(): Promise<void>;
}

let tables = 0;

/** Starts dynalite, in memory unless `dataDir` is given (then it keeps its data across a restart). */
export async function startTestDynamo(options: EmbeddedDynamoOptions = {}): Promise<TestDynamo> {
  const dynamo = await startEmbeddedDynamo(options);
  const client = makeDocumentClient({ endpoint: dynamo.endpoint });
  return {
    endpoint: dynamo.endpoint,
    client,
    async freshTable(prefix = 'test') {
      tables += 1;
      const tableName = `${prefix}-${process.pid}-${tables}`;
      await new DynamoIncidentStore({ client, tableName }).ensureTable();
      return tableName;
    },
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}
