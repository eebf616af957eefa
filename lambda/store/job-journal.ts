/**
 * The local queue's journal in the bot's table, so jobs outlive the process (the embedded store is on
 * disk). Items: `JOBS / <id>`; ids start with the enqueue time, so a query lists them in order.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Job } from '../jobs/jobs';
import type { JobJournal, JournalEntry } from '../jobs/local-jobs';
import { itemKey, partition } from './items';
import { queryAll } from './query';
import { TABLE } from './table';

const { partitionKey: PK, sortKey: SK } = TABLE;

export class DynamoJobJournal implements JobJournal {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  async put(entry: JournalEntry): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...itemKey.job(entry.id), job: entry.job, notBefore: entry.notBefore },
      }),
    );
  }

  async remove(id: string): Promise<void> {
    await this.options.client.send(
      new DeleteCommand({ TableName: this.options.tableName, Key: itemKey.job(id) }),
    );
  }

  async list(): Promise<JournalEntry[]> {
    const items = await queryAll(this.options.client, {
      TableName: this.options.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': partition.jobs },
      ConsistentRead: true,
    });
    return items.map((item) => ({
      id: String(item[SK]),
      job: item.job as Job,
      notBefore: Number(item.notBefore),
    }));
  }
}
