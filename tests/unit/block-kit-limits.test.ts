import { SHIFTS_LISTED } from '../../lambda/incidents/shifts';
import { appHome, declareModal, pinnedSummary, resolveModal, summaryActions } from '../../lambda/slack/views';
import {
  MESSAGE_TEXT_MAX,
  messageProblems,
  slackCharacters,
  viewProblems,
} from '../../local/block-kit-limits';
import { anIncident } from '../fixtures/incidents';

// ---------------------------------------------------------------------------------------------------
// Builders

type Json = Record<string, unknown>;

const plain = (text: string): Json => ({ type: 'plain_text', text });
const mrkdwn = (text: string): Json => ({ type: 'mrkdwn', text });
const x = (n: number): string => 'x'.repeat(n);
const many = <T>(n: number, item: T): T[] => Array.from({ length: n }, () => item);

const error = (rule: string, pointer: string): string => `[ERROR] ${rule} [json-pointer:${pointer}]`;
const tooLong = (max: number, pointer: string): string =>
  error(`must be less than ${max + 1} characters`, pointer);
const tooMany = (max: number, pointer: string): string => error(`no more than ${max} items allowed`, pointer);

/** A message with these blocks. */
const message = (...blocks: Json[]): string[] => messageProblems({ blocks });
/** A message with one actions block holding this element. */
const inActions = (element: Json): string[] => message({ type: 'actions', elements: [element] });
/** A modal with these blocks (and a submit, so input blocks are allowed). */
const modal = (extra: Json, ...blocks: Json[]): string[] =>
  viewProblems({ type: 'modal', title: plain('Title'), submit: plain('Go'), blocks, ...extra });

const option = (text: string, value = 'v'): Json => ({ text: plain(text), value });
const button = (extra: Json = {}): Json => ({ type: 'button', action_id: 'b', text: plain('Go'), ...extra });
const select = (extra: Json): Json => ({ type: 'static_select', action_id: 's', ...extra });
const confirm = (extra: Json = {}): Json => ({
  title: plain('Sure?'),
  text: plain('This pages people.'),
  confirm: plain('Yes'),
  deny: plain('No'),
  ...extra,
});

// ---------------------------------------------------------------------------------------------------
// Each limit: accepted at exactly the limit, rejected one over with the pointer named

interface Limit {
  name: string;
  limit: number;
  pointer: string;
  /** Characters (a string of `n`) or items (an array of `n`). */
  kind: 'characters' | 'items';
  problems: (n: number) => string[];
}

const LIMITS: Limit[] = [
  // Messages and blocks
  {
    name: 'blocks in a message',
    limit: 50,
    pointer: '/blocks',
    kind: 'items',
    problems: (n) => message(...many(n, { type: 'divider' })),
  },
  {
    name: 'block_id',
    limit: 255,
    pointer: '/blocks/0/block_id',
    kind: 'characters',
    problems: (n) => message({ type: 'divider', block_id: x(n) }),
  },
  {
    name: 'header text',
    limit: 150,
    pointer: '/blocks/0/text/text',
    kind: 'characters',
    problems: (n) => message({ type: 'header', text: plain(x(n)) }),
  },
  {
    name: 'section text',
    limit: 3000,
    pointer: '/blocks/0/text/text',
    kind: 'characters',
    problems: (n) => message({ type: 'section', text: mrkdwn(x(n)) }),
  },
  {
    name: 'section fields',
    limit: 10,
    pointer: '/blocks/0/fields',
    kind: 'items',
    problems: (n) => message({ type: 'section', fields: many(n, mrkdwn('f')) }),
  },
  {
    name: 'section field text',
    limit: 2000,
    pointer: '/blocks/0/fields/0/text',
    kind: 'characters',
    problems: (n) => message({ type: 'section', fields: [mrkdwn(x(n))] }),
  },
  {
    name: 'context elements',
    limit: 10,
    pointer: '/blocks/0/elements',
    kind: 'items',
    problems: (n) => message({ type: 'context', elements: many(n, mrkdwn('c')) }),
  },
  {
    name: 'context text',
    limit: 3000,
    pointer: '/blocks/0/elements/0/text',
    kind: 'characters',
    problems: (n) => message({ type: 'context', elements: [mrkdwn(x(n))] }),
  },
  {
    name: 'actions elements',
    limit: 25,
    pointer: '/blocks/0/elements',
    kind: 'items',
    problems: (n) => message({ type: 'actions', elements: many(n, button()) }),
  },
  // Elements
  {
    name: 'action_id',
    limit: 255,
    pointer: '/blocks/0/elements/0/action_id',
    kind: 'characters',
    problems: (n) => inActions(button({ action_id: x(n) })),
  },
  {
    name: 'button text',
    limit: 75,
    pointer: '/blocks/0/elements/0/text/text',
    kind: 'characters',
    problems: (n) => inActions(button({ text: plain(x(n)) })),
  },
  {
    name: 'button value',
    limit: 2000,
    pointer: '/blocks/0/elements/0/value',
    kind: 'characters',
    problems: (n) => inActions(button({ value: x(n) })),
  },
  {
    name: 'button url',
    limit: 3000,
    pointer: '/blocks/0/elements/0/url',
    kind: 'characters',
    problems: (n) => inActions(button({ url: `https://e.x/${x(n - 12)}` })),
  },
  {
    name: 'button accessibility_label',
    limit: 75,
    pointer: '/blocks/0/elements/0/accessibility_label',
    kind: 'characters',
    problems: (n) => inActions(button({ accessibility_label: x(n) })),
  },
  {
    name: 'select options',
    limit: 100,
    pointer: '/blocks/0/elements/0/options',
    kind: 'items',
    problems: (n) => inActions(select({ options: many(n, option('o')) })),
  },
  {
    name: 'select option_groups',
    limit: 100,
    pointer: '/blocks/0/elements/0/option_groups',
    kind: 'items',
    problems: (n) =>
      inActions(select({ option_groups: many(n, { label: plain('g'), options: [option('o')] }) })),
  },
  {
    name: 'option group label',
    limit: 75,
    pointer: '/blocks/0/elements/0/option_groups/0/label/text',
    kind: 'characters',
    problems: (n) => inActions(select({ option_groups: [{ label: plain(x(n)), options: [option('o')] }] })),
  },
  {
    name: 'option group options',
    limit: 100,
    pointer: '/blocks/0/elements/0/option_groups/0/options',
    kind: 'items',
    problems: (n) =>
      inActions(select({ option_groups: [{ label: plain('g'), options: many(n, option('o')) }] })),
  },
  {
    name: 'option text',
    limit: 75,
    pointer: '/blocks/0/elements/0/options/0/text/text',
    kind: 'characters',
    problems: (n) => inActions(select({ options: [option(x(n))] })),
  },
  {
    name: 'option value',
    limit: 150,
    pointer: '/blocks/0/elements/0/options/0/value',
    kind: 'characters',
    problems: (n) => inActions(select({ options: [option('o', x(n))] })),
  },
  {
    name: 'option description',
    limit: 75,
    pointer: '/blocks/0/elements/0/options/0/description/text',
    kind: 'characters',
    problems: (n) => inActions(select({ options: [{ ...option('o'), description: plain(x(n)) }] })),
  },
  {
    name: 'select placeholder',
    limit: 150,
    pointer: '/blocks/0/elements/0/placeholder/text',
    kind: 'characters',
    problems: (n) => inActions(select({ options: [option('o')], placeholder: plain(x(n)) })),
  },
  {
    name: 'multi-select options',
    limit: 100,
    pointer: '/blocks/0/elements/0/options',
    kind: 'items',
    problems: (n) => inActions({ type: 'multi_static_select', options: many(n, option('o')) }),
  },
  {
    name: 'checkboxes options',
    limit: 10,
    pointer: '/blocks/0/elements/0/options',
    kind: 'items',
    problems: (n) => inActions({ type: 'checkboxes', options: many(n, { text: mrkdwn('*c*'), value: 'c' }) }),
  },
  {
    name: 'radio options',
    limit: 10,
    pointer: '/blocks/0/elements/0/options',
    kind: 'items',
    problems: (n) => inActions({ type: 'radio_buttons', options: many(n, option('r')) }),
  },
  {
    name: 'overflow options',
    limit: 5,
    pointer: '/blocks/0/elements/0/options',
    kind: 'items',
    problems: (n) => inActions({ type: 'overflow', options: many(n, option('o')) }),
  },
  {
    name: 'overflow option url',
    limit: 3000,
    pointer: '/blocks/0/elements/0/options/0/url',
    kind: 'characters',
    problems: (n) => inActions({ type: 'overflow', options: [{ ...option('o'), url: x(n) }, option('p')] }),
  },
  {
    name: 'datepicker placeholder',
    limit: 150,
    pointer: '/blocks/0/elements/0/placeholder/text',
    kind: 'characters',
    problems: (n) => inActions({ type: 'datepicker', placeholder: plain(x(n)) }),
  },
  {
    name: 'timepicker placeholder',
    limit: 150,
    pointer: '/blocks/0/elements/0/placeholder/text',
    kind: 'characters',
    problems: (n) => inActions({ type: 'timepicker', placeholder: plain(x(n)) }),
  },
  // Confirmation dialogs
  {
    name: 'confirm title',
    limit: 100,
    pointer: '/blocks/0/elements/0/confirm/title/text',
    kind: 'characters',
    problems: (n) => inActions(button({ confirm: confirm({ title: plain(x(n)) }) })),
  },
  {
    name: 'confirm text',
    limit: 300,
    pointer: '/blocks/0/elements/0/confirm/text/text',
    kind: 'characters',
    problems: (n) => inActions(button({ confirm: confirm({ text: mrkdwn(x(n)) }) })),
  },
  {
    name: 'confirm confirm',
    limit: 30,
    pointer: '/blocks/0/elements/0/confirm/confirm/text',
    kind: 'characters',
    problems: (n) => inActions(button({ confirm: confirm({ confirm: plain(x(n)) }) })),
  },
  {
    name: 'confirm deny',
    limit: 30,
    pointer: '/blocks/0/elements/0/confirm/deny/text',
    kind: 'characters',
    problems: (n) => inActions(button({ confirm: confirm({ deny: plain(x(n)) }) })),
  },
  // Views
  {
    name: 'blocks in a modal',
    limit: 100,
    pointer: '/view/blocks',
    kind: 'items',
    problems: (n) => modal({}, ...many(n, { type: 'divider' })),
  },
  {
    name: 'blocks in a Home tab',
    limit: 100,
    pointer: '/view/blocks',
    kind: 'items',
    problems: (n) => viewProblems({ type: 'home', blocks: many(n, { type: 'divider' }) }),
  },
  {
    name: 'modal title',
    limit: 24,
    pointer: '/view/title/text',
    kind: 'characters',
    problems: (n) => modal({ title: plain(x(n)) }),
  },
  {
    name: 'modal submit',
    limit: 24,
    pointer: '/view/submit/text',
    kind: 'characters',
    problems: (n) => modal({ submit: plain(x(n)) }),
  },
  {
    name: 'modal close',
    limit: 24,
    pointer: '/view/close/text',
    kind: 'characters',
    problems: (n) => modal({ close: plain(x(n)) }),
  },
  {
    name: 'callback_id',
    limit: 255,
    pointer: '/view/callback_id',
    kind: 'characters',
    problems: (n) => modal({ callback_id: x(n) }),
  },
  {
    name: 'private_metadata',
    limit: 3000,
    pointer: '/view/private_metadata',
    kind: 'characters',
    problems: (n) => modal({ private_metadata: x(n) }),
  },
  {
    name: 'external_id',
    limit: 255,
    pointer: '/view/external_id',
    kind: 'characters',
    problems: (n) => viewProblems({ type: 'home', blocks: [], external_id: x(n) }),
  },
  {
    name: 'input label',
    limit: 2000,
    pointer: '/view/blocks/0/label/text',
    kind: 'characters',
    problems: (n) => modal({}, { type: 'input', label: plain(x(n)), element: { type: 'plain_text_input' } }),
  },
  {
    name: 'input hint',
    limit: 2000,
    pointer: '/view/blocks/0/hint/text',
    kind: 'characters',
    problems: (n) =>
      modal(
        {},
        { type: 'input', label: plain('L'), hint: plain(x(n)), element: { type: 'plain_text_input' } },
      ),
  },
  {
    name: 'plain_text_input placeholder',
    limit: 150,
    pointer: '/view/blocks/0/element/placeholder/text',
    kind: 'characters',
    problems: (n) =>
      modal(
        {},
        { type: 'input', label: plain('L'), element: { type: 'plain_text_input', placeholder: plain(x(n)) } },
      ),
  },
];

describe('each Block Kit limit', () => {
  it.each(LIMITS)('$name: $limit accepted', ({ limit, problems }) => {
    expect(problems(limit)).toEqual([]);
  });

  it.each(LIMITS)('$name: one over is refused at $pointer', ({ limit, pointer, kind, problems }) => {
    const expected = kind === 'items' ? tooMany(limit, pointer) : tooLong(limit, pointer);
    expect(problems(limit + 1)).toEqual([expected]);
  });
});

describe('lower bounds', () => {
  it('refuses an empty text object, as Slack does', () => {
    expect(message({ type: 'section', text: mrkdwn('') })).toEqual([
      error('must be more than 0 characters', '/blocks/0/text/text'),
    ]);
  });

  it('needs at least one element in context and actions blocks', () => {
    expect(message({ type: 'context', elements: [] })).toEqual([
      error('no fewer than 1 items allowed', '/blocks/0/elements'),
    ]);
    expect(message({ type: 'actions', elements: [] })).toEqual([
      error('no fewer than 1 items allowed', '/blocks/0/elements'),
    ]);
  });

  it('needs at least two overflow options', () => {
    expect(inActions({ type: 'overflow', options: [option('a'), option('b')] })).toEqual([]);
    expect(inActions({ type: 'overflow', options: [option('a')] })).toEqual([
      error('no fewer than 2 items allowed', '/blocks/0/elements/0/options'),
    ]);
  });

  it('takes plain_text_input min_length 0..3000 and max_length 1..3000', () => {
    const input = (element: Json) =>
      modal({}, { type: 'input', label: plain('L'), element: { type: 'plain_text_input', ...element } });
    expect(input({ min_length: 0, max_length: 1 })).toEqual([]);
    expect(input({ min_length: 3000, max_length: 3000 })).toEqual([]);
    expect(input({ min_length: -1 })).toEqual([
      error('must be an integer from 0 to 3000', '/view/blocks/0/element/min_length'),
    ]);
    expect(input({ min_length: 3001 })).toEqual([
      error('must be an integer from 0 to 3000', '/view/blocks/0/element/min_length'),
    ]);
    expect(input({ max_length: 0 })).toEqual([
      error('must be an integer from 1 to 3000', '/view/blocks/0/element/max_length'),
    ]);
    expect(input({ max_length: 3001 })).toEqual([
      error('must be an integer from 1 to 3000', '/view/blocks/0/element/max_length'),
    ]);
  });
});

describe('characters are code points', () => {
  const emoji = '🚨';

  it('counts an emoji once, not as its two UTF-16 units', () => {
    expect(emoji.repeat(150)).toHaveLength(300);
    expect(slackCharacters(emoji.repeat(150))).toBe(150);
    expect(slackCharacters('')).toBe(0);
  });

  it('lets a header of 150 emoji through and refuses 151', () => {
    expect(message({ type: 'header', text: plain(emoji.repeat(150)) })).toEqual([]);
    expect(message({ type: 'header', text: plain(emoji.repeat(151)) })).toEqual([
      tooLong(150, '/blocks/0/text/text'),
    ]);
  });
});

describe('message text', () => {
  it(`allows ${MESSAGE_TEXT_MAX} characters and names msg_too_long one over`, () => {
    expect(MESSAGE_TEXT_MAX).toBe(40_000);
    expect(messageProblems({ text: x(40_000) })).toEqual([]);
    expect(messageProblems({ text: x(40_001) })).toEqual([
      error('msg_too_long: must be less than 40001 characters', '/text'),
    ]);
  });

  it('counts message text in code points too', () => {
    expect(messageProblems({ text: '🚨'.repeat(40_000) })).toEqual([]);
  });

  it('names no_text when there is neither text nor blocks', () => {
    const noText = [error('no_text: must provide text or blocks', '/text')];
    expect(messageProblems({})).toEqual(noText);
    expect(messageProblems({ text: '', blocks: [] })).toEqual(noText);
    expect(messageProblems({ text: 'hello' })).toEqual([]);
    expect(messageProblems({ blocks: [{ type: 'divider' }] })).toEqual([]);
  });
});

describe('block and text object rules', () => {
  it('refuses a block type the bot could not send', () => {
    expect(message({ type: 'sectoin', text: mrkdwn('typo') })).toEqual([
      error('unsupported type: sectoin', '/blocks/0/type'),
    ]);
  });

  it('refuses a block without a type', () => {
    expect(message({ text: mrkdwn('hi') })).toEqual([error('missing required field: type', '/blocks/0')]);
  });

  it('accepts every known block type', () => {
    const blocks = ['divider', 'rich_text', 'file', 'video', 'markdown'].map((type) => ({ type }));
    expect(
      message(...blocks, { type: 'image', image_url: 'https://example.com/a.png', alt_text: 'a' }),
    ).toEqual([]);
  });

  it('wants an image block to show exactly one picture, with alt text', () => {
    const image = (fields: Record<string, unknown>) =>
      message({ type: 'image', alt_text: 'chart', ...fields });
    expect(image({ slack_file: { id: 'F0123456789' } })).toEqual([]);
    expect(image({ slack_file: { url: 'https://files.slack.com/files-pri/T1-F1/a.png' } })).toEqual([]);
    expect(message({ type: 'image', slack_file: { id: 'F0123456789' } })).toEqual([
      error('missing required field: alt_text', '/blocks/0'),
    ]);
    expect(image({})).toEqual([error('must provide exactly one of image_url or slack_file', '/blocks/0')]);
    expect(image({ image_url: 'https://example.com/a.png', slack_file: { id: 'F0123456789' } })).toEqual([
      error('must provide exactly one of image_url or slack_file', '/blocks/0'),
    ]);
    expect(image({ slack_file: { id: 'F0123456789', url: 'https://files.slack.com/a.png' } })).toEqual([
      error('must provide exactly one of url or id', '/blocks/0/slack_file'),
    ]);
    expect(image({ slack_file: { id: 'https://files.slack.com/a.png' } })).toEqual([
      error('input must match regex pattern: ^[F][A-Z0-9]{8,}$', '/blocks/0/slack_file/id'),
    ]);
    expect(image({ slack_file: { id: 'F0123456789' }, title: { type: 'mrkdwn', text: '*t*' } })).toEqual([
      error('must be plain_text', '/blocks/0/title/type'),
    ]);
    expect(image({ slack_file: { id: 'F0123456789' }, alt_text: 'x'.repeat(2001) })).toEqual([
      error('must be less than 2001 characters', '/blocks/0/alt_text'),
    ]);
  });

  it('refuses emoji on mrkdwn and verbatim on plain_text', () => {
    expect(message({ type: 'section', text: { ...mrkdwn('hi'), emoji: true } })).toEqual([
      error('invalid additional property: emoji', '/blocks/0/text'),
    ]);
    expect(message({ type: 'section', text: { ...plain('hi'), verbatim: true } })).toEqual([
      error('invalid additional property: verbatim', '/blocks/0/text'),
    ]);
    expect(message({ type: 'section', text: { ...plain('hi'), emoji: true } })).toEqual([]);
    expect(message({ type: 'section', text: { ...mrkdwn('hi'), verbatim: true } })).toEqual([]);
  });

  it('refuses a text object of an unknown type', () => {
    expect(message({ type: 'section', text: { type: 'markdown', text: 'hi' } })).toEqual([
      error('must be a valid enum value', '/blocks/0/text/type'),
    ]);
  });

  it('wants plain_text where Slack does', () => {
    const mustBePlain = (pointer: string) => [error('must be plain_text', pointer)];
    expect(message({ type: 'header', text: mrkdwn('H') })).toEqual(mustBePlain('/blocks/0/text/type'));
    expect(inActions(button({ text: mrkdwn('Go') }))).toEqual(mustBePlain('/blocks/0/elements/0/text/type'));
    expect(inActions(select({ options: [{ text: mrkdwn('o'), value: 'o' }] }))).toEqual(
      mustBePlain('/blocks/0/elements/0/options/0/text/type'),
    );
    expect(inActions(select({ options: [option('o')], placeholder: mrkdwn('p') }))).toEqual(
      mustBePlain('/blocks/0/elements/0/placeholder/type'),
    );
    expect(modal({ title: mrkdwn('T') })).toEqual(mustBePlain('/view/title/type'));
    expect(modal({}, { type: 'input', label: mrkdwn('L'), element: { type: 'plain_text_input' } })).toEqual(
      mustBePlain('/view/blocks/0/label/type'),
    );
    expect(inActions(button({ confirm: confirm({ deny: mrkdwn('No') }) }))).toEqual(
      mustBePlain('/blocks/0/elements/0/confirm/deny/type'),
    );
  });

  it('needs text or fields in a section, and checks its accessory as an element', () => {
    expect(message({ type: 'section' })).toEqual([error('must provide text or fields', '/blocks/0')]);
    expect(message({ type: 'section', fields: [plain('f')] })).toEqual([]);
    expect(
      message({ type: 'section', text: mrkdwn('t'), accessory: button({ text: plain(x(76)) }) }),
    ).toEqual([tooLong(75, '/blocks/0/accessory/text/text')]);
  });

  it('takes only primary or danger as a button style', () => {
    expect(inActions(button({ style: 'primary' }))).toEqual([]);
    expect(inActions(button({ style: 'danger' }))).toEqual([]);
    expect(inActions(button({ style: 'secondary' }))).toEqual([
      error('must be a valid enum value', '/blocks/0/elements/0/style'),
    ]);
  });

  it('needs a select to have options or option groups', () => {
    expect(inActions(select({}))).toEqual([error('missing required field: options', '/blocks/0/elements/0')]);
  });

  it('allows a url on overflow options only', () => {
    expect(inActions(select({ options: [{ ...option('o'), url: 'https://e.x' }] }))).toEqual([
      error('invalid additional property: url', '/blocks/0/elements/0/options/0'),
    ]);
  });

  it('allows mrkdwn in checkbox and radio options', () => {
    expect(inActions({ type: 'radio_buttons', options: [{ text: mrkdwn('*r*'), value: 'r' }] })).toEqual([]);
  });

  it('checks date and time picker formats', () => {
    expect(inActions({ type: 'datepicker', initial_date: '2024-02-18' })).toEqual([]);
    expect(inActions({ type: 'datepicker', initial_date: '18/02/2024' })).toEqual([
      error('must be in the format YYYY-MM-DD', '/blocks/0/elements/0/initial_date'),
    ]);
    expect(inActions({ type: 'timepicker', initial_time: '23:59' })).toEqual([]);
    expect(inActions({ type: 'timepicker', initial_time: '24:00' })).toEqual([
      error('must be in the format HH:mm', '/blocks/0/elements/0/initial_time'),
    ]);
  });

  it('needs every part of a confirmation dialog', () => {
    const { deny: _deny, ...noDeny } = confirm();
    expect(inActions(button({ confirm: noDeny }))).toEqual([
      error('missing required field: deny', '/blocks/0/elements/0/confirm'),
    ]);
  });

  it('leaves element types it has no rules for to Slack', () => {
    expect(inActions({ type: 'users_select', action_id: 'u' })).toEqual([]);
  });
});

describe('view rules', () => {
  it('takes modal and home, nothing else', () => {
    expect(viewProblems({ type: 'home', blocks: [] })).toEqual([]);
    expect(viewProblems({ type: 'dialog', blocks: [] })).toEqual([
      error('must be a valid enum value', '/view/type'),
    ]);
    expect(viewProblems('{"type":"modal"}')).toEqual([error('must be an object', '/view')]);
  });

  it('needs a modal title', () => {
    expect(viewProblems({ type: 'modal', blocks: [] })).toEqual([
      error('missing required field: title', '/view'),
    ]);
  });

  it('needs submit on a modal with an input block', () => {
    const input = { type: 'input', label: plain('L'), element: { type: 'plain_text_input' } };
    expect(viewProblems({ type: 'modal', title: plain('T'), blocks: [input] })).toEqual([
      error('missing required field: submit', '/view'),
    ]);
    expect(viewProblems({ type: 'modal', title: plain('T'), blocks: [{ type: 'divider' }] })).toEqual([]);
  });

  it('points into view blocks under /view', () => {
    expect(modal({}, { type: 'divider' }, { type: 'header', text: plain(x(151)) })).toEqual([
      tooLong(150, '/view/blocks/1/text/text'),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// What the bot really sends

describe("the bot's own payloads", () => {
  const ctx = { tz: 'UTC', now: '2024-02-18T20:00:00.000Z' };
  const incident = anIncident({
    title: 'Login failures on auth 🔐',
    declaredBy: 'U0DECLARER',
    startedAt: '2024-02-18T16:45:00.000Z',
    declaredAt: '2024-02-18T16:50:00.000Z',
  });

  it('accepts the pinned summary with its buttons', () => {
    const summary = pinnedSummary(incident, ctx, ['PagerDuty answered 500']);
    expect(messageProblems(summary)).toEqual([]);
    expect(messageProblems({ text: 'Actions', blocks: [summaryActions('INC-7')] })).toEqual([]);
  });

  it('accepts the declare and resolve modals', () => {
    expect(viewProblems(declareModal({ channelId: 'C0ABC' }))).toEqual([]);
    expect(viewProblems(resolveModal('INC-7'))).toEqual([]);
  });

  it('accepts the Home tab, empty and full', () => {
    expect(viewProblems(appHome([], ctx))).toEqual([]);
    const incidents = Array.from({ length: 60 }, (_, i) => ({ ...incident, id: `INC-${i}`, number: i }));
    expect(viewProblems(appHome(incidents, ctx))).toEqual([]);
  });

  it('accepts the full Home tab with the most on-call shifts it lists, each of a long team name', () => {
    const incidents = Array.from({ length: 60 }, (_, i) => ({ ...incident, id: `INC-${i}`, number: i }));
    const shifts = Array.from({ length: SHIFTS_LISTED }, (_, i) => ({
      team: `team-${i}-${'x'.repeat(300)}`,
      from: '2024-02-18T15:00:00.000Z',
      to: '2024-02-25T15:00:00.000Z',
    }));
    expect(viewProblems(appHome(incidents, ctx, shifts))).toEqual([]);
  });
});
