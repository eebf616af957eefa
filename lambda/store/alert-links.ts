/**
 * Which incident an alert key belongs to, kept in the single table so that every delivery of one
 * alarm, on any Lambda container or request, agrees on it.
 *
 * Item (pk / sk):
 *   ALERT#<key> / META   { state: 'opening', reservedAt, replacing? } someone is declaring its incident
 *                        { state: 'open', incidentId, reservedAt }   the incident it opened
 *   ALERTS-OPENED#<minute> / META   { keys: string set, expiresAt }  the incidents alerts opened in
 *                                                                   that UTC minute (the storm cap)
 *
 * Without transactions (dynalite has none), "open exactly one incident" is a reservation: `reserve`
 * is one conditional put that exactly one concurrent caller wins; the winner declares and `link`s,
 * the others wait for the link. The link stays after its incident is resolved; the next firing
 * replaces it by naming that incident (`reserve(key, resolvedId)`), which again only one caller can.
 *
 * A winner that crashes between `reserve` and `link` would leave the key 'opening' for good, so a
 * reservation is a lease: after `leaseMs` anyone may take it over. The price is a second incident if
 * the first winner was merely slower than the lease, never an alarm that can open nothing again.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../incidents/time';
import { type ClockOptions, clockFrom } from './clock';
import { putIf, updateIf } from './conditional';
import { itemKey } from './items';
import { TABLE } from './table';

export interface AlertLink {
  key: string;
  state: 'opening' | 'open';
  /** Set once the declared incident is linked (state 'open'). */
  incidentId?: string;
  /**
   * While 'opening': the resolved incident the one being declared replaces. Kept so that whoever takes
   * over an expired lease declares the same incident (same request key) the first caller may have.
   */
  replacing?: string;
  /** Epoch milliseconds of the reservation; the lease runs from here. */
  reservedAt: number;
}

/** `clock` (or `now`): for the lease. */
export interface DynamoAlertLinksOptions extends ClockOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** How long an 'opening' reservation holds before another caller may take it over. */
  leaseMs?: number;
}

export const DEFAULT_ALERT_LEASE_MS = 60_000;

const { partitionKey: PK } = TABLE;

export class DynamoAlertLinks {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  readonly leaseMs: number;

  constructor(options: DynamoAlertLinksOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = clockFrom(options);
    this.leaseMs = options.leaseMs ?? DEFAULT_ALERT_LEASE_MS;
  }

  /**
   * Reserves the key for declaring its incident: true for exactly one of any number of concurrent
   * callers. It succeeds when the key is unknown, when its 'opening' lease ran out, or when it is
   * linked to `replacing` (an incident the caller found resolved, so a new one is due). `replacing`
   * is kept on the reservation (see AlertLink.replacing).
   */
  async reserve(key: string, replacing?: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    const names: Record<string, string> = { '#pk': PK, '#state': 'state', '#reservedAt': 'reservedAt' };
    const values: Record<string, unknown> = { ':opening': 'opening', ':expired': now - this.leaseMs };
    let condition = 'attribute_not_exists(#pk) OR (#state = :opening AND #reservedAt <= :expired)';
    if (replacing !== undefined) {
      names['#incidentId'] = 'incidentId';
      values[':replacing'] = replacing;
      condition += ' OR #incidentId = :replacing';
    }
    return putIf(this.client, {
      TableName: this.tableName,
      // A whole-item put: the replaced incident's id goes, so a second replacer's condition fails.
      Item: {
        ...itemKey.alertLink(key),
        key,
        state: 'opening',
        reservedAt: now,
        ...(replacing !== undefined ? { replacing } : {}),
      },
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  /**
   * Points the reserved key at the incident declared for it. False, changing nothing, when another
   * incident was linked meanwhile (the lease ran out and a second caller took over); linking the
   * same incident again is true.
   */
  async link(key: string, incidentId: string): Promise<boolean> {
    const linked = await updateIf(this.client, {
      TableName: this.tableName,
      Key: itemKey.alertLink(key),
      UpdateExpression: 'SET #state = :open, #incidentId = :id REMOVE #replacing',
      ConditionExpression:
        'attribute_exists(#pk) AND (attribute_not_exists(#incidentId) OR #incidentId = :id)',
      ExpressionAttributeNames: {
        '#pk': PK,
        '#state': 'state',
        '#incidentId': 'incidentId',
        '#replacing': 'replacing',
      },
      ExpressionAttributeValues: { ':open': 'open', ':id': incidentId },
    });
    return linked !== undefined;
  }

  /**
   * Takes one of `max` slots for a new incident in the UTC minute `minute` (YYYY-MM-DDTHH:mm) for
   * the incident `requestKey` names: true when a slot was free, or when this request key already
   * holds one (a re-delivery, an HA twin, a retry after a crash). One conditional ADD to a string set,
   * so any number of concurrent callers never take more than `max`.
   */
  async takeNewIncidentSlot(minute: string, requestKey: string, max: number): Promise<boolean> {
    const taken = await updateIf(this.client, {
      TableName: this.tableName,
      Key: itemKey.alertsOpened(minute),
      UpdateExpression: 'ADD #keys :keySet SET #expiresAt = :expiresAt',
      ConditionExpression: 'attribute_not_exists(#keys) OR size(#keys) < :max OR contains(#keys, :key)',
      ExpressionAttributeNames: { '#keys': 'keys', '#expiresAt': TABLE.ttlAttribute },
      ExpressionAttributeValues: {
        ':keySet': new Set([requestKey]),
        ':key': requestKey,
        ':max': max,
        // A day is plenty: only the current minute is ever read.
        ':expiresAt': Math.floor(Date.parse(`${minute}:00Z`) / 1000) + 86_400,
      },
    });
    return taken !== undefined;
  }

  async get(key: string): Promise<AlertLink | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: itemKey.alertLink(key), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const link: AlertLink = {
      key,
      state: Item.state === 'open' ? 'open' : 'opening',
      reservedAt: Number(Item.reservedAt),
    };
    if (typeof Item.incidentId === 'string') link.incidentId = Item.incidentId;
    if (typeof Item.replacing === 'string') link.replacing = Item.replacing;
    return link;
  }

  /** True when an 'opening' reservation may be taken over by `reserve`. */
  isLeaseExpired(link: AlertLink): boolean {
    return link.state === 'opening' && link.reservedAt <= this.clock.now().getTime() - this.leaseMs;
  }
}
