/**
 * Slack's documented Block Kit limits, checked offline so the local Slack stand-in refuses what the
 * real Web API would refuse (a 151-character header, a 51st block) instead of letting it through
 * until production. Pure: no I/O, no state; it only reads the payload it is given.
 *
 * Each problem reads like Slack's own `response_metadata.messages` entries,
 * `[ERROR] <rule> [json-pointer:<where>]`, so a test that sees one can be matched against a real
 * Slack answer. Message pointers start at the argument (`/blocks/2/text/text`), view pointers at
 * `/view`, as Slack reports them for views.open and friends.
 *
 * Where the list this was written from and Slack's docs differed, the docs won; the URL beside each
 * limit is where it was checked.
 */

/** Characters as Slack counts them against its limits: Unicode code points ([...text].length). */
export function slackCharacters(text: string): number {
  // Slack counts code points: a header of 150 emoji fits, though it is 300 UTF-16 units.
  return [...text].length;
}

/**
 * chat.postMessage truncates `text` past this many characters, chat.update answers msg_too_long:
 * https://docs.slack.dev/reference/methods/chat.postMessage ("Truncating content") and
 * https://api.slack.com/changelog/2018-04-truncating-really-long-messages
 */
export const MESSAGE_TEXT_MAX = 40_000;

// ---------------------------------------------------------------------------------------------------
// Limits, each with where Slack documents it

const LIMITS = {
  // https://docs.slack.dev/reference/block-kit/blocks ("up to 50 blocks in each message, and 100
  // blocks in modals or Home tabs"); also https://docs.slack.dev/reference/views/modal-views and
  // https://docs.slack.dev/reference/views/home-tab-views ("Max of 100 blocks")
  messageBlocks: 50,
  viewBlocks: 100,
  // Every block: https://docs.slack.dev/reference/block-kit/blocks/section-block (block_id)
  blockId: 255,
  // https://docs.slack.dev/reference/block-kit/composition-objects/text-object ("minimum length is 1
  // and maximum length is 3000 characters"), the ceiling for any text object.
  text: 3000,
  // https://docs.slack.dev/reference/block-kit/blocks/header-block
  headerText: 150,
  // https://docs.slack.dev/reference/block-kit/blocks/section-block
  sectionText: 3000,
  sectionFields: 10,
  sectionField: 2000,
  // https://docs.slack.dev/reference/block-kit/blocks/context-block ("Maximum number of items is 10")
  contextElements: 10,
  // https://docs.slack.dev/reference/block-kit/blocks/actions-block ("maximum of 25 elements")
  actionsElements: 25,
  // https://docs.slack.dev/reference/block-kit/blocks/image-block (alt_text, title, image_url)
  imageAltText: 2000,
  imageTitle: 2000,
  imageUrl: 3000,
  // https://docs.slack.dev/reference/block-kit/blocks/input-block
  inputLabel: 2000,
  inputHint: 2000,
  // Every interactive element, e.g. https://docs.slack.dev/reference/block-kit/block-elements/button-element
  actionId: 255,
  // https://docs.slack.dev/reference/block-kit/block-elements/button-element
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  buttonAccessibilityLabel: 75,
  // https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element and
  // https://docs.slack.dev/reference/block-kit/block-elements/multi-select-menu-element
  selectOptions: 100,
  selectOptionGroups: 100,
  // Select menus, plain-text input, date and time pickers all say 150, e.g.
  // https://docs.slack.dev/reference/block-kit/block-elements/date-picker-element
  placeholder: 150,
  // https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object
  optionGroupLabel: 75,
  optionGroupOptions: 100,
  // https://docs.slack.dev/reference/block-kit/composition-objects/option-object (value is 150 there;
  // @slack/types' comments still say 75, the reference page is the newer word)
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  optionUrl: 3000,
  // https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element and
  // https://docs.slack.dev/reference/block-kit/block-elements/radio-button-group-element
  checkboxOptions: 10,
  radioOptions: 10,
  // https://docs.slack.dev/reference/block-kit/block-elements/overflow-menu-element ("up to five");
  // the minimum of 2 is from the older https://api.slack.com/reference/block-kit/block-elements#overflow
  overflowOptionsMin: 2,
  overflowOptionsMax: 5,
  // https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element
  // ("between 0 and 3000, inclusive" / "between 1 and 3000, inclusive")
  inputMinLength: [0, 3000],
  inputMaxLength: [1, 3000],
  // https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  // https://docs.slack.dev/reference/views/modal-views
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  // https://docs.slack.dev/reference/methods/views.open ("max length of 255 characters")
  externalId: 255,
} as const;

// https://docs.slack.dev/reference/block-kit/blocks: the blocks this bot could send. Anything else
// is a typo or a block Slack would refuse on these surfaces, so it is a problem, not a pass.
const BLOCK_TYPES = [
  'section',
  'header',
  'context',
  'actions',
  'divider',
  'input',
  'image',
  'rich_text',
  'file',
  'video',
  'markdown',
] as const;
type BlockType = (typeof BLOCK_TYPES)[number];

// https://docs.slack.dev/reference/block-kit/block-elements/button-element and the confirmation
// dialog object: the only two styles.
const STYLES = ['primary', 'danger'];

// https://docs.slack.dev/reference/block-kit/composition-objects/text-object: `emoji` "is only usable
// when type is plain_text", `verbatim` "only usable when type is mrkdwn"; Slack refuses the other.
const ONLY_ON: Record<string, string> = { emoji: 'plain_text', verbatim: 'mrkdwn' };

// https://docs.slack.dev/reference/block-kit/block-elements/date-picker-element (YYYY-MM-DD) and
// https://docs.slack.dev/reference/block-kit/block-elements/time-picker-element (HH:mm, 24-hour).
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

// ---------------------------------------------------------------------------------------------------
// Public checks

/** Problems with a chat.postMessage / chat.update / chat.postEphemeral payload; [] when fine. */
export function messageProblems(args: { text?: unknown; blocks?: unknown }): string[] {
  const out = new Problems();
  const { text, blocks } = args;
  const hasText = typeof text === 'string' && text.length > 0;
  const hasBlocks = Array.isArray(blocks) ? blocks.length > 0 : blocks !== undefined && blocks !== null;
  // The Web API error is in the rule, so the stand-in can answer no_text / msg_too_long, not
  // invalid_blocks, for these two.
  if (!hasText && !hasBlocks) out.add('no_text: must provide text or blocks', '/text');
  if (text !== undefined && text !== null && typeof text !== 'string') out.add('must be a string', '/text');
  if (typeof text === 'string' && slackCharacters(text) > MESSAGE_TEXT_MAX) {
    out.add(`msg_too_long: must be less than ${MESSAGE_TEXT_MAX + 1} characters`, '/text');
  }
  if (hasBlocks) checkBlocks(out, blocks, '/blocks', LIMITS.messageBlocks);
  return out.list;
}

/** Problems with a view (views.open / views.push / views.update / views.publish); its `type` says modal or home. */
export function viewProblems(view: unknown): string[] {
  const out = new Problems();
  const at = '/view';
  if (!isRecord(view)) {
    out.add('must be an object', at);
    return out.list;
  }
  if (view.type === undefined) out.add('missing required field: type', at);
  else if (view.type !== 'modal' && view.type !== 'home') out.add('must be a valid enum value', `${at}/type`);

  if (view.blocks === undefined) out.add('missing required field: blocks', at);
  else checkBlocks(out, view.blocks, `${at}/blocks`, LIMITS.viewBlocks);

  if (view.type === 'modal') {
    checkText(out, view.title, `${at}/title`, { max: LIMITS.modalTitle, plain: true, required: true });
    checkText(out, view.submit, `${at}/submit`, { max: LIMITS.modalButton, plain: true });
    checkText(out, view.close, `${at}/close`, { max: LIMITS.modalButton, plain: true });
    // "submit is required when an input block is within the blocks array" (modal-views page).
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isRecord(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) out.add('missing required field: submit', at);
  }
  checkString(out, view.callback_id, `${at}/callback_id`, { max: LIMITS.callbackId });
  checkString(out, view.private_metadata, `${at}/private_metadata`, { max: LIMITS.privateMetadata });
  checkString(out, view.external_id, `${at}/external_id`, { max: LIMITS.externalId });
  return out.list;
}

// ---------------------------------------------------------------------------------------------------
// Blocks

// https://docs.slack.dev/reference/block-kit/composition-objects/slack-file-object: "you must
// provide either the URL or ID … If both are provided then the payload will be rejected"; Slack
// answers an id that is not a file id with `input must match regex pattern: ^[F][A-Z0-9]{8,}$`.
const FILE_ID = /^[F][A-Z0-9]{8,}$/;

/** An image block's picture: exactly one of `image_url` and `slack_file`, a slack_file by url or id. */
function checkImageSource(out: Problems, block: Record<string, unknown>, at: string): void {
  const hasUrl = block.image_url !== undefined;
  const hasFile = block.slack_file !== undefined;
  if (hasUrl === hasFile) {
    out.add('must provide exactly one of image_url or slack_file', at);
    return;
  }
  if (hasUrl) {
    checkString(out, block.image_url, `${at}/image_url`, { min: 1, max: LIMITS.imageUrl });
    return;
  }
  const file = block.slack_file;
  if (!isRecord(file)) {
    out.add('must be an object', `${at}/slack_file`);
    return;
  }
  if ((file.url === undefined) === (file.id === undefined)) {
    out.add('must provide exactly one of url or id', `${at}/slack_file`);
  } else if (file.id !== undefined && !(typeof file.id === 'string' && FILE_ID.test(file.id))) {
    out.add(`input must match regex pattern: ${FILE_ID.source}`, `${at}/slack_file/id`);
  } else {
    checkString(out, file.url, `${at}/slack_file/url`, { min: 1, max: LIMITS.imageUrl });
  }
}

type Check = (out: Problems, value: Record<string, unknown>, at: string) => void;

const BLOCK_CHECKS: Record<BlockType, Check> = {
  header(out, block, at) {
    checkText(out, block.text, `${at}/text`, { max: LIMITS.headerText, plain: true, required: true });
  },
  section(out, block, at) {
    if (block.text === undefined && block.fields === undefined) out.add('must provide text or fields', at);
    checkText(out, block.text, `${at}/text`, { max: LIMITS.sectionText });
    const fields = checkArray(out, block.fields, `${at}/fields`, { max: LIMITS.sectionFields });
    eachItem(fields, `${at}/fields`, (field, where) =>
      checkText(out, field, where, { max: LIMITS.sectionField, required: true }),
    );
    if (block.accessory !== undefined) checkElement(out, block.accessory, `${at}/accessory`);
  },
  context(out, block, at) {
    const elements = checkArray(out, block.elements, `${at}/elements`, {
      min: 1,
      max: LIMITS.contextElements,
      required: true,
    });
    // Context takes text objects and images only (context-block page); images carry no sized text.
    eachItem(elements, `${at}/elements`, (element, where) => {
      if (!(isRecord(element) && element.type === 'image'))
        checkText(out, element, where, { max: LIMITS.text });
    });
  },
  actions(out, block, at) {
    const elements = checkArray(out, block.elements, `${at}/elements`, {
      min: 1,
      max: LIMITS.actionsElements,
      required: true,
    });
    eachItem(elements, `${at}/elements`, (element, where) => checkElement(out, element, where));
  },
  input(out, block, at) {
    checkText(out, block.label, `${at}/label`, { max: LIMITS.inputLabel, plain: true, required: true });
    checkText(out, block.hint, `${at}/hint`, { max: LIMITS.inputHint, plain: true });
    if (block.element === undefined) out.add('missing required field: element', at);
    else checkElement(out, block.element, `${at}/element`);
  },
  // These carry nothing the bot sizes itself; only their type and block_id are checked.
  divider() {},
  image(out, block, at) {
    checkString(out, block.alt_text, `${at}/alt_text`, { min: 1, max: LIMITS.imageAltText });
    if (block.alt_text === undefined) out.add('missing required field: alt_text', at);
    checkText(out, block.title, `${at}/title`, { max: LIMITS.imageTitle, plain: true });
    checkImageSource(out, block, at);
  },
  rich_text() {},
  file() {},
  video() {},
  markdown() {},
};

function checkBlocks(out: Problems, blocks: unknown, at: string, max: number): void {
  const list = checkArray(out, blocks, at, { max, required: true });
  eachItem(list, at, (block, where) => {
    if (!isRecord(block)) {
      out.add('must be an object', where);
      return;
    }
    if (typeof block.type !== 'string') {
      out.add('missing required field: type', where);
      return;
    }
    if (!isBlockType(block.type)) {
      out.add(`unsupported type: ${block.type}`, `${where}/type`);
      return;
    }
    checkString(out, block.block_id, `${where}/block_id`, { max: LIMITS.blockId });
    BLOCK_CHECKS[block.type](out, block, where);
  });
}

function isBlockType(type: string): type is BlockType {
  return (BLOCK_TYPES as readonly string[]).includes(type);
}

// ---------------------------------------------------------------------------------------------------
// Elements

const placeholder: Check = (out, el, at) =>
  checkText(out, el.placeholder, `${at}/placeholder`, { max: LIMITS.placeholder, plain: true });

const staticSelect: Check = (out, el, at) => {
  placeholder(out, el, at);
  if (el.options === undefined && el.option_groups === undefined)
    out.add('missing required field: options', at);
  const options = checkArray(out, el.options, `${at}/options`, { max: LIMITS.selectOptions });
  eachItem(options, `${at}/options`, (option, where) => checkOption(out, option, where));
  const groups = checkArray(out, el.option_groups, `${at}/option_groups`, { max: LIMITS.selectOptionGroups });
  eachItem(groups, `${at}/option_groups`, (group, where) => checkOptionGroup(out, group, where));
  if (el.initial_option !== undefined) checkOption(out, el.initial_option, `${at}/initial_option`);
  const initial = checkArray(out, el.initial_options, `${at}/initial_options`, {});
  eachItem(initial, `${at}/initial_options`, (option, where) => checkOption(out, option, where));
};

/** Checks by element type; a type not here (users_select, datetimepicker, …) gets the common checks only. */
const ELEMENT_CHECKS: Record<string, Check> = {
  button(out, el, at) {
    checkText(out, el.text, `${at}/text`, { max: LIMITS.buttonText, plain: true, required: true });
    checkString(out, el.value, `${at}/value`, { max: LIMITS.buttonValue });
    checkString(out, el.url, `${at}/url`, { max: LIMITS.buttonUrl });
    checkString(out, el.accessibility_label, `${at}/accessibility_label`, {
      max: LIMITS.buttonAccessibilityLabel,
    });
    checkEnum(out, el.style, `${at}/style`, STYLES);
  },
  static_select: staticSelect,
  multi_static_select: staticSelect,
  plain_text_input(out, el, at) {
    placeholder(out, el, at);
    checkString(out, el.initial_value, `${at}/initial_value`, {});
    checkInteger(out, el.min_length, `${at}/min_length`, LIMITS.inputMinLength);
    checkInteger(out, el.max_length, `${at}/max_length`, LIMITS.inputMaxLength);
  },
  datepicker(out, el, at) {
    placeholder(out, el, at);
    checkFormat(out, el.initial_date, `${at}/initial_date`, DATE, 'YYYY-MM-DD');
  },
  timepicker(out, el, at) {
    placeholder(out, el, at);
    checkFormat(out, el.initial_time, `${at}/initial_time`, TIME, 'HH:mm');
  },
  checkboxes(out, el, at) {
    const options = checkArray(out, el.options, `${at}/options`, {
      min: 1,
      max: LIMITS.checkboxOptions,
      required: true,
    });
    // Checkboxes and radio buttons may use mrkdwn in options (option-object page).
    eachItem(options, `${at}/options`, (option, where) => checkOption(out, option, where, { mrkdwn: true }));
    const initial = checkArray(out, el.initial_options, `${at}/initial_options`, {});
    eachItem(initial, `${at}/initial_options`, (option, where) =>
      checkOption(out, option, where, { mrkdwn: true }),
    );
  },
  radio_buttons(out, el, at) {
    const options = checkArray(out, el.options, `${at}/options`, {
      min: 1,
      max: LIMITS.radioOptions,
      required: true,
    });
    eachItem(options, `${at}/options`, (option, where) => checkOption(out, option, where, { mrkdwn: true }));
    if (el.initial_option !== undefined) {
      checkOption(out, el.initial_option, `${at}/initial_option`, { mrkdwn: true });
    }
  },
  overflow(out, el, at) {
    const options = checkArray(out, el.options, `${at}/options`, {
      min: LIMITS.overflowOptionsMin,
      max: LIMITS.overflowOptionsMax,
      required: true,
    });
    // Only overflow options may carry a url (option-object page).
    eachItem(options, `${at}/options`, (option, where) => checkOption(out, option, where, { url: true }));
  },
};

function checkElement(out: Problems, element: unknown, at: string): void {
  if (!isRecord(element)) {
    out.add('must be an object', at);
    return;
  }
  if (typeof element.type !== 'string') {
    out.add('missing required field: type', at);
    return;
  }
  checkString(out, element.action_id, `${at}/action_id`, { max: LIMITS.actionId });
  if (element.confirm !== undefined) checkConfirm(out, element.confirm, `${at}/confirm`);
  ELEMENT_CHECKS[element.type]?.(out, element, at);
}

// ---------------------------------------------------------------------------------------------------
// Composition objects

function checkOption(
  out: Problems,
  option: unknown,
  at: string,
  allow: { mrkdwn?: boolean; url?: boolean } = {},
) {
  if (!isRecord(option)) {
    out.add('must be an object', at);
    return;
  }
  const plain = !allow.mrkdwn;
  checkText(out, option.text, `${at}/text`, { max: LIMITS.optionText, plain, required: true });
  checkString(out, option.value, `${at}/value`, { max: LIMITS.optionValue });
  checkText(out, option.description, `${at}/description`, { max: LIMITS.optionDescription, plain });
  if (option.url !== undefined && !allow.url) out.add('invalid additional property: url', at);
  checkString(out, option.url, `${at}/url`, { max: LIMITS.optionUrl });
}

function checkOptionGroup(out: Problems, group: unknown, at: string): void {
  if (!isRecord(group)) {
    out.add('must be an object', at);
    return;
  }
  checkText(out, group.label, `${at}/label`, { max: LIMITS.optionGroupLabel, plain: true, required: true });
  const options = checkArray(out, group.options, `${at}/options`, {
    max: LIMITS.optionGroupOptions,
    required: true,
  });
  eachItem(options, `${at}/options`, (option, where) => checkOption(out, option, where));
}

function checkConfirm(out: Problems, confirm: unknown, at: string): void {
  if (!isRecord(confirm)) {
    out.add('must be an object', at);
    return;
  }
  checkText(out, confirm.title, `${at}/title`, { max: LIMITS.confirmTitle, plain: true, required: true });
  checkText(out, confirm.text, `${at}/text`, { max: LIMITS.confirmText, required: true });
  checkText(out, confirm.confirm, `${at}/confirm`, {
    max: LIMITS.confirmButton,
    plain: true,
    required: true,
  });
  checkText(out, confirm.deny, `${at}/deny`, { max: LIMITS.confirmButton, plain: true, required: true });
  checkEnum(out, confirm.style, `${at}/style`, STYLES);
}

/** A text object: type, a 1..max-character text (max never above 3000), emoji/verbatim on the right type. */
function checkText(
  out: Problems,
  value: unknown,
  at: string,
  rule: { max: number; plain?: boolean; required?: boolean },
): void {
  if (value === undefined) {
    if (rule.required) out.add(`missing required field: ${lastSegment(at)}`, parentOf(at));
    return;
  }
  if (!isRecord(value)) {
    out.add('must be an object', at);
    return;
  }
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
    out.add('must be a valid enum value', `${at}/type`);
  } else if (rule.plain && value.type !== 'plain_text') {
    out.add('must be plain_text', `${at}/type`);
  }
  for (const [field, type] of Object.entries(ONLY_ON)) {
    if (value[field] !== undefined && value.type !== type)
      out.add(`invalid additional property: ${field}`, at);
  }
  if (value.text === undefined) {
    out.add('missing required field: text', at);
    return;
  }
  checkString(out, value.text, `${at}/text`, { min: 1, max: Math.min(rule.max, LIMITS.text) });
}

// ---------------------------------------------------------------------------------------------------
// Scalars

function checkString(out: Problems, value: unknown, at: string, rule: { min?: number; max?: number }): void {
  if (value === undefined) return;
  if (typeof value !== 'string') {
    out.add('must be a string', at);
    return;
  }
  const length = slackCharacters(value);
  if (rule.min !== undefined && length < rule.min)
    out.add(`must be more than ${rule.min - 1} characters`, at);
  if (rule.max !== undefined && length > rule.max)
    out.add(`must be less than ${rule.max + 1} characters`, at);
}

function checkArray(
  out: Problems,
  value: unknown,
  at: string,
  rule: { min?: number; max?: number; required?: boolean },
): unknown[] | undefined {
  if (value === undefined) {
    if (rule.required) out.add(`missing required field: ${lastSegment(at)}`, parentOf(at));
    return undefined;
  }
  if (!Array.isArray(value)) {
    out.add('must be an array', at);
    return undefined;
  }
  if (rule.min !== undefined && value.length < rule.min)
    out.add(`no fewer than ${rule.min} items allowed`, at);
  if (rule.max !== undefined && value.length > rule.max)
    out.add(`no more than ${rule.max} items allowed`, at);
  return value;
}

function checkInteger(
  out: Problems,
  value: unknown,
  at: string,
  [min, max]: readonly [number, number],
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    out.add(`must be an integer from ${min} to ${max}`, at);
  }
}

function checkEnum(out: Problems, value: unknown, at: string, allowed: readonly string[]): void {
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    out.add('must be a valid enum value', at);
  }
}

function checkFormat(out: Problems, value: unknown, at: string, format: RegExp, name: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !format.test(value)) out.add(`must be in the format ${name}`, at);
}

// ---------------------------------------------------------------------------------------------------
// Helpers

/** Collects problems in Slack's wording: `[ERROR] <rule> [json-pointer:<at>]`. */
class Problems {
  readonly list: string[] = [];
  add(rule: string, at: string): void {
    this.list.push(`[ERROR] ${rule} [json-pointer:${at}]`);
  }
}

/** Runs `check` on each item with its pointer; nothing when the array was missing or not an array. */
function eachItem(
  items: unknown[] | undefined,
  at: string,
  check: (item: unknown, where: string) => void,
): void {
  for (const [i, item] of (items ?? []).entries()) check(item, `${at}/${i}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lastSegment(pointer: string): string {
  return pointer.slice(pointer.lastIndexOf('/') + 1);
}

function parentOf(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}
