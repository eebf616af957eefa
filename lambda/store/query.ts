import {
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
