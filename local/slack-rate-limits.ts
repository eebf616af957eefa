/**
 * Slack's Web API rate limits, for the local stand-in: each method the bot calls with the tier its
 * reference page documents, counted per method per token in a sliding window, as Slack counts them
 * ("per API method per workspace/team per app"; here one token is one app in one workspace).
 *
 * Tiers: https://docs.slack.dev/apis/web-api/rate-limits (Tier 1: 1+/min, Tier 2: 20+/min,
 * Tier 3: 50+/min, Tier 4: 100+/min; the "+" is burst tolerance Slack does not promise, so the
 * stand-in allows exactly the documented floor). Each method's tier: its page under
 * https://docs.slack.dev/reference/methods/<method> ("Rate limits" fact).
 *
 * Pure and clock-injected: no timers, no I/O; `take` answers whether a call fits and, when not, how
 * many whole seconds until the window frees (what goes in `Retry-After`).
 */

const MINUTE_MS = 60_000;

/** Requests per minute of each tier (https://docs.slack.dev/apis/web-api/rate-limits). */
export const TIER_PER_MINUTE = { 1: 1, 2: 20, 3: 50, 4: 100 } as const;

export type SlackTier = keyof typeof TIER_PER_MINUTE;

/** At most `limit` calls in any `windowMs`. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

export interface MethodRateLimit {
  /** The documented tier, or 'special' when the method's page says "Special rate limits apply". */
  tier: SlackTier | 'special';
  windows: readonly RateWindow[];
  /** Counted per channel (chat.postMessage) instead of per method. */
  perChannel?: boolean;
  /** Where the tier is documented. */
  source: string;
}

const method = (name: string) => `https://docs.slack.dev/reference/methods/${name}`;

function tier(level: SlackTier, name: string): MethodRateLimit {
  return {
    tier: level,
    windows: [{ limit: TIER_PER_MINUTE[level], windowMs: MINUTE_MS }],
    source: method(name),
  };
}

/**
 * Every method the bot calls (lambda/slack/methods.ts WEB_API_METHODS, plus Bolt's
 * apps.connections.open), with its documented tier. Methods not listed are not limited here.
 */
export const SLACK_RATE_LIMITS: Readonly<Record<string, MethodRateLimit>> = {
  // "Special rate limits apply"; Slack documents no number. Modelled as Tier 4 (the most generous
  // documented tier): it is called once at start-up.
  'auth.test': { ...tier(4, 'auth.test'), tier: 'special' },
  // "Special rate limits apply", no number either; modelled as Tier 4 like auth.test.
  'chat.getPermalink': { ...tier(4, 'chat.getPermalink'), tier: 'special' },
  // "Special": https://docs.slack.dev/apis/web-api/rate-limits#special — "chat.postMessage generally
  // allows posting one message per second per channel", "short bursts >1 allowed". Modelled as one per
  // second per channel on average, with bursts of up to 10 (10 in any 10 s; so at most 60 a minute).
  // Slack's workspace-wide limit on top of that has no documented number and is not modelled.
  'chat.postMessage': {
    tier: 'special',
    windows: [{ limit: 10, windowMs: 10_000 }],
    perChannel: true,
    source: 'https://docs.slack.dev/apis/web-api/rate-limits',
  },
  'chat.postEphemeral': tier(4, 'chat.postEphemeral'),
  'chat.update': tier(3, 'chat.update'),
  'conversations.create': tier(2, 'conversations.create'),
  'conversations.history': tier(3, 'conversations.history'),
  'conversations.invite': tier(3, 'conversations.invite'),
  'conversations.join': tier(3, 'conversations.join'),
  'conversations.list': tier(2, 'conversations.list'),
  'conversations.replies': tier(3, 'conversations.replies'),
  'conversations.setTopic': tier(2, 'conversations.setTopic'),
  'files.getUploadURLExternal': tier(4, 'files.getUploadURLExternal'),
  'files.completeUploadExternal': tier(4, 'files.completeUploadExternal'),
  'files.list': tier(3, 'files.list'),
  'pins.add': tier(2, 'pins.add'),
  'users.info': tier(4, 'users.info'),
  'usergroups.users.update': tier(2, 'usergroups.users.update'),
  'views.open': tier(4, 'views.open'),
  'views.publish': tier(4, 'views.publish'),
  'apps.connections.open': tier(3, 'apps.connections.open'),
};

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface SlackRateLimiterOptions {
  /** Epoch milliseconds; default Date.now. */
  now?: () => number;
  /** N× Slack's numbers (a test simulating more load than one workspace sees); default 1. */
  scale?: number;
  /** The table to apply; default SLACK_RATE_LIMITS. */
  limits?: Readonly<Record<string, MethodRateLimit>>;
}

/** Sliding-window counters, one per (token, method[, channel]). A refused call does not count. */
export class SlackRateLimiter {
  private readonly now: () => number;
  private readonly scale: number;
  private readonly limits: Readonly<Record<string, MethodRateLimit>>;
  /** Accepted calls' times, oldest first, by key. */
  private readonly accepted = new Map<string, number[]>();

  constructor(options: SlackRateLimiterOptions = {}) {
    this.now = options.now ?? Date.now;
    this.scale = options.scale ?? 1;
    if (!(this.scale > 0)) throw new Error(`rate-limit scale must be positive, got ${this.scale}`);
    this.limits = options.limits ?? SLACK_RATE_LIMITS;
  }

  /** Counts the call when it fits; otherwise says how long until it would (whole seconds, at least 1). */
  take(methodName: string, token: string, channel?: string): RateDecision {
    const rule = this.limits[methodName];
    if (!rule) return { ok: true };
    const key = rule.perChannel
      ? `${token}\u0000${methodName}\u0000${channel ?? ''}`
      : `${token}\u0000${methodName}`;
    const now = this.now();
    const longest = Math.max(...rule.windows.map((window) => window.windowMs));
    const times = (this.accepted.get(key) ?? []).filter((at) => at > now - longest);
    let waitMs = 0;
    for (const window of rule.windows) {
      const limit = Math.max(1, Math.floor(window.limit * this.scale));
      const inWindow = times.filter((at) => at > now - window.windowMs);
      if (inWindow.length < limit) continue;
      // The call fits once enough of the oldest calls have left the window.
      const freedAt = (inWindow[inWindow.length - limit] as number) + window.windowMs;
      waitMs = Math.max(waitMs, freedAt - now);
    }
    if (waitMs > 0) {
      this.accepted.set(key, times);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    times.push(now);
    this.accepted.set(key, times);
    return { ok: true };
  }

  /** Forgets every call counted so far. */
  reset(): void {
    this.accepted.clear();
  }
}
