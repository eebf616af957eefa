/**
 * Timers for the local scheduler, kept in the single table so they outlive a restart.
 *
 * Items (pk / sk):
 *   TIMER      / <dueAt>#<id>   the timer itself (id, dueAt, payload); the partition sorts by due time
 *   TIMER#<id> / META           the id's due time: makes `put` idempotent per id and lets `delete`
 *                               find the timer without a scan
 *
 * Without transactions (dynalite has none) the two items are written in an order that keeps one
 * rule: where an id's key item exists, the timer item it points at exists too, or the key is stale
 * (a delete stopped half-way) and the next `put` of that id repairs it. A crash can leave a timer
 * item with no key pointing at it; that timer still fires, once, and is removed like any other. So
 * every failure ends in a timer firing when it perhaps should not (the handler re-checks the
 * incident and dedupes its pages), never in one silently lost. The one interleaving that can lose
 * a timer needs a cancel racing two schedules of the same id for the same new due time.
 *
 * All timers share one partition: fine for a single machine's handful of open incidents.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { assertSchedulable, normalizeDueAt, type Timer, type TimerPayload } from '../scheduling/scheduler';
import { deleteIf, putIf } from './conditional';
import { itemKey, partition, timerDueBound } from './items';
import { type Item, queryAll } from './query';
import { TABLE } from './table';

export interface DynamoTimerStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

const { partitionKey: PK, sortKey: SK } = TABLE;
// A put that keeps meeting concurrent writers of the same id gives up rather than spin.
const MAX_PUT_ROUNDS = 5;

export class DynamoTimerStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoTimerStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /**
   * Stores the timer unless its id is already stored, in which case nothing changes (whatever the
   * due time or payload given now).
   */
  async put(timer: Timer): Promise<void> {
    assertSchedulable(timer);
    const dueAt = normalizeDueAt(timer.dueAt);
    // The timer item first: once the key points at it, it must exist.
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...itemKey.timer(dueAt, timer.id),
          id: timer.id,
          dueAt,
          payload: timer.payload,
        },
      }),
    );

    for (let round = 0; round < MAX_PUT_ROUNDS; round++) {
      // Same due time: a retry of this very put, or one whose key write was lost; either way it stands.
      if (await this.putKey(timer.id, dueAt)) return;
      const existing = await this.keyDueAt(timer.id);
      if (existing === undefined) continue; // deleted in the meantime; try again to be first
      if (await this.timerItemExists(timer.id, existing)) {
        // The id is taken: undo our timer item so it does not fire as a second copy.
        await this.deleteTimerItem(timer.id, dueAt);
        return;
      }
      // A stale key (a delete stopped between its two writes): take it over, unless someone else did.
      if (await this.putKey(timer.id, dueAt, existing)) return;
    }
    throw new Error(`Timer ${timer.id}: gave up after ${MAX_PUT_ROUNDS} rounds of concurrent writes`);
  }

  /** Removes the timer with this id, whatever its due time; an unknown id is fine. */
  async delete(id: string): Promise<void> {
    const dueAt = await this.keyDueAt(id);
    if (dueAt !== undefined) await this.remove({ id, dueAt });
  }

  /**
   * Removes one stored occurrence, as fired: its timer item, and the id's key only while it still
   * points at that due time (so a timer re-scheduled under the same id meanwhile stays).
   */
  async remove(timer: Pick<Timer, 'id' | 'dueAt'>): Promise<void> {
    const dueAt = normalizeDueAt(timer.dueAt);
    // The timer item first: a key left behind is repaired by the next put, a timer item would fire.
    await this.deleteTimerItem(timer.id, dueAt);
    await deleteIf(this.client, {
      TableName: this.tableName,
      Key: itemKey.timerId(timer.id),
      ConditionExpression: '#dueAt = :dueAt',
      ExpressionAttributeNames: { '#dueAt': 'dueAt' },
      ExpressionAttributeValues: { ':dueAt': dueAt },
    });
  }

  /** The stored timer with this id, if any. */
  async get(id: string): Promise<Timer | undefined> {
    const dueAt = await this.keyDueAt(id);
    if (dueAt === undefined) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKey.timer(dueAt, id),
        ConsistentRead: true,
      }),
    );
    return Item ? toTimer(Item) : undefined;
  }

  /** Timers due at or before `nowIso`, earliest first (ties by id), in one query. */
  listDue(nowIso: string): Promise<Timer[]> {
    return this.query({
      KeyConditionExpression: '#pk = :pk AND #sk <= :bound',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': partition.timers, ':bound': timerDueBound(normalizeDueAt(nowIso)) },
    });
  }

  /** Every stored timer, earliest first. */
  listAll(): Promise<Timer[]> {
    return this.query({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': partition.timers },
    });
  }

  /**
   * Points the id's key at `dueAt`, if the key is absent or already there, or (with `stale`) if it
   * still points at that stale due time. False when the condition failed.
   */
  private async putKey(id: string, dueAt: string, stale?: string): Promise<boolean> {
    const condition: Pick<
      PutCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > =
      stale === undefined
        ? {
            ConditionExpression: 'attribute_not_exists(#pk) OR #dueAt = :dueAt',
            ExpressionAttributeNames: { '#pk': PK, '#dueAt': 'dueAt' },
            ExpressionAttributeValues: { ':dueAt': dueAt },
          }
        : {
            ConditionExpression: '#dueAt = :stale',
            ExpressionAttributeNames: { '#dueAt': 'dueAt' },
            ExpressionAttributeValues: { ':stale': stale },
          };
    return putIf(this.client, {
      TableName: this.tableName,
      Item: { ...itemKey.timerId(id), id, dueAt },
      ...condition,
    });
  }

  private async keyDueAt(id: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKey.timerId(id),
        ConsistentRead: true,
      }),
    );
    const dueAt = Item?.dueAt;
    return typeof dueAt === 'string' ? dueAt : undefined;
  }

  private async timerItemExists(id: string, dueAt: string): Promise<boolean> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKey.timer(dueAt, id),
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#pk': PK },
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }

  private async deleteTimerItem(id: string, dueAt: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: itemKey.timer(dueAt, id) }));
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<Timer[]> {
    const items = await queryAll(this.client, { ...input, TableName: this.tableName, ConsistentRead: true });
    return items.map(toTimer);
  }
}

function toTimer(item: Item): Timer {
  return { id: String(item.id), dueAt: String(item.dueAt), payload: item.payload as TimerPayload };
}
