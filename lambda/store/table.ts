/**
 * The single table's shape, shared by the DynamoDB adapter, the embedded store and the CDK stack so
 * the three cannot drift apart.
 *
 * Items (pk / sk), with the module that owns each:
 *   INCIDENT#INC-7 / META            the incident (version for optimistic concurrency; gsi1 keys while open)
 *   INCIDENT#INC-7 / EVENT#<id>      one timeline event
 *   INCIDENT#INC-7 / FOLLOWUP#<id>   one follow-up
 *   INCIDENT#INC-7 / STEP#<name>     one step of the incident's slow work (channel, pages, timers…)
 *   CHANNEL#C123   / META            channel -> incident link
 *   COUNTER        / INCIDENT        atomic counter for incident numbers
 *   CLAIM#<key>    / META            idempotency claim (expires through TTL)
 *   REQUEST#<key>  / META            the incident a request key declared          (all above: store/dynamo-store.ts)
 *   TIMER          / <dueAt>#<id>    a local timer, by due time
 *   TIMER#<id>     / META            a local timer's id -> due time              (store/timer-store.ts)
 *   JOBS           / <id>            a queued local job                          (store/job-journal.ts)
 *   ALERT#<key>    / META            the incident an alert key opened or is opening
 *   ALERTS-OPENED#<minute> / META    incidents alerts opened that UTC minute (storm cap; TTL a day)
 *                                                                                (both: store/alert-links.ts)
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
