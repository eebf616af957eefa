/**
 * The verb table (lambda/incidents/verbs/): the help text comes from it (the README's command
 * reference too: tests/unit/docs.test.ts), every verb has an entry, and the verb added
 * through it alone, `/incident update`, from the words typed to the message the channel reads.
 */
import { HELP_TEXT, parseCommand, usageFor } from '../../lambda/incidents/grammar';
import { decide } from '../../lambda/incidents/incident';
import type { Intent } from '../../lambda/incidents/intents';
import { intentSchema, VERBS } from '../../lambda/incidents/verbs';
import { update } from '../../lambda/incidents/verbs/update';
import { renderMessage } from '../../lambda/slack/message';
import { anIncident } from '../fixtures/incidents';

const NOW = '2024-02-18T16:00:00.000Z';
const CTX = { now: NOW, tz: 'UTC', actor: 'U0BOB' };

describe('the verb table', () => {
  it('gives every typed word a line of the help text and a usage', () => {
    for (const verb of Object.values(VERBS)) {
      for (const [word, usage] of Object.entries(verb.words)) {
        expect(HELP_TEXT).toContain(`\`${usage.syntax}\` — ${usage.summary}`);
        if (word) expect(usageFor(word)).toContain(usage.syntax);
      }
    }
  });

  it("holds one entry per intent, under the intent's verb", () => {
    const verbs = intentSchema.options.map((option) => option.shape.verb.value).sort();
    expect(Object.keys(VERBS).sort()).toEqual(verbs);
    for (const [name, verb] of Object.entries(VERBS)) expect(verb.schema.shape.verb.value).toBe(name);
  });
});

describe('/incident update', () => {
  it.each<[string, Intent]>([
    ['update rollback at 50%, errors falling', { verb: 'update', text: 'rollback at 50%, errors falling' }],
    ['UPDATE inc-7 back to normal', { verb: 'update', ref: 'INC-7', text: 'back to normal' }],
    ['update db &lt;primary&gt; &amp; replica ok', { verb: 'update', text: 'db <primary> & replica ok' }],
  ])('reads %j', (text, intent) => {
    expect(parseCommand(text)).toEqual({ ok: true, intent });
  });

  it.each(['update', 'update INC-7', 'update   '])('refuses %j with its usage', (text) => {
    expect(parseCommand(text)).toEqual({
      ok: false,
      error: 'Missing the text of the update.',
      usage: usageFor('update'),
    });
  });

  it('records the update on the timeline, now', () => {
    expect(decide(anIncident(), { verb: 'update', text: 'mitigated' }, CTX)).toEqual({
      event: { at: NOW, kind: 'update', text: 'mitigated' },
    });
  });

  it('is refused once the incident is resolved, and past 3,000 characters', () => {
    const resolved = anIncident({ status: 'resolved', resolvedAt: '2024-02-18T15:50:00.000Z' });
    expect(() => decide(resolved, { verb: 'update', text: 'late' }, CTX)).toThrow(
      expect.objectContaining({ code: 'NOT_OPEN' }),
    );
    expect(() => decide(anIncident(), { verb: 'update', text: 'x'.repeat(3_001) }, CTX)).toThrow(
      expect.objectContaining({
        code: 'TEXT_TOO_LONG',
        message: 'The update is 3,001 characters long; keep it to 3,000 or fewer. Nothing was recorded.',
      }),
    );
  });

  const incident = anIncident({ severity: 'sev1', status: 'identified' });
  const event = {
    id: 't-T1',
    incidentId: incident.id,
    at: NOW,
    recordedAt: NOW,
    kind: 'update' as const,
    text: 'rollback at 50%, <@U0ANN> watching <!channel>',
    author: 'U0BOB',
  };
  const said = {
    intent: { verb: 'update' as const, text: event.text },
    before: incident,
    incident,
    event,
    tz: 'UTC',
  };

  it('is announced through its own job, which names the event', () => {
    expect(update.followOn(said)).toEqual([
      { type: 'announce-update', incidentId: incident.id, eventId: 't-T1' },
    ]);
  });

  it('tells the channel what it says, and where it was announced only when it was', () => {
    expect(renderMessage(update.confirm(said))).toBe(
      ':mega: *Update on INC-7* (sev1 · identified, 16:00): rollback at 50%, <@U0ANN> watching &lt;!channel&gt;',
    );
    expect(renderMessage(update.confirm({ ...said, announcements: 'C0ANNOUNCE' }))).toBe(
      ':mega: *Update on INC-7* (sev1 · identified, 16:00): rollback at 50%, <@U0ANN> watching &lt;!channel&gt; (announced in <#C0ANNOUNCE>)',
    );
  });
});
