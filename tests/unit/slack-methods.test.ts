/**
 * The Slack app asks for exactly the scopes the code needs: the manifest's bot scopes are derived
 * from lambda/slack/methods.ts, and that table lists exactly the Web API methods the code calls.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CLIENT_HELPERS, requiredBotScopes, WEB_API_METHODS } from '../../lambda/slack/methods';

const root = join(__dirname, '..', '..');

/**
 * `this.client.chat.postMessage(` → `chat.postMessage` (and `this.client.usergroups.users.update(` →
 * `usergroups.users.update`), helpers expanded to the methods they call.
 */
function methodsCalledIn(source: string): string[] {
  const called = new Set<string>();
  for (const match of source.matchAll(
    /this\.\w+\.(auth|chat|conversations|files|pins|users|usergroups|views)\.(\w+(?:\.\w+)?)\(/g,
  )) {
    const name = `${match[1]}.${match[2]}`;
    for (const method of CLIENT_HELPERS[name] ?? [name]) called.add(method);
  }
  return [...called].sort();
}

describe('Slack Web API methods and scopes', () => {
  it('lists exactly the methods SlackChat calls (every Web API call goes through it)', () => {
    // prepare
    const source = readFileSync(join(root, 'lambda', 'slack', 'chat.ts'), 'utf8');

    // act
    const called = methodsCalledIn(source);

    // assess
    expect(called).toEqual(Object.keys(WEB_API_METHODS).sort());
  });

  it('finds calls the way the source writes them, helpers included', () => {
    // act
    const called = methodsCalledIn(
      'await this.client.chat.postMessage(args); await this.client.files.uploadV2({}); this.other.views.open(x); this.client.usergroups.users.update({});',
    );

    // assess
    expect(called).toEqual([
      'chat.postMessage',
      'files.completeUploadExternal',
      'files.getUploadURLExternal',
      'usergroups.users.update',
      'views.open',
    ]);
  });

  it('has the manifest ask for exactly the scopes of those methods and features', () => {
    // prepare
    const manifest = parseYaml(readFileSync(join(root, 'manifest.yml'), 'utf8'));

    // act
    const scopes: string[] = manifest.oauth_config.scopes.bot;

    // assess
    expect([...scopes].sort()).toEqual(requiredBotScopes());
    expect(new Set(scopes).size).toBe(scopes.length);
  });
});
