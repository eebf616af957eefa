import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HomeView, InputBlock, KnownBlock, ModalView } from '@slack/types';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { TITLE_MAX_LENGTH } from '../../lambda/incidents/grammar';
import { LOG_KINDS, SEVERITIES } from '../../lambda/incidents/types';
import {
  ACTIONS,
  addToTimelineModal,
  appHome,
  CALLBACKS,
  declareModal,
  directPage,
  HOME_MAX_INCIDENTS,
  LEAD_BLOCK,
  leadPrompt,
  parseAddToTimelineSubmission,
  parseDeclareSubmission,
  parseResolveSubmission,
  pinnedSummary,
  resolveModal,
  SHORTCUT,
  type Submission,
  summaryActions,
} from '../../lambda/slack/views';
import { anIncident, anIncidentNumbered } from '../fixtures/incidents';

const NOW = '2024-02-18T20:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;
const UTC = { tz: 'UTC', now: NOW };

// ---------------------------------------------------------------------------------------------------
// Block Kit rules that can be checked offline (https://docs.slack.dev/reference/block-kit)

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function chars(text: string): number {
  return [...text].length;
}

function checkPlainText(value: unknown, where: string, max: number, problems: string[]): void {
  if (!isRecord(value) || value.type !== 'plain_text' || typeof value.text !== 'string') {
    problems.push(`${where}: not a plain_text object`);
    return;
  }
  if (value.text.length === 0) problems.push(`${where}: empty text`);
  if (chars(value.text) > max) problems.push(`${where}: ${chars(value.text)} characters, max ${max}`);
}

function checkText(value: unknown, where: string, max: number, problems: string[]): void {
  if (!isRecord(value) || (value.type !== 'plain_text' && value.type !== 'mrkdwn')) {
    problems.push(`${where}: not a text object`);
    return;
  }
  const text = String(value.text ?? '');
  if (text.length === 0) problems.push(`${where}: empty text`);
  if (chars(text) > max) problems.push(`${where}: ${chars(text)} characters, max ${max}`);
}

function checkOption(option: unknown, where: string, problems: string[]): void {
  if (!isRecord(option)) {
    problems.push(`${where}: not an option`);
    return;
  }
  checkPlainText(option.text, `${where}.text`, 75, problems);
  if (option.description !== undefined)
    checkPlainText(option.description, `${where}.description`, 75, problems);
  if (typeof option.value !== 'string' || option.value.length === 0) problems.push(`${where}.value: missing`);
  else if (chars(option.value) > 150)
    problems.push(`${where}.value: ${chars(option.value)} characters, max 150`);
}

function checkElement(element: unknown, where: string, problems: string[]): void {
  if (!isRecord(element)) {
    problems.push(`${where}: not an element`);
    return;
  }
  const actionId = element.action_id;
  if (typeof actionId !== 'string' || actionId.length === 0) problems.push(`${where}: missing action_id`);
  else if (actionId.length > 255) problems.push(`${where}: action_id longer than 255`);
  if (element.placeholder !== undefined)
    checkPlainText(element.placeholder, `${where}.placeholder`, 150, problems);
  if (isRecord(element.confirm)) {
    checkPlainText(element.confirm.title, `${where}.confirm.title`, 100, problems);
    checkText(element.confirm.text, `${where}.confirm.text`, 300, problems);
    checkPlainText(element.confirm.confirm, `${where}.confirm.confirm`, 30, problems);
    checkPlainText(element.confirm.deny, `${where}.confirm.deny`, 30, problems);
  }
  switch (element.type) {
    case 'button':
      checkPlainText(element.text, `${where}.text`, 75, problems);
      if (typeof element.value === 'string' && chars(element.value) > 2000)
        problems.push(`${where}.value: too long`);
      if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
        problems.push(`${where}.style: ${String(element.style)}`);
      }
      break;
    case 'static_select': {
      const options = Array.isArray(element.options) ? element.options : [];
      if (options.length === 0 || options.length > 100) problems.push(`${where}: ${options.length} options`);
      options.forEach((option, index) => {
        checkOption(option, `${where}.options[${index}]`, problems);
      });
      const values = options.map((option) => (isRecord(option) ? option.value : undefined));
      if (new Set(values).size !== values.length) problems.push(`${where}: duplicate option values`);
      if (element.initial_option !== undefined) {
        const initial = JSON.stringify(element.initial_option);
        if (!options.some((option) => JSON.stringify(option) === initial)) {
          problems.push(`${where}.initial_option: not one of the options`);
        }
      }
      break;
    }
    case 'plain_text_input': {
      const max = element.max_length;
      if (max !== undefined && (typeof max !== 'number' || max < 1 || max > 3000)) {
        problems.push(`${where}.max_length: ${String(max)}`);
      }
      break;
    }
    case 'datetimepicker':
      break;
    default:
      problems.push(`${where}: unchecked element type ${String(element.type)}`);
  }
}

function checkBlock(block: unknown, where: string, problems: string[]): void {
  if (!isRecord(block)) {
    problems.push(`${where}: not a block`);
    return;
  }
  switch (block.type) {
    case 'header':
      checkPlainText(block.text, `${where}.text`, 150, problems);
      break;
    case 'section': {
      if (block.text === undefined && block.fields === undefined)
        problems.push(`${where}: no text or fields`);
      if (block.text !== undefined) checkText(block.text, `${where}.text`, 3000, problems);
      const fields = Array.isArray(block.fields) ? block.fields : [];
      if (fields.length > 10) problems.push(`${where}: ${fields.length} fields`);
      fields.forEach((field, index) => {
        checkText(field, `${where}.fields[${index}]`, 2000, problems);
      });
      break;
    }
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > 10)
        problems.push(`${where}: ${elements.length} elements`);
      elements.forEach((element, index) => {
        checkText(element, `${where}.elements[${index}]`, 3000, problems);
      });
      break;
    }
    case 'divider':
      break;
    case 'actions': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > 25)
        problems.push(`${where}: ${elements.length} elements`);
      elements.forEach((element, index) => {
        checkElement(element, `${where}.elements[${index}]`, problems);
      });
      const ids = elements.map((element) => (isRecord(element) ? element.action_id : undefined));
      if (new Set(ids).size !== ids.length) problems.push(`${where}: duplicate action_id`);
      break;
    }
    case 'input':
      checkPlainText(block.label, `${where}.label`, 2000, problems);
      if (block.hint !== undefined) checkPlainText(block.hint, `${where}.hint`, 2000, problems);
      checkElement(block.element, `${where}.element`, problems);
      break;
    default:
      problems.push(`${where}: unchecked block type ${String(block.type)}`);
  }
}

function blockProblems(blocks: unknown[], problems: string[] = []): string[] {
  if (blocks.length > 100) problems.push(`${blocks.length} blocks, max 100`);
  const seen = new Set<string>();
  blocks.forEach((block, index) => {
    const blockId = isRecord(block) ? block.block_id : undefined;
    if (blockId !== undefined) {
      if (typeof blockId !== 'string' || blockId.length === 0 || blockId.length > 255) {
        problems.push(`blocks[${index}]: bad block_id`);
      } else if (seen.has(blockId)) {
        problems.push(`blocks[${index}]: duplicate block_id ${blockId}`);
      } else {
        seen.add(blockId);
      }
    }
    checkBlock(block, `blocks[${index}]`, problems);
  });
  return problems;
}

/** Every rule above that a view breaks; empty when Slack would take it. */
function viewProblems(view: ModalView | HomeView): string[] {
  const problems: string[] = [];
  if (view.type === 'modal') {
    checkPlainText(view.title, 'title', 24, problems);
    if (view.submit !== undefined) checkPlainText(view.submit, 'submit', 24, problems);
    if (view.close !== undefined) checkPlainText(view.close, 'close', 24, problems);
    if (view.submit === undefined && view.blocks.some((block) => block.type === 'input')) {
      problems.push('input blocks without a submit button');
    }
  }
  if (view.callback_id !== undefined && view.callback_id.length > 255) problems.push('callback_id too long');
  if (view.private_metadata !== undefined && view.private_metadata.length > 3000) {
    problems.push(`private_metadata: ${view.private_metadata.length} characters, max 3000`);
  }
  return blockProblems(view.blocks, problems);
}

// ---------------------------------------------------------------------------------------------------
// Submitting a view the way Slack does: state.values[block_id][action_id] for every input block

type Answer = string | number | null;

function submit(view: ModalView, answers: Record<string, Answer>): Json {
  const values: Record<string, Json> = {};
  const inputs = inputsOf(view);
  for (const name of Object.keys(answers)) {
    if (!inputs.some((block) => block.block_id === name)) throw new Error(`the view has no input ${name}`);
  }
  for (const block of inputs) {
    const element = block.element as unknown as Json;
    const answer = answers[block.block_id ?? ''] ?? null;
    const actionId = String(element.action_id);
    let state: Json;
    if (element.type === 'plain_text_input') {
      state = { type: 'plain_text_input', value: answer };
    } else if (element.type === 'static_select') {
      const options = (element.options ?? []) as Json[];
      const initial = element.initial_option as Json | undefined;
      const chosen =
        answer === null
          ? (initial ?? null)
          : (options.find((option) => option.value === answer) ?? {
              text: { type: 'plain_text', text: String(answer) },
              value: String(answer),
            });
      state = { type: 'static_select', selected_option: chosen };
    } else if (element.type === 'datetimepicker') {
      state = { type: 'datetimepicker', selected_date_time: answer };
    } else {
      throw new Error(`no submission for ${String(element.type)}`);
    }
    values[block.block_id ?? ''] = { [actionId]: state };
  }
  return {
    type: 'modal',
    callback_id: view.callback_id,
    private_metadata: view.private_metadata,
    state: { values },
  };
}

/** The view's blocks as the builders make them; `AnyBlock` would not narrow on `type`. */
function known(view: ModalView | HomeView): KnownBlock[] {
  return view.blocks as KnownBlock[];
}

function inputsOf(view: ModalView): InputBlock[] {
  return known(view).filter((block): block is InputBlock => block.type === 'input');
}

function inputBlockIds(view: ModalView): string[] {
  return inputsOf(view).map((block) => block.block_id ?? '');
}

function okValue<T>(result: Submission<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

function errorsOf<T>(result: Submission<T>): Record<string, string> {
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.value)}`);
  return result.errors;
}

function texts(blocks: KnownBlock[] | HomeView['blocks']): string {
  return JSON.stringify(blocks);
}

// ---------------------------------------------------------------------------------------------------

describe('the Block Kit checker used below', () => {
  const good: ModalView = {
    type: 'modal',
    title: { type: 'plain_text', text: 'Fine' },
    submit: { type: 'plain_text', text: 'Go' },
    blocks: [{ type: 'divider', block_id: 'a' }],
  };

  it('accepts a valid view', () => {
    // act
    const problems = viewProblems(good);

    // assess
    expect(problems).toEqual([]);
  });

  it.each<[string, ModalView]>([
    ['a modal title over 24 characters', { ...good, title: { type: 'plain_text', text: 'x'.repeat(25) } }],
    [
      'a duplicate block_id',
      { ...good, blocks: [good.blocks[0] as KnownBlock, good.blocks[0] as KnownBlock] },
    ],
    ['101 blocks', { ...good, blocks: Array.from({ length: 101 }, () => ({ type: 'divider' as const })) }],
    ['metadata over 3000 characters', { ...good, private_metadata: 'x'.repeat(3001) }],
    [
      'an option value over 150 characters',
      {
        ...good,
        blocks: [
          {
            type: 'input',
            label: { type: 'plain_text', text: 'Pick' },
            element: {
              type: 'static_select',
              action_id: 'v',
              options: [{ text: { type: 'plain_text', text: 'A' }, value: 'x'.repeat(151) }],
            },
          },
        ],
      },
    ],
    [
      'a repeated action_id in one block',
      {
        ...good,
        blocks: [
          {
            type: 'actions',
            elements: [
              { type: 'button', action_id: 'same', text: { type: 'plain_text', text: 'A' } },
              { type: 'button', action_id: 'same', text: { type: 'plain_text', text: 'B' } },
            ],
          },
        ],
      },
    ],
  ])('flags %s', (_name, view) => {
    // act
    const problems = viewProblems(view);

    // assess
    expect(problems).not.toEqual([]);
  });
});

describe('summaryActions', () => {
  it('offers acknowledge, escalate and resolve, each carrying the incident id', () => {
    // act
    const block = summaryActions('INC-7');

    // assess
    expect(block.type).toBe('actions');
    const elements = block.type === 'actions' ? block.elements : [];
    expect(elements.map((element) => ('action_id' in element ? element.action_id : undefined))).toEqual([
      ACTIONS.acknowledge,
      ACTIONS.escalate,
      ACTIONS.resolve,
    ]);
    expect(elements.map((element) => ('value' in element ? element.value : undefined))).toEqual([
      'INC-7',
      'INC-7',
      'INC-7',
    ]);
    expect(blockProblems([block])).toEqual([]);
  });

  it('styles Resolve as danger without a confirm, since it opens a modal', () => {
    // act
    const block = summaryActions('INC-7');

    // assess
    const resolve = block.type === 'actions' ? block.elements[2] : undefined;
    expect(resolve).toMatchObject({ type: 'button', style: 'danger', text: { text: 'Resolve' } });
    expect(resolve).not.toHaveProperty('confirm');
  });

  it('asks before escalating, because that pages people', () => {
    // act
    const block = summaryActions('INC-7');

    // assess
    const escalate = block.type === 'actions' ? block.elements[1] : undefined;
    expect(escalate).toHaveProperty('confirm');
  });

  it('uses action ids no callback id shares', () => {
    // act
    const ids = [...Object.values(ACTIONS), ...Object.values(CALLBACKS), SHORTCUT];

    // assess
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('pinnedSummary: who leads', () => {
  const leadBlockOf = (blocks: unknown[] | undefined) =>
    (blocks as { block_id?: string }[] | undefined)?.find((block) => block.block_id === LEAD_BLOCK);

  it('asks for a leader with a primary "I\'ll lead" button when an open incident has no commander', () => {
    // act
    const message = pinnedSummary(anIncident({ declaredBy: 'bot' }), UTC);

    // assess
    const block = leadBlockOf(message.blocks);
    expect(block).toMatchObject({
      type: 'section',
      text: { type: 'mrkdwn', text: expect.stringContaining('No one is leading this incident') },
      accessory: {
        type: 'button',
        action_id: ACTIONS.lead,
        style: 'primary',
        value: 'INC-7',
        text: { type: 'plain_text', text: "I'll lead" },
      },
    });
    expect(blockProblems(message.blocks ?? [])).toEqual([]);
    // Above the other buttons, where responders look first.
    const ids = (message.blocks ?? []).map((b) => b.block_id);
    expect(ids.indexOf(LEAD_BLOCK)).toBeLessThan(ids.indexOf('incident.summary_actions'));
  });

  it('asks nobody once someone leads, or once the incident is resolved', () => {
    // act
    const led = pinnedSummary(anIncident({ commander: 'U0ANNA' }), UTC);
    const resolved = pinnedSummary(
      anIncident({ status: 'resolved', resolvedAt: '2024-02-18T18:00:00.000Z', resolvedBy: 'U0ANNA' }),
      UTC,
    );

    // assess
    expect(leadBlockOf(led.blocks)).toBeUndefined();
    expect(texts(led.blocks ?? [])).toContain('<@U0ANNA>');
    expect(leadBlockOf(resolved.blocks)).toBeUndefined();
  });

  it('keeps the prompt within Block Kit limits for any incident id', () => {
    // act
    const block = leadPrompt('INC-123456789');

    // assess
    expect(blockProblems([block])).toEqual([]);
  });
});

describe('declareModal', () => {
  it('asks for title, severity, description and start time under the declare callback', () => {
    // act
    const view = declareModal({ channelId: 'C0GENERAL' });

    // assess
    expect(view.callback_id).toBe(CALLBACKS.declare);
    expect(inputBlockIds(view)).toEqual(['title', 'severity', 'description', 'detected_at']);
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({ channelId: 'C0GENERAL' });
    expect(viewProblems(view)).toEqual([]);
  });

  it('limits the title as /incident open does and offers sev1..sev4 with sev3 chosen', () => {
    // act
    const view = declareModal();

    // assess
    const [title, severity, description, detectedAt] = known(view);
    expect(title).toMatchObject({ element: { type: 'plain_text_input', max_length: TITLE_MAX_LENGTH } });
    expect(title).not.toHaveProperty('optional');
    const select = severity?.type === 'input' ? severity.element : undefined;
    expect(select?.type).toBe('static_select');
    const options = select?.type === 'static_select' ? (select.options ?? []) : [];
    expect(options.map((option) => option.value)).toEqual([...SEVERITIES]);
    expect(options.every((option) => option.description !== undefined)).toBe(true);
    expect(select?.type === 'static_select' ? select.initial_option?.value : undefined).toBe('sev3');
    expect(description).toMatchObject({
      optional: true,
      element: { type: 'plain_text_input', multiline: true },
    });
    expect(detectedAt).toMatchObject({ optional: true, element: { type: 'datetimepicker' } });
  });

  it('carries no channel when opened without one', () => {
    // act
    const view = declareModal();

    // assess
    expect(JSON.parse(view.private_metadata ?? '')).toEqual({});
  });
});

describe('parseDeclareSubmission', () => {
  it('reads every field, trimmed, with the start time as ISO', () => {
    // prepare
    const view = submit(declareModal({ channelId: 'C0GENERAL' }), {
      title: '  Login failures on auth ',
      severity: 'sev1',
      description: ' Users cannot sign in.\n',
      detected_at: NOW_SECONDS - 3600,
    });

    // act
    const result = parseDeclareSubmission(view, NOW);

    // assess
    expect(okValue(result)).toEqual({
      title: 'Login failures on auth',
      severity: 'sev1',
      description: 'Users cannot sign in.',
      detectedAt: '2024-02-18T19:00:00.000Z',
      channelId: 'C0GENERAL',
    });
  });

  it('leaves out optional fields left empty, and takes the default severity', () => {
    // prepare
    const view = submit(declareModal(), { title: 'Checkout slow' });

    // act
    const result = parseDeclareSubmission(view, NOW);

    // assess
    expect(okValue(result)).toEqual({ title: 'Checkout slow', severity: 'sev3' });
  });

  it.each([null, '', '   \t'])('refuses the empty title %j on the title block', (title) => {
    // prepare
    const view = submit(declareModal(), { title });

    // act
    const errors = errorsOf(parseDeclareSubmission(view, NOW));

    // assess
    expect(Object.keys(errors)).toEqual(['title']);
  });

  it('counts the title length in characters, as /incident open does', () => {
    // prepare
    const fits = submit(declareModal(), { title: '🔥'.repeat(TITLE_MAX_LENGTH) });
    const tooLong = submit(declareModal(), { title: 'x'.repeat(TITLE_MAX_LENGTH + 1) });

    // act
    const accepted = parseDeclareSubmission(fits, NOW);
    const refused = parseDeclareSubmission(tooLong, NOW);

    // assess
    expect(okValue(accepted).title).toHaveLength(TITLE_MAX_LENGTH * 2);
    expect(Object.keys(errorsOf(refused))).toEqual(['title']);
  });

  it('refuses a start time in the future on its block, and takes one at now', () => {
    // prepare
    const future = submit(declareModal(), { title: 'Outage', detected_at: NOW_SECONDS + 60 });
    const present = submit(declareModal(), { title: 'Outage', detected_at: NOW_SECONDS });

    // act
    const refused = parseDeclareSubmission(future, NOW);
    const accepted = parseDeclareSubmission(present, NOW);

    // assess
    expect(errorsOf(refused)).toEqual({ detected_at: expect.stringMatching(/future/) });
    expect(okValue(accepted).detectedAt).toBe(NOW);
  });

  it('reports every bad block at once', () => {
    // prepare
    const view = submit(declareModal(), { title: ' ', severity: 'sev5', detected_at: NOW_SECONDS + 3600 });

    // act
    const errors = errorsOf(parseDeclareSubmission(view, NOW));

    // assess
    expect(Object.keys(errors).sort()).toEqual(['detected_at', 'severity', 'title']);
  });

  it('ignores a channel id in the metadata that is not one', () => {
    // prepare
    const view = {
      ...submit(declareModal(), { title: 'Outage' }),
      private_metadata: '{"channelId":"<!here>"}',
    };

    // act
    const result = parseDeclareSubmission(view, NOW);

    // assess
    expect(okValue(result)).toEqual({ title: 'Outage', severity: 'sev3' });
  });

  it('never throws, and puts errors only on blocks the modal has', () => {
    // prepare
    const blockIds = inputBlockIds(declareModal());

    // act / assess
    fc.assert(
      fc.property(fc.anything(), (view) => {
        const result = parseDeclareSubmission(view, NOW);
        if (result.ok) return true;
        const keys = Object.keys(result.errors);
        return keys.length > 0 && keys.every((key) => blockIds.includes(key));
      }),
    );
  });

  it('refuses a submission whose state is missing', () => {
    // act
    const errors = errorsOf(parseDeclareSubmission({ type: 'modal' }, NOW));

    // assess
    expect(errors).toHaveProperty('title');
  });
});

describe('resolveModal and parseResolveSubmission', () => {
  it('asks for the resolution under the resolve callback, with the incident in the metadata', () => {
    // act
    const view = resolveModal('INC-7');

    // assess
    expect(view.callback_id).toBe(CALLBACKS.resolve);
    expect(view.private_metadata).toBe('INC-7');
    expect(view.title.text).toBe('Resolve INC-7');
    expect(inputBlockIds(view)).toEqual(['resolution']);
    expect(view.blocks.find((block) => block.block_id === 'resolution')).toMatchObject({
      element: { type: 'plain_text_input', multiline: true },
    });
    expect(view.blocks.find((block) => block.block_id === 'resolution')).not.toHaveProperty('optional');
    expect(viewProblems(view)).toEqual([]);
  });

  it('keeps the title within 24 characters for a long incident id', () => {
    // act
    const view = resolveModal('INC-1234567890123456');

    // assess
    expect(viewProblems(view)).toEqual([]);
  });

  it('returns the incident and the trimmed resolution', () => {
    // prepare
    const view = submit(resolveModal('INC-7'), { resolution: ' Rolled back auth v2.3.\n' });

    // act
    const result = parseResolveSubmission(view);

    // assess
    expect(okValue(result)).toEqual({ incidentId: 'INC-7', resolution: 'Rolled back auth v2.3.' });
  });

  it.each([null, '  \n '])('refuses the empty resolution %j', (resolution) => {
    // prepare
    const view = submit(resolveModal('INC-7'), { resolution });

    // act
    const errors = errorsOf(parseResolveSubmission(view));

    // assess
    expect(Object.keys(errors)).toEqual(['resolution']);
  });

  it('refuses metadata that names no incident, on the resolution block', () => {
    // prepare
    const view = { ...submit(resolveModal('INC-7'), { resolution: 'Fixed' }), private_metadata: 'INC-0' };

    // act
    const errors = errorsOf(parseResolveSubmission(view));

    // assess
    expect(Object.keys(errors)).toEqual(['resolution']);
  });

  it('never throws, and puts errors only on the resolution block', () => {
    // act / assess
    fc.assert(
      fc.property(fc.anything(), (view) => {
        const result = parseResolveSubmission(view);
        return result.ok || Object.keys(result.errors).join() === 'resolution';
      }),
    );
  });
});

describe('addToTimelineModal and parseAddToTimelineSubmission', () => {
  const message = {
    incidentId: 'INC-7',
    text: 'restarted lb-2 &amp; lb-3 &lt;- <@U0ALICE> said so',
    author: 'U0ALICE',
    messageTs: '1708271400.000100',
    channelId: 'C0INC7',
  };

  it('shows the message and offers the log kinds, note first chosen', () => {
    // act
    const view = addToTimelineModal(message);

    // assess
    expect(view.callback_id).toBe(CALLBACKS.addToTimeline);
    expect(inputBlockIds(view)).toEqual(['kind']);
    const kind = known(view).find((block) => block.block_id === 'kind');
    const select = kind?.type === 'input' ? kind.element : undefined;
    const options = select?.type === 'static_select' ? (select.options ?? []) : [];
    expect(options.map((option) => option.value)).toEqual([...LOG_KINDS]);
    expect(select?.type === 'static_select' ? select.initial_option?.value : undefined).toBe('note');
    // Slack's text is already mrkdwn, so it is shown as sent, not escaped again.
    expect(view.blocks.find((block) => block.type === 'context')).toMatchObject({
      elements: [{ type: 'mrkdwn', text: message.text }],
    });
    expect(viewProblems(view)).toEqual([]);
  });

  it('returns the message details with the chosen kind and the text decoded as /incident log keeps it', () => {
    // prepare
    const view = submit(addToTimelineModal(message), { kind: 'action' });

    // act
    const result = parseAddToTimelineSubmission(view);

    // assess
    expect(okValue(result)).toEqual({
      incidentId: 'INC-7',
      kind: 'action',
      text: 'restarted lb-2 & lb-3 <- <@U0ALICE> said so',
      author: 'U0ALICE',
      messageTs: '1708271400.000100',
      channelId: 'C0INC7',
    });
  });

  it('keeps a long message within the metadata limit and says it was cut', () => {
    // prepare
    const long = { ...message, text: `${'naïve &amp; 🔥 <@U0BOB> '.repeat(600)}END` };

    // act
    const view = addToTimelineModal(long);
    const result = parseAddToTimelineSubmission(submit(view, {}));

    // assess
    expect(viewProblems(view)).toEqual([]);
    const text = okValue(result).text;
    expect(text.endsWith('…')).toBe(true);
    expect('naïve & 🔥 <@U0BOB> '.repeat(600).startsWith(text.slice(0, -1))).toBe(true);
    expect(texts(view.blocks)).toMatch(/keeps its first \d+ characters/);
  });

  it('does not cut a mention or an entity in half when shortening the shown text', () => {
    // prepare
    const long = { ...message, text: `${'x'.repeat(2995)}<@U0ALICE> &amp; more` };

    // act
    const view = addToTimelineModal(long);

    // assess
    const shown = known(view).find((block) => block.type === 'context');
    const text = shown?.type === 'context' ? String((shown.elements[0] as { text: string }).text) : '';
    expect(text).toBe(`${'x'.repeat(2995)}…`);
    expect(viewProblems(view)).toEqual([]);
  });

  it('asks for the text when the message has none, and requires it', () => {
    // prepare
    const view = addToTimelineModal({ ...message, text: '  ' });

    // act
    const filled = parseAddToTimelineSubmission(
      submit(view, { kind: 'detection', text: ' Graph shows 5xx ' }),
    );
    const blank = parseAddToTimelineSubmission(submit(view, { text: '' }));

    // assess
    expect(inputBlockIds(view)).toEqual(['kind', 'text']);
    expect(viewProblems(view)).toEqual([]);
    expect(okValue(filled)).toMatchObject({ kind: 'detection', text: 'Graph shows 5xx' });
    expect(Object.keys(errorsOf(blank))).toEqual(['text']);
  });

  it('refuses a kind outside the log kinds', () => {
    // prepare
    const view = submit(addToTimelineModal(message), { kind: 'declared' });

    // act
    const errors = errorsOf(parseAddToTimelineSubmission(view));

    // assess
    expect(Object.keys(errors)).toEqual(['kind']);
  });

  it('refuses tampered metadata on the kind block', () => {
    // prepare
    const view = { ...submit(addToTimelineModal(message), {}), private_metadata: '{"incidentId":"INC-7"}' };

    // act
    const errors = errorsOf(parseAddToTimelineSubmission(view));

    // assess
    expect(Object.keys(errors)).toEqual(['kind']);
  });

  it('never throws, and puts errors only on its input blocks', () => {
    // act / assess
    fc.assert(
      fc.property(fc.anything(), (view) => {
        const result = parseAddToTimelineSubmission(view);
        return result.ok || Object.keys(result.errors).every((key) => key === 'kind' || key === 'text');
      }),
    );
  });
});

describe('appHome', () => {
  it('shows an empty state and where to get help when nothing is open', () => {
    // act
    const view = appHome([anIncident({ status: 'resolved', resolvedAt: NOW })], UTC);

    // assess
    expect(view.type).toBe('home');
    const all = texts(view.blocks);
    expect(all).toContain('No open incidents');
    expect(all).toContain('/incident help');
    expect(all).toContain('&lt;title&gt;');
    expect(all).not.toContain('INC-7');
    expect(viewProblems(view)).toEqual([]);
  });

  it('shows each open incident with its facts and escapes its title', () => {
    // prepare
    const open = anIncident({
      title: 'Auth <down> & out',
      commander: 'U0CMDR',
      startedAt: '2024-02-18T16:45:00.000Z',
    });

    // act
    const view = appHome([open], UTC);

    // assess
    const section = known(view).find((block) => block.block_id === 'incident-INC-7');
    const text = section?.type === 'section' ? (section.text?.text ?? '') : '';
    expect(text).toContain('INC-7: Auth &lt;down&gt; &amp; out');
    expect(text).toContain(':large_orange_circle:');
    expect(text).toContain('sev2');
    expect(text).toContain('investigating');
    expect(text).toContain('3 hours 15 minutes');
    expect(text).toContain('<@U0CMDR>');
    expect(text).toContain('<#C0INC7>');
    expect(texts(view.blocks)).toContain('/incident help');
    expect(viewProblems(view)).toEqual([]);
  });

  it('lists the most severe first and leaves resolved incidents out', () => {
    // prepare
    const incidents = [
      anIncidentNumbered(1, { severity: 'sev3' }),
      anIncidentNumbered(2, { severity: 'sev1' }),
      anIncidentNumbered(3, { severity: 'sev1', status: 'resolved', resolvedAt: NOW }),
      anIncidentNumbered(4, { severity: 'sev2' }),
    ];

    // act
    const view = appHome(incidents, UTC);

    // assess
    const shown = view.blocks.flatMap((block) =>
      block.block_id?.startsWith('incident-') ? [block.block_id.slice('incident-'.length)] : [],
    );
    expect(shown).toEqual(['INC-2', 'INC-4', 'INC-1']);
  });

  it('stays within 100 blocks for many incidents and says how many more there are', () => {
    // prepare
    const many = Array.from({ length: 120 }, (_, index) =>
      anIncidentNumbered(index + 1, {
        severity: index >= 100 ? 'sev1' : 'sev4',
        title: '&'.repeat(TITLE_MAX_LENGTH),
      }),
    );

    // act
    const view = appHome(many, UTC);

    // assess
    expect(viewProblems(view)).toEqual([]);
    const shown = view.blocks.filter((block) => block.block_id?.startsWith('incident-'));
    expect(shown).toHaveLength(HOME_MAX_INCIDENTS);
    expect(texts(view.blocks)).toContain(`and ${120 - HOME_MAX_INCIDENTS} more`);
    // The cut keeps the sev1 incidents, which came last.
    expect(shown[0]?.block_id).toBe('incident-INC-101');
  });

  it('cuts an overlong alert title so the section stays within Slack limits', () => {
    // prepare
    const long = anIncident({ title: '<'.repeat(5000) });

    // act
    const view = appHome([long], UTC);

    // assess
    expect(viewProblems(view)).toEqual([]);
  });
});

describe('manifest.yml', () => {
  const manifest = parseYaml(readFileSync(join(__dirname, '..', '..', 'manifest.yml'), 'utf8'));
  const requestUrl = 'https://REPLACE-WITH-REQUEST-URL/slack/events';

  it('declares /incident with escaping on, so mentions arrive as <@U…>', () => {
    // act
    const commands = manifest.features.slash_commands;

    // assess
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ command: '/incident', url: requestUrl, should_escape: true });
    expect(commands[0].usage_hint).toEqual(expect.any(String));
    expect(commands[0].description).toEqual(expect.any(String));
  });

  it('declares the message shortcut with the callback id the views use', () => {
    // act
    const shortcuts = manifest.features.shortcuts;

    // assess
    expect(shortcuts).toEqual([
      expect.objectContaining({ type: 'message', callback_id: SHORTCUT, name: 'Add to incident timeline' }),
    ]);
    expect(shortcuts[0].name.length).toBeLessThanOrEqual(24);
    expect(shortcuts[0].description.length).toBeLessThanOrEqual(150);
  });

  it('enables the Home tab and subscribes to the events the bot handles', () => {
    // act
    const { app_home: appHomeSettings } = manifest.features;
    const { event_subscriptions: events } = manifest.settings;

    // assess
    expect(appHomeSettings.home_tab_enabled).toBe(true);
    expect(events.request_url).toBe(requestUrl);
    expect([...events.bot_events].sort()).toEqual(['app_home_opened', 'message.channels', 'reaction_added']);
  });

  it('sends interactivity to the same route, over HTTP rather than Socket Mode', () => {
    // act
    const { settings } = manifest;

    // assess
    expect(settings.interactivity).toEqual({ is_enabled: true, request_url: requestUrl });
    expect(settings).toMatchObject({
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    });
  });

  it('keeps display information within the manifest schema limits', () => {
    // act
    const { name, description, background_color: color } = manifest.display_information;

    // assess
    expect(name.length).toBeGreaterThan(0);
    expect(name.length).toBeLessThanOrEqual(35);
    expect(description.length).toBeLessThanOrEqual(140);
    expect(color).toMatch(/^#[0-9a-fA-F]{6}$/);
    expect(manifest.features.bot_user.display_name.length).toBeLessThanOrEqual(80);
  });
});

describe('directPage: the page DMed to the person on call', () => {
  it('carries the text, Acknowledge for the incident and, once there is a channel, a link to it', () => {
    const withChannel = directPage('You are paged', 'INC-7', 'https://slack.com/app_redirect?channel=C0INC7');
    expect(withChannel.text).toBe('You are paged');
    expect(withChannel.blocks?.[1]).toEqual({
      type: 'actions',
      block_id: 'incident.page_actions',
      elements: [
        expect.objectContaining({ action_id: 'incident.acknowledge', value: 'INC-7', style: 'primary' }),
        expect.objectContaining({
          action_id: 'incident.open_channel',
          url: 'https://slack.com/app_redirect?channel=C0INC7',
        }),
      ],
    });
    const before = directPage('You are paged', 'INC-7', undefined);
    expect(((before.blocks ?? [])[1] as { elements: unknown[] }).elements).toHaveLength(1);
  });
});
