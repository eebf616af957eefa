/**
 * Every Slack Web API method the bot calls, with the bot-token scopes each always needs (from each method's
 * page under https://api.slack.com/methods/), and the scopes its events and features need. The
 * manifest's scopes are derived from this table (tests/unit/slack-methods.test.ts checks both ways),
 * so the app asks for exactly what the code uses.
 */
export const WEB_API_METHODS = {
  'auth.test': [],
  'chat.getPermalink': [],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'conversations.create': ['channels:manage'],
  'conversations.history': ['channels:history'],
  'conversations.invite': ['channels:manage'],
  'conversations.join': ['channels:join'],
  'conversations.list': ['channels:read'],
  'conversations.replies': ['channels:history'],
  'conversations.setTopic': ['channels:manage'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  'files.list': ['files:read'],
  'pins.add': ['pins:write'],
  'users.info': ['users:read'],
  'usergroups.users.update': ['usergroups:write'],
  'views.open': [],
  'views.publish': [],
} as const satisfies Record<string, readonly string[]>;

export type WebApiMethod = keyof typeof WEB_API_METHODS;

/** Client helpers that call several methods: `files.uploadV2` is the two-step external upload. */
export const CLIENT_HELPERS: Record<string, readonly WebApiMethod[]> = {
  'files.uploadV2': ['files.getUploadURLExternal', 'files.completeUploadExternal'],
};

/** Scopes of what is not a Web API call: the slash command and shortcut, and subscribed events. */
export const FEATURE_SCOPES = {
  '/incident and the message shortcut': ['commands'],
  // chat.postMessage into a public channel the bot has not joined (the announcement channel).
  'posting where the bot is not a member': ['chat:write.public'],
  'the reaction_added event (📌 capture)': ['reactions:read'],
  'the app_home_opened event': [],
  // Edits and deletions of captured messages; incident channels are public, so no message.groups.
  'the message.channels event (captured messages edited or deleted)': ['channels:history'],
} as const satisfies Record<string, readonly string[]>;

/** The bot scopes the manifest must ask for: exactly these. */
export function requiredBotScopes(): string[] {
  const scopes = new Set<string>();
  for (const list of [...Object.values(WEB_API_METHODS), ...Object.values(FEATURE_SCOPES)]) {
    for (const scope of list) scopes.add(scope);
  }
  return [...scopes].sort();
}
