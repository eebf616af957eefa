/**
 * The single table's shape, shared by the DynamoDB adapters, the embedded store and the CDK stack so
 * they cannot drift apart: the key attributes and index here, every kind of item in `ITEM_KINDS`.
 * The key builders (store/items.ts) are typed against `ITEM_KINDS` and tested against its shapes.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /**
   * Sparse index: incidents by declaration time in a partition per state (OPEN, SETTLING, SETTLED)
   * and every follow-up (FOLLOWUPS), so listing open incidents, or a period's, never scans.
   */
  openIndex: { name: 'open-incidents', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds; DynamoDB TTL deletes the item after it (not emulated by dynalite). */
  ttlAttribute: 'expiresAt',
  defaultName: 'incident-bot',
} as const;

export interface ItemKind {
  /** The partition key: fixed text, with `<…>` for each part that varies. */
  pk: string;
  /** The sort key, written the same way. */
  sk: string;
  /** The module (under lambda/) that reads and writes it; no other module touches it. */
  owner: string;
  holds: string;
}

/** Every kind of item the table holds (pk / sk), with the module that owns it. */
export const ITEM_KINDS = {
  incident: {
    pk: 'INCIDENT#<incident id>',
    sk: 'META',
    owner: 'store/dynamo-store.ts',
    holds: 'the incident (version for optimistic concurrency; gsi1 keys: its state and declaration time)',
  },
  event: {
    pk: 'INCIDENT#<incident id>',
    sk: 'EVENT#<event id>',
    owner: 'store/dynamo-store.ts',
    holds: 'one timeline event',
  },
  followUp: {
    pk: 'INCIDENT#<incident id>',
    sk: 'FOLLOWUP#<follow-up id>',
    owner: 'store/dynamo-store.ts',
    holds: 'one follow-up',
  },
  step: {
    pk: 'INCIDENT#<incident id>',
    sk: 'STEP#<step name>',
    owner: 'store/dynamo-store.ts',
    holds: "one step of the incident's slow work (channel, pages, timers…)",
  },
  channelLink: {
    pk: 'CHANNEL#<channel id>',
    sk: 'META',
    owner: 'store/dynamo-store.ts',
    holds: 'channel -> incident link',
  },
  counter: {
    pk: 'COUNTER',
    sk: 'INCIDENT',
    owner: 'store/dynamo-store.ts',
    holds: 'atomic counter for incident numbers',
  },
  claim: {
    pk: 'CLAIM#<claim key>',
    sk: 'META',
    owner: 'store/dynamo-store.ts',
    holds: 'idempotency claim (store/keys.ts claimKey; expires through TTL)',
  },
  request: {
    pk: 'REQUEST#<request key>',
    sk: 'META',
    owner: 'store/dynamo-store.ts',
    holds: 'the incident number a request key declared, and its answer once finished (TTL)',
  },
  timer: {
    pk: 'TIMER',
    sk: '<due at>#<timer id>',
    owner: 'store/timer-store.ts',
    holds: 'a local timer, by due time (local only)',
  },
  timerId: {
    pk: 'TIMER#<timer id>',
    sk: 'META',
    owner: 'store/timer-store.ts',
    holds: "a local timer's id -> due time (local only)",
  },
  job: {
    pk: 'JOBS',
    sk: '<job id>',
    owner: 'store/job-journal.ts',
    holds: 'a queued local job; ids start with the enqueue time (local only)',
  },
  alertLink: {
    pk: 'ALERT#<alert key>',
    sk: 'META',
    owner: 'store/alert-links.ts',
    holds: 'the incident an alert key opened or is opening',
  },
  alertsOpened: {
    pk: 'ALERTS-OPENED#<UTC minute>',
    sk: 'META',
    owner: 'store/alert-links.ts',
    holds: 'incidents alerts opened that UTC minute (storm cap; TTL a day)',
  },
  oncallOverride: {
    pk: 'ONCALL-OVERRIDES',
    sk: '<override id>',
    owner: 'store/dynamo-store.ts',
    holds: 'cover for a team set from Slack (`/incident oncall override`; TTL a month after it ends)',
  },
} as const satisfies Record<string, ItemKind>;

export type ItemKindName = keyof typeof ITEM_KINDS;
