/**
 * Postmortems in git (docs/trackers.md): on resolution, and again whenever the document changes, the
 * postmortem is committed as `<path>/INC-n.md` on the branch `incident-bot/INC-n` of the configured
 * repository, through one pull request that later changes update. Run as the `postmortem-git` job;
 * publishing the same document again commits nothing (GitHubPostmortems compares the content).
 */
import type { Message } from '../incidents/message';
import type { Incident } from '../incidents/types';
import { escapeMarkdown, type GitHubPostmortems, type PublishedPostmortem } from './github';

/** The step whose result holds the pull request (number, url), for App Home and the tickets' links. */
export const POSTMORTEM_GIT_STEP = 'postmortem-git';

export function pullRequestText(incident: Incident): { title: string; body: string } {
  return {
    title: `Postmortem ${incident.id}: ${incident.title}`.slice(0, 250),
    body: [
      `The postmortem of ${escapeMarkdown(incident.id)}, ${escapeMarkdown(incident.title)} (${incident.severity}), as compiled by incident-bot from the incident's timeline.`,
      '',
      'incident-bot updates this pull request when facts are added after resolution. Review it, edit it here if you like, and merge it to keep it.',
    ].join('\n'),
  };
}

export async function publishPostmortem(
  postmortems: GitHubPostmortems,
  incident: Incident,
  markdown: string,
): Promise<PublishedPostmortem> {
  return postmortems.publish({ incidentId: incident.id, markdown, ...pullRequestText(incident) });
}

/** Told once, when the pull request is opened. */
export function pullRequestOpened(incident: Incident, published: PublishedPostmortem): Message {
  return [
    `:memo: The postmortem of ${incident.id} is in pull request `,
    { link: published.url, text: `#${published.number}` },
    ` (${published.path}); it follows the document as facts are added.`,
  ];
}
