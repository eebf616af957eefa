/**
 * The bot's store, for commands that read it (`export`), found through the bot's own environment
 * variables (lambda/config.ts, docs/configuration.md):
 *
 * - `DYNAMODB_ENDPOINT` set: the table `TABLE_NAME` (default `incident-bot`) there, as the local server
 *   uses it (dynalite, DynamoDB Local);
 * - else `TABLE_NAME` set: that table in AWS DynamoDB, with the SDK's default credentials and region;
 * - else the embedded store the local server keeps on disk under `DATA_DIR` (default `.incident-bot`),
 *   opened here for the command and closed after it. A directory without a store is an error: this
 *   never creates one.
 *
 * Loaded only by the commands that need it, so the policy commands do not load the AWS SDK.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DEFAULT_DATA_DIR } from '../lambda/config';
import { makeDocumentClient } from '../lambda/store/client';
import { DynamoIncidentStore } from '../lambda/store/dynamo-store';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../lambda/store/embedded';
import { TABLE } from '../lambda/store/table';
import { FileError } from './common';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the data is, as the environment says. */
export type StoreSource =
  | { kind: 'endpoint'; endpoint: string; tableName: string }
  | { kind: 'aws'; tableName: string }
  | { kind: 'embedded'; dataDir: string; tableName: string };

const set = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

/** The source the environment names; a DYNAMODB_ENDPOINT that is not a URL is a FileError. */
export function storeSource(env: Env): StoreSource {
  const endpoint = set(env.DYNAMODB_ENDPOINT);
  const tableName = set(env.TABLE_NAME);
  if (endpoint !== undefined) {
    if (!URL.canParse(endpoint)) {
      throw new FileError(`DYNAMODB_ENDPOINT: expected a URL like http://127.0.0.1:8000; got '${endpoint}'`);
    }
    return { kind: 'endpoint', endpoint, tableName: tableName ?? TABLE.defaultName };
  }
  if (tableName !== undefined) return { kind: 'aws', tableName };
  return { kind: 'embedded', dataDir: set(env.DATA_DIR) ?? DEFAULT_DATA_DIR, tableName: TABLE.defaultName };
}

/** The source in words, for messages: `table 'incident-bot' at http://127.0.0.1:8000`. */
export function describeSource(source: StoreSource): string {
  switch (source.kind) {
    case 'endpoint':
      return `table '${source.tableName}' at ${source.endpoint}`;
    case 'aws':
      return `DynamoDB table '${source.tableName}'`;
    case 'embedded':
      return `the store in ${source.dataDir}`;
  }
}

export interface OpenStore {
  store: DynamoIncidentStore;
  /** Frees the client's sockets and stops the embedded store, if one was started. */
  close(): Promise<void>;
}

/**
 * Checks that `<dataDir>/dynamodb` holds a LevelDB nobody holds: dynalite would create a missing one,
 * and on a locked one (a running `npm start`) fails its first request by throwing out of the process.
 */
async function checkEmbeddedStore(dataDir: string): Promise<void> {
  const dbPath = path.join(dataDir, 'dynamodb');
  if (!existsSync(path.join(dbPath, 'CURRENT'))) {
    throw new FileError(
      `${dataDir}: no incident-bot store here (${dbPath} does not exist). Set DATA_DIR to the local server's data directory, or DYNAMODB_ENDPOINT or TABLE_NAME for another store.`,
    );
  }
  // The LevelDB dynalite itself opens (`level`, its dependency), opened and closed at once.
  const { Level } = createRequire(require.resolve('dynalite'))('level') as {
    Level: new (
      location: string,
      options: { createIfMissing: boolean },
    ) => { open(): Promise<void>; close(): Promise<void> };
  };
  const db = new Level(dbPath, { createIfMissing: false });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new FileError(
        `${dataDir}: the store is in use by another process (a running local server?). Stop it, or export while it is stopped.`,
      );
    }
    throw new FileError(`${dataDir}: cannot open the store: ${cause?.message ?? (error as Error).message}`);
  }
  await db.close();
}

/** Opens the store the source names, for reading. */
export async function openStore(source: StoreSource): Promise<OpenStore> {
  // The SDK's warning about Node 20 would bury the command's output; the npm scripts silence it too.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let embedded: EmbeddedDynamo | undefined;
  let endpoint: string | undefined;
  if (source.kind === 'embedded') {
    await checkEmbeddedStore(source.dataDir);
    embedded = await startEmbeddedDynamo({ dataDir: source.dataDir });
    endpoint = embedded.endpoint;
  } else if (source.kind === 'endpoint') {
    endpoint = source.endpoint;
  }
  const client = makeDocumentClient(endpoint === undefined ? {} : { endpoint });
  return {
    store: new DynamoIncidentStore({ client, tableName: source.tableName }),
    async close() {
      client.destroy();
      await embedded?.close();
    },
  };
}
