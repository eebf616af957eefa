import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConcurrentUpdateError, IncidentError } from '../incidents/errors';
import type { OnCallOverride } from '../incidents/oncall';
import type { Clock } from '../incidents/time';
import type { FollowUp, Incident, IncidentRecord, StepState, TimelineEvent } from '../incidents/types';
import type { Ticket, TicketState } from '../trackers/tracker';
import { type ClockOptions, clockFrom } from './clock';
import { putIf, putIfAbsent, updateIf } from './conditional';
import { incidentSortPrefix, itemKey, META, partition } from './items';
import { capturedMessagePrefix, claimKey, parseCapturedMessageId } from './keys';
import { type Item, queryAll } from './query';
import type { CapturedMessageChange, IncidentChange, IncidentStore, TableAdmin } from './store';
import { TABLE } from './table';

/** `clock` (or `now`): for step leases and claim and request expiry. */
export interface DynamoIncidentStoreOptions extends ClockOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long `ensureTable` waits for the table to become ACTIVE. */
  tableWaitTimeoutMs?: number;
  /**
   * Epoch ms: step leases taken before it are void. A process that owns its store alone (the local
   * server on its embedded store) passes its start time, so work a killed predecessor held is taken
   * over at once instead of after its lease.
   */
  leasesBefore?: number;
}

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE;
const { name: OPEN_INDEX, partitionKey: GSI_PK, sortKey: GSI_SK } = TABLE.openIndex;
const KEY_ATTRIBUTES: readonly string[] = [PK, SK, GSI_PK, GSI_SK, TTL];

const OPEN = 'OPEN';
/** Resolved, with progress still to make (postmortem, announcements, pages to resolve). */
const SETTLING = 'SETTLING';
/** Resolved and settled: kept in the index by declaration time for `/incident stats` and `export`. */
const SETTLED = 'SETTLED';
const MIGRATION_KEPT_SECONDS = 100 * 365 * 24 * 3600;
/** Incidents `indexSettledIncidents` reads at a time. */
const MIGRATION_READERS = 8;
/** The index partition holding every follow-up (its sort key: created at, incident, id). */
const FOLLOW_UPS = 'FOLLOWUPS';
const COUNTER_ATTRIBUTE = 'lastNumber';
const STEP_FIELDS = [
  'name',
  'state',
  'attempts',
  'leasedAt',
  'leaseUntil',
  'firstAttemptAt',
  'retryAt',
  'error',
  'permanent',
  'result',
] as const;
/** How long a request's reserved number and answer are kept: far past any redelivery. */
const REQUEST_TTL_SECONDS = 7 * 24 * 3600;
/** An override is kept this long after it ends (DynamoDB TTL), then goes. */
const OVERRIDE_KEPT_SECONDS = 30 * 24 * 3600;

// Ten digits keep the numeric order when the index sorts the key as a string.
const openSortKey = (incident: Incident) =>
  `${incident.declaredAt}#${String(incident.number).padStart(10, '0')}`;

const DEFAULT_TABLE_WAIT_MS = 5 * 60_000;
/** Rereads `update` makes when other writers keep getting there first, before it gives up. */
const DEFAULT_UPDATE_RETRIES = 10;

/**
 * The DynamoDB adapter. Every write touches one item, guarded by a condition where a race matters,
 * because dynalite (the local and test backend) has no transactions.
 */
export class DynamoIncidentStore implements IncidentStore, TableAdmin {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly tableWaitTimeoutMs: number;
  private readonly leasesBefore: number;
  private tableReady: Promise<void> | undefined;
  private settledIndexing: Promise<void> | undefined;

  constructor(options: DynamoIncidentStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = clockFrom(options);
    this.tableWaitTimeoutMs = options.tableWaitTimeoutMs ?? DEFAULT_TABLE_WAIT_MS;
    this.leasesBefore = options.leasesBefore ?? 0;
  }

  ensureTable(): Promise<void> {
    // Concurrent callers share one attempt; a failed attempt is forgotten so a later call retries.
    this.tableReady ??= this.createTableIfMissing().catch((error: unknown) => {
      this.tableReady = undefined;
      throw error;
    });
    return this.tableReady;
  }

  async nextIncidentNumber(): Promise<number> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: itemKey.counter(),
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': COUNTER_ATTRIBUTE },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const value = Attributes?.[COUNTER_ATTRIBUTE];
    if (typeof value !== 'number') throw new Error(`Incident counter returned ${String(value)}`);
    return value;
  }

  async createIncident(incident: Incident): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: incidentItem({ ...incident, version: 1 }),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      }),
    );
  }

  async updateIncident(incident: Incident): Promise<Incident> {
    const stored: Incident = { ...incident, version: incident.version + 1 };
    const written = await putIf(this.client, {
      TableName: this.tableName,
      // A whole-item put: the index partition follows the status (open, settling, settled).
      Item: incidentItem(stored),
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': incident.version },
    });
    if (!written) throw new ConcurrentUpdateError(incident.id, incident.version);
    return withoutUndefined(stored);
  }

  async update(
    id: string,
    change: IncidentChange,
    options: { retries?: number; from?: Incident } = {},
  ): Promise<{ incident: Incident; changed: boolean }> {
    const retries = options.retries ?? DEFAULT_UPDATE_RETRIES;
    for (let attempt = 0; ; attempt++) {
      const current = attempt === 0 && options.from ? options.from : await this.getIncident(id);
      if (!current) throw new IncidentError('INCIDENT_NOT_FOUND', `${id} not found`);
      const next = await change(current);
      if (!next) return { incident: current, changed: false };
      try {
        return { incident: await this.updateIncident(next), changed: true };
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError) || attempt >= retries) throw error;
      }
    }
  }

  async getIncident(id: string): Promise<Incident | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKey.incident(id),
        // Callers read to update with a version check; a stale read would only buy a conflict.
        ConsistentRead: true,
      }),
    );
    return Item ? domain<Incident>(Item) : undefined;
  }

  async getRecord(id: string): Promise<IncidentRecord | undefined> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': partition.incident(id) },
      ConsistentRead: true,
    });

    let incident: Incident | undefined;
    const events: TimelineEvent[] = [];
    const followUps: FollowUp[] = [];
    const steps: Record<string, StepState> = {};
    for (const item of items) {
      const sk = String(item[SK]);
      if (sk === META) incident = domain<Incident>(item);
      else if (sk.startsWith(incidentSortPrefix.event)) events.push(domain<TimelineEvent>(item));
      else if (sk.startsWith(incidentSortPrefix.followUp)) followUps.push(domain<FollowUp>(item));
      else if (sk.startsWith(incidentSortPrefix.step)) {
        const step = toStep(item);
        steps[step.name] = step;
      }
    }
    if (!incident) return undefined;

    events.sort((a, b) => compare(a.at, b.at) || compare(a.recordedAt, b.recordedAt) || compare(a.id, b.id));
    followUps.sort((a, b) => compare(a.createdAt, b.createdAt) || compare(a.id, b.id));
    return { incident, events, followUps, steps };
  }

  async linkChannel(channelId: string, incidentId: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...itemKey.channelLink(channelId), channelId, incidentId },
      }),
    );
  }

  async findIncidentIdByChannel(channelId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKey.channelLink(channelId),
        // The channel is linked moments before its first command can arrive.
        ConsistentRead: true,
      }),
    );
    const incidentId = Item?.incidentId;
    return typeof incidentId === 'string' ? incidentId : undefined;
  }

  listOpenIncidents(): Promise<Incident[]> {
    return this.listIndexed(OPEN);
  }

  async listActiveIncidents(): Promise<Incident[]> {
    const [open, settling] = await Promise.all([this.listIndexed(OPEN), this.listIndexed(SETTLING)]);
    return [...open, ...settling];
  }

  async listIncidentsDeclaredSince(fromIso: string): Promise<Incident[]> {
    const [open, settling, settled] = await Promise.all([
      this.listIndexed(OPEN),
      this.listIndexed(SETTLING),
      this.listIndexed(SETTLED, fromIso),
    ]);
    return [...open, ...settling, ...settled]
      .filter((incident) => incident.declaredAt >= fromIso)
      .sort((a, b) => compare(openSortKey(a), openSortKey(b)));
  }

  private async listIndexed(partition: string, fromIso?: string): Promise<Incident[]> {
    // The index sort key starts with declaredAt, so index order is oldest first.
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: OPEN_INDEX,
      KeyConditionExpression: fromIso ? '#gsiPk = :partition AND #gsiSk >= :from' : '#gsiPk = :partition',
      ExpressionAttributeNames: { '#gsiPk': GSI_PK, ...(fromIso ? { '#gsiSk': GSI_SK } : {}) },
      ExpressionAttributeValues: { ':partition': partition, ...(fromIso ? { ':from': fromIso } : {}) },
    });
    return items.map((item) => domain<Incident>(item));
  }

  /**
   * Runs `indexSettledIncidents` once per table (a claim marks it done, so later calls cost one read)
   * and once per store instance.
   */
  ensureSettledIndexed(): Promise<void> {
    this.settledIndexing ??= (async () => {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: itemKey.claim(claimKey.settledIndexMigration()) }),
      );
      if (Item) return;
      await this.indexSettledIncidents();
      await this.claim(claimKey.settledIndexMigration(), MIGRATION_KEPT_SECONDS);
    })().catch((error: unknown) => {
      this.settledIndexing = undefined;
      throw error;
    });
    return this.settledIndexing;
  }

  /**
   * Settled incidents used to leave the index. Puts each one stored that way into the SETTLED
   * partition, by reading every incident number the counter has handed out (GetItem, a few at a
   * time: no batch right is granted); returns how many it moved. Idempotent: a second run, or one
   * racing a writer, changes nothing already indexed.
   */
  async indexSettledIncidents(): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey.counter() }),
    );
    const last = typeof Item?.[COUNTER_ATTRIBUTE] === 'number' ? (Item[COUNTER_ATTRIBUTE] as number) : 0;
    let moved = 0;
    let next = 1;
    const walker = async () => {
      for (let n = next++; n <= last; n = next++) {
        const { Item: item } = await this.client.send(
          new GetCommand({ TableName: this.tableName, Key: itemKey.incident(`INC-${n}`) }),
        );
        if (!item || item[GSI_PK] !== undefined || typeof item.settledAt !== 'string') continue;
        const written = await updateIf(this.client, {
          TableName: this.tableName,
          Key: itemKey.incident(`INC-${n}`),
          UpdateExpression: 'SET #gsiPk = :settled, #gsiSk = :sk',
          ConditionExpression: 'attribute_exists(#settledAt) AND attribute_not_exists(#gsiPk)',
          ExpressionAttributeNames: { '#gsiPk': GSI_PK, '#gsiSk': GSI_SK, '#settledAt': 'settledAt' },
          ExpressionAttributeValues: { ':settled': SETTLED, ':sk': openSortKey(item as unknown as Incident) },
        });
        if (written !== undefined) moved++;
      }
    };
    await Promise.all(Array.from({ length: MIGRATION_READERS }, walker));
    return moved;
  }

  async acquireStep(incidentId: string, name: string, leaseMs: number): Promise<StepState | undefined> {
    const now = this.clock.now().getTime();
    const taken = await updateIf(this.client, {
      TableName: this.tableName,
      Key: itemKey.step(incidentId, name),
      UpdateExpression:
        'SET #name = :name, #state = :running, #leasedAt = :now, #leaseUntil = :until, ' +
        '#attempts = if_not_exists(#attempts, :zero) + :one, #first = if_not_exists(#first, :now) REMOVE #retryAt',
      ConditionExpression:
        'attribute_not_exists(#pk) OR (#state = :running AND (#leaseUntil < :now OR #leasedAt < :epoch)) ' +
        'OR (#state = :failed AND #retryAt <= :now)',
      ExpressionAttributeNames: {
        '#pk': PK,
        '#name': 'name',
        '#state': 'state',
        '#leasedAt': 'leasedAt',
        '#leaseUntil': 'leaseUntil',
        '#attempts': 'attempts',
        '#first': 'firstAttemptAt',
        '#retryAt': 'retryAt',
      },
      ExpressionAttributeValues: {
        ':name': name,
        ':running': 'running',
        ':failed': 'failed',
        ':now': now,
        ':until': now + leaseMs,
        ':epoch': this.leasesBefore,
        ':zero': 0,
        ':one': 1,
      },
      ReturnValues: 'ALL_NEW',
    });
    return taken?.Attributes ? toStep(taken.Attributes) : undefined;
  }

  async finishStep(incidentId: string, name: string, result?: Record<string, unknown>): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: itemKey.step(incidentId, name),
        UpdateExpression: `SET #name = :name, #state = :done${result ? ', #result = :result' : ''} REMOVE #leaseUntil, #retryAt, #error, #permanent`,
        ExpressionAttributeNames: {
          '#name': 'name',
          '#state': 'state',
          '#leaseUntil': 'leaseUntil',
          '#retryAt': 'retryAt',
          '#error': 'error',
          '#permanent': 'permanent',
          ...(result ? { '#result': 'result' } : {}),
        },
        ExpressionAttributeValues: {
          ':name': name,
          ':done': 'done',
          ...(result ? { ':result': withoutUndefined(result) } : {}),
        },
      }),
    );
  }

  async failStep(
    incidentId: string,
    name: string,
    failure: { error: string; retryAt?: number; permanent?: boolean; result?: Record<string, unknown> },
  ): Promise<void> {
    const sets = ['#name = :name', '#state = :failed', '#error = :error', '#permanent = :permanent'];
    const removes = ['#leaseUntil'];
    const values: Record<string, unknown> = {
      ':name': name,
      ':failed': 'failed',
      ':error': failure.error.slice(0, 1000),
      ':permanent': failure.permanent === true,
    };
    if (failure.retryAt !== undefined && !failure.permanent) {
      sets.push('#retryAt = :retryAt');
      values[':retryAt'] = failure.retryAt;
    } else {
      removes.push('#retryAt');
    }
    if (failure.result) {
      sets.push('#result = :result');
      values[':result'] = withoutUndefined(failure.result);
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: itemKey.step(incidentId, name),
        UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
        ExpressionAttributeNames: {
          '#name': 'name',
          '#state': 'state',
          '#error': 'error',
          '#permanent': 'permanent',
          '#leaseUntil': 'leaseUntil',
          '#retryAt': 'retryAt',
          ...(failure.result ? { '#result': 'result' } : {}),
        },
        ExpressionAttributeValues: values,
      }),
    );
  }

  async reserveIncidentNumber(key: string, allocate: () => Promise<number>): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey.request(key), ConsistentRead: true }),
    );
    if (typeof Item?.incidentNumber === 'number') return Item.incidentNumber;
    const candidate = await allocate();
    // Two deliveries racing here both allocate; the first to write wins and both use its number
    // (the loser's number is skipped: a gap in the numbering, never a second incident).
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: itemKey.request(key),
        UpdateExpression: 'SET #n = if_not_exists(#n, :n), #ttl = :ttl',
        ExpressionAttributeNames: { '#n': 'incidentNumber', '#ttl': TTL },
        ExpressionAttributeValues: { ':n': candidate, ':ttl': this.expiry(REQUEST_TTL_SECONDS) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const stored = Attributes?.incidentNumber;
    if (typeof stored !== 'number') throw new Error(`Request ${key}: no incident number stored`);
    return stored;
  }

  async requestResult(key: string): Promise<unknown | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey.request(key), ConsistentRead: true }),
    );
    return Item?.finished === true ? Item.result : undefined;
  }

  async finishRequest(key: string, result: unknown, ttlSeconds: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: itemKey.request(key),
        UpdateExpression: 'SET #finished = :true, #result = :result, #ttl = :ttl',
        ExpressionAttributeNames: { '#finished': 'finished', '#result': 'result', '#ttl': TTL },
        ExpressionAttributeValues: { ':true': true, ':result': result, ':ttl': this.expiry(ttlSeconds) },
      }),
    );
  }

  private expiry(ttlSeconds: number): number {
    return Math.floor(this.clock.now().getTime() / 1000) + ttlSeconds;
  }

  addEvent(event: TimelineEvent): Promise<boolean> {
    return this.writeOnce({
      ...event,
      ...itemKey.event(event.incidentId, event.id),
    });
  }

  addFollowUp(followUp: FollowUp): Promise<boolean> {
    return this.writeOnce({
      ...followUp,
      ...itemKey.followUp(followUp.incidentId, followUp.id),
      // Every follow-up is also in the index, so they can be listed across incidents without a scan.
      [GSI_PK]: FOLLOW_UPS,
      [GSI_SK]: `${followUp.createdAt}#${followUp.incidentId}#${followUp.id}`,
    });
  }

  async listFollowUps(): Promise<FollowUp[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: OPEN_INDEX,
      KeyConditionExpression: '#gsiPk = :partition',
      ExpressionAttributeNames: { '#gsiPk': GSI_PK },
      ExpressionAttributeValues: { ':partition': FOLLOW_UPS },
    });
    return items.map((item) => domain<FollowUp>(item));
  }

  async setFollowUpTicket(incidentId: string, followUpId: string, ticket: Ticket): Promise<boolean> {
    const written = await updateIf(this.client, {
      TableName: this.tableName,
      Key: itemKey.followUp(incidentId, followUpId),
      UpdateExpression: 'SET #ticket = :ticket, #state = :open',
      ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#ticket)',
      ExpressionAttributeNames: { '#pk': PK, '#ticket': 'ticket', '#state': 'ticketState' },
      ExpressionAttributeValues: { ':ticket': withoutUndefined({ ...ticket }), ':open': 'open' },
    });
    return written !== undefined;
  }

  async setTicketState(
    incidentId: string,
    followUpId: string,
    state: TicketState,
    at: string,
  ): Promise<boolean> {
    const written = await updateIf(this.client, {
      TableName: this.tableName,
      Key: itemKey.followUp(incidentId, followUpId),
      UpdateExpression:
        state === 'closed' ? 'SET #state = :state, #closedAt = :at' : 'SET #state = :state REMOVE #closedAt',
      ConditionExpression: 'attribute_exists(#ticket) AND #state <> :state',
      ExpressionAttributeNames: {
        '#ticket': 'ticket',
        '#state': 'ticketState',
        ...{ '#closedAt': 'ticketClosedAt' },
      },
      ExpressionAttributeValues: { ':state': state, ...(state === 'closed' ? { ':at': at } : {}) },
    });
    return written !== undefined;
  }

  async capturedMessageEvents(
    incidentId: string,
    channelId: string,
    messageTs: string,
  ): Promise<TimelineEvent[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: {
        ':pk': partition.incident(incidentId),
        ':prefix': `${incidentSortPrefix.event}${capturedMessagePrefix(channelId, messageTs)}`,
      },
      ConsistentRead: true,
    });
    return items.map((item) => domain<TimelineEvent>(item));
  }

  async followCapturedMessage(
    incidentId: string,
    eventId: string,
    change: CapturedMessageChange,
  ): Promise<boolean> {
    // Never anything but a captured message: commands, alerts and pages stay as recorded.
    if (!parseCapturedMessageId(eventId)) return false;
    const Key = itemKey.event(incidentId, eventId);
    if (change.type === 'deleted') {
      const written = await updateIf(this.client, {
        TableName: this.tableName,
        Key,
        UpdateExpression: 'SET #deleted = :deleted',
        ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#deleted)',
        ExpressionAttributeNames: { '#pk': PK, '#deleted': 'deleted' },
        ExpressionAttributeValues: { ':deleted': withoutUndefined(change.deleted) },
      });
      return written !== undefined;
    }
    const written = await updateIf(this.client, {
      TableName: this.tableName,
      Key,
      // Operands read the item before the update: `originalText` takes the text as first captured.
      UpdateExpression:
        'SET #original = if_not_exists(#original, #text), #text = :text, #edited = :edited, #message = if_not_exists(#message, :message)',
      ConditionExpression:
        'attribute_exists(#pk) AND attribute_not_exists(#deleted) AND #text <> :text AND (attribute_not_exists(#edited) OR #edited.#ts < :ts)',
      ExpressionAttributeNames: {
        '#pk': PK,
        '#deleted': 'deleted',
        '#original': 'originalText',
        '#text': 'text',
        '#edited': 'edited',
        '#ts': 'ts',
        '#message': 'message',
      },
      ExpressionAttributeValues: {
        ':text': change.text,
        ':edited': withoutUndefined(change.edited),
        ':ts': change.edited.ts,
        ':message': withoutUndefined(change.message),
      },
    });
    return written !== undefined;
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    return putIf(this.client, {
      TableName: this.tableName,
      Item: { ...itemKey.claim(key), [TTL]: nowSeconds + ttlSeconds },
      // DynamoDB TTL deletes expired items only eventually (and dynalite never), so an expired
      // claim counts as absent here rather than depending on when the sweeper ran.
      ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :now',
      ExpressionAttributeNames: { '#pk': PK, '#ttl': TTL },
      ExpressionAttributeValues: { ':now': nowSeconds },
    });
  }

  async renewClaim(key: string, ttlSeconds: number): Promise<void> {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...itemKey.claim(key), [TTL]: nowSeconds + ttlSeconds },
      }),
    );
  }

  async releaseClaim(key: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: itemKey.claim(key) }));
  }

  addOnCallOverride(override: OnCallOverride): Promise<boolean> {
    const endSeconds = Math.floor(Date.parse(override.to) / 1000);
    return this.writeOnce({
      ...override,
      ...itemKey.oncallOverride(override.id),
      [TTL]: endSeconds + OVERRIDE_KEPT_SECONDS,
    });
  }

  async listOnCallOverrides(nowIso: string): Promise<OnCallOverride[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':pk': partition.oncallOverrides },
      ConsistentRead: true,
    });
    return items
      .map((item) => domain<OnCallOverride>(item))
      .filter((override) => override.to > nowIso)
      .sort((a, b) => a.from.localeCompare(b.from) || a.id.localeCompare(b.id));
  }

  async removeOnCallOverride(id: string): Promise<OnCallOverride | undefined> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: itemKey.oncallOverride(id),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes ? domain<OnCallOverride>(Attributes) : undefined;
  }

  /** Events and follow-ups: an id is written once, so a retried request adds nothing. */
  private writeOnce(item: Item): Promise<boolean> {
    return putIfAbsent(this.client, { TableName: this.tableName, Item: withoutUndefined(item) });
  }

  private async createTableIfMissing(): Promise<void> {
    if (!(await this.describeTable())) {
      try {
        await this.client.send(new CreateTableCommand(this.tableDefinition()));
      } catch (error) {
        // Another process (or store instance) created it first; waiting below covers both.
        if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
      }
    }
    await this.waitUntilActive();
  }

  private async describeTable(): Promise<TableDescription | undefined> {
    try {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      return Table;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  private async waitUntilActive(): Promise<void> {
    const deadline = Date.now() + this.tableWaitTimeoutMs;
    let delayMs = 50;
    for (;;) {
      const table = await this.describeTable();
      const indexes = table?.GlobalSecondaryIndexes ?? [];
      if (table?.TableStatus === 'ACTIVE' && indexes.every((index) => index.IndexStatus === 'ACTIVE')) {
        if (!indexes.some((index) => index.IndexName === OPEN_INDEX)) {
          throw new Error(`Table ${this.tableName} exists without the ${OPEN_INDEX} index`);
        }
        return;
      }
      if (Date.now() + delayMs > deadline) {
        throw new Error(`Table ${this.tableName} not ACTIVE after ${this.tableWaitTimeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 2_000);
    }
  }

  private tableDefinition(): CreateTableCommandInput {
    return {
      TableName: this.tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [PK, SK, GSI_PK, GSI_SK].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: PK, KeyType: 'HASH' },
        { AttributeName: SK, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: OPEN_INDEX,
          KeySchema: [
            { AttributeName: GSI_PK, KeyType: 'HASH' },
            { AttributeName: GSI_SK, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    };
  }
}

function incidentItem(incident: Incident): Item {
  const item: Item = { ...incident, ...itemKey.incident(incident.id) };
  item[GSI_PK] = incident.status !== 'resolved' ? OPEN : incident.settledAt ? SETTLED : SETTLING;
  item[GSI_SK] = openSortKey(incident);
  return withoutUndefined(item);
}

function toStep(item: Item): StepState {
  const step: Record<string, unknown> = {};
  for (const field of STEP_FIELDS) if (item[field] !== undefined) step[field] = item[field];
  return step as unknown as StepState;
}

/** The stored item minus the attributes that exist only for the table's keys, index and TTL. */
function domain<T>(item: Item): T {
  const result: Item = {};
  for (const [name, value] of Object.entries(item)) {
    if (!KEY_ATTRIBUTES.includes(name)) result[name] = value;
  }
  return result as T;
}

// The store must not depend on the client having been built with removeUndefinedValues.
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

// Plain code-unit order: localeCompare varies with ICU data and would order ids differently per host.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
