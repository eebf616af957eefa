/**
 * What the Slack-text tests look for in every request the bot sent to the Slack stand-in.
 */

/** A UTF-16 surrogate without its pair: what makes `encodeURIComponent` throw "URI malformed". */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every string in a request's arguments (blocks, text, topic…), with its key path (`blocks[0].text.text`). */
export function strings(
  value: unknown,
  path = '',
  out: Array<[string, string]> = [],
): Array<[string, string]> {
  if (typeof value === 'string') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((item, i) => void strings(item, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) strings(item, path ? `${path}.${key}` : key, out);
  }
  return out;
}
