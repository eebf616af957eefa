/**
 * The single table's shape, shared by the DynamoDB adapter, the embedded store and the CDK stack so
 * the three cannot drift apart.
 *
 * Items (pk / sk):
 *   INCIDENT#INC-7 / META            the incident (version for optimistic concurrency; gsi1 keys while open)
 *   INCIDENT#INC-7 / EVENT#<id>      one timeline event
 *   INCIDENT#INC-7 / FOLLOWUP#<id>   one follow-up
 *   CHANNEL#C123   / META            channel -> incident link
 *   COUNTER        / INCIDENT        atomic counter for incident numbers
 *   CLAIM#<key>    / META            idempotency claim (expires through TTL)
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Sparse index holding only open incidents, so listing them never scans. */
  openIndex: { name: 'open-incidents', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds; DynamoDB TTL deletes the item after it (not emulated by dynalite). */
  ttlAttribute: 'expiresAt',
  defaultName: 'incident-bot',
} as const;
