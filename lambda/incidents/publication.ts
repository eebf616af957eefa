/**
 * The living postmortem: what the document published in the incident channel held, and what was
 * recorded since. Pure, from the record: each publication is a step whose result lists the facts it
 * held (`Publication`); a fact recorded after it (impact, cause, fix, task, log, an edit in Slack)
 * makes the document due again, with a line saying what changed.
 */
import { createHash } from 'node:crypto';
import type { Part } from './message';
import { BOT_AUTHOR, type FollowUp, type IncidentRecord, type StepState, type TimelineEvent } from './types';

/** The first upload, on resolution (lambda/jobs/run-job.ts). */
export const FIRST_PUBLICATION_STEP = 'postmortem-uploaded';
const REPUBLICATION_PREFIX = 'postmortem-republished.';

export interface Publication {
  /** ISO UTC. */
  at: string;
  /** Each fact as `<id>=<digest of its words>`. */
  facts: string[];
}

interface Fact {
  id: string;
  digest: string;
  what: Part[];
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

const KIND_WORDS: Record<string, string> = {
  impact: 'the impact',
  cause: 'a cause',
  detection: 'a detection',
  action: 'an action',
  misleading: 'a misleading path',
  resolution: 'a resolution note',
  note: 'a note',
  escalation: 'an escalation',
};

function eventFact(event: TimelineEvent): Fact {
  const words = event.deleted ? '(deleted in Slack)' : event.text;
  return {
    id: event.id,
    digest: digest(`${event.kind}\n${words}`),
    what: [KIND_WORDS[event.kind] ?? `a ${event.kind} entry`, ' “', { quoted: words, max: 80 }, '”'],
  };
}

function followUpFact(followUp: FollowUp): Fact {
  return {
    id: followUp.id,
    digest: digest(`${followUp.type}\n${followUp.text}\n${followUp.owner ?? ''}`),
    what: [
      followUp.type === 'fix' ? 'an improvement/fix' : 'a task',
      ' “',
      { quoted: followUp.text, max: 80 },
      '”',
    ],
  };
}

/** What people recorded: the facts a publication holds (the bot's own bookkeeping is not news). */
function factsOf(record: IncidentRecord): Fact[] {
  return [
    ...record.events.filter((event) => event.author !== BOT_AUTHOR).map(eventFact),
    ...record.followUps.map(followUpFact),
  ];
}

export function publicationOf(record: IncidentRecord, at: string): Publication {
  return { at, facts: factsOf(record).map((fact) => `${fact.id}=${fact.digest}`) };
}

/** The step that publishes the document holding exactly these facts: one upload per content. */
export function republicationStepName(record: IncidentRecord): string {
  const facts = publicationOf(record, '').facts.sort().join('\n');
  return `${REPUBLICATION_PREFIX}${digest(facts)}`;
}

function isPublicationStep(name: string): boolean {
  return name === FIRST_PUBLICATION_STEP || name.startsWith(REPUBLICATION_PREFIX);
}

/** The latest publication in the channel, if the document was published. */
export function lastPublication(record: IncidentRecord): Publication | undefined {
  let latest: Publication | undefined;
  for (const step of Object.values(record.steps ?? {}) as StepState[]) {
    if (!isPublicationStep(step.name) || step.state !== 'done') continue;
    const publication = step.result?.publication as Publication | undefined;
    if (publication && (!latest || publication.at > latest.at)) latest = publication;
  }
  return latest;
}

/** What was recorded or changed since `publication`, one entry per fact, in record order. */
export function changesSince(record: IncidentRecord, publication: Publication): Part[][] {
  const held = new Map(
    publication.facts.map((fact) => {
      const at = fact.lastIndexOf('=');
      return [fact.slice(0, at), fact.slice(at + 1)] as const;
    }),
  );
  return factsOf(record).flatMap((fact) => {
    const before = held.get(fact.id);
    if (before === fact.digest) return [];
    return [[before === undefined ? 'added ' : 'changed ', ...fact.what]];
  });
}

/** The changes as one sentence's parts: `added a task “…”; changed the impact “…”`. */
export function describeChanges(changes: Part[][], max = 5): Part[] {
  const shown = changes.slice(0, max).flatMap((change, index) => [...(index > 0 ? ['; '] : []), ...change]);
  return changes.length > max ? [...shown, `; and ${changes.length - max} more`] : shown;
}
