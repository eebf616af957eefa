import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

type Page = { Items?: Item[]; LastEvaluatedKey?: Item };

/** Every page of a Query or Scan, following LastEvaluatedKey because a page stops at 1 MB. */
async function allPages(page: (startKey: Item | undefined) => Promise<Page>): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const { Items, LastEvaluatedKey } = await page(startKey);
    items.push(...(Items ?? []));
    startKey = LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** One logical query: every item it matches, however many pages that takes. */
export function queryAll(client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  return allPages((startKey) => client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })));
}

/** Every item of the table (tests and tools only: the bot itself never scans). */
export function scanAll(client: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> {
  return allPages((startKey) => client.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey })));
}

/** The items of up to 100 keys (one BatchGetItem), asking again for the keys DynamoDB left unprocessed. */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Item[],
): Promise<Item[]> {
  const items: Item[] = [];
  let pending: Item[] = keys;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2_000)));
    const { Responses, UnprocessedKeys } = await client.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }),
    );
    items.push(...(Responses?.[tableName] ?? []));
    pending = (UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined) ?? [];
  }
  return items;
}
