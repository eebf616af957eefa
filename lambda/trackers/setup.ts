/**
 * The trackers the policy asks for (docs/trackers.md), built from their endpoints (environment) and
 * their credentials (the environment locally, the Slack secret in AWS; never the YAML). A policy that
 * names a tracker whose credentials are missing is a configuration error at start, not a ticket that
 * silently never comes.
 */
import type { EscalationPolicy } from '../incidents/policy';
import { GitHubPostmortems, GitHubTracker, githubWebhook } from './github';
import type { FetchLike } from './http';
import { JiraTracker, jiraWebhook } from './jira';
import { LinearTracker, linearWebhook } from './linear';
import type { Tracker, TrackerKind, TrackerWebhook } from './tracker';

/** Where each service is (not secret). */
export interface TrackerEndpoints {
  githubApiUrl: string;
  jiraBaseUrl?: string;
  linearApiUrl: string;
}

/** Credentials and webhook secrets, each optional: only what the policy uses is required. */
export interface TrackerSecrets {
  githubToken?: string;
  githubWebhookSecret?: string;
  jiraEmail?: string;
  jiraApiToken?: string;
  jiraWebhookSecret?: string;
  linearApiKey?: string;
  linearWebhookSecret?: string;
}

/** Environment variable of each secret (locally; in AWS the Slack secret's field of the same name). */
export const TRACKER_SECRET_ENV: Record<keyof TrackerSecrets, string> = {
  githubToken: 'GITHUB_TOKEN',
  githubWebhookSecret: 'GITHUB_WEBHOOK_SECRET',
  jiraEmail: 'JIRA_EMAIL',
  jiraApiToken: 'JIRA_API_TOKEN',
  jiraWebhookSecret: 'JIRA_WEBHOOK_SECRET',
  linearApiKey: 'LINEAR_API_KEY',
  linearWebhookSecret: 'LINEAR_WEBHOOK_SECRET',
};

export interface Trackers {
  /** Where follow-ups become tickets, when the policy has `followups`. */
  tracker?: Tracker;
  /** Postmortems committed through pull requests, when the policy has `postmortems.github`. */
  postmortems?: GitHubPostmortems;
  /** The webhook routes that may be called, each with its secret (`POST /webhooks/<kind>`). */
  webhooks: Partial<Record<TrackerKind, { webhook: TrackerWebhook; secret: string }>>;
}

export class TrackerConfigError extends Error {
  override name = 'TrackerConfigError';
}

/** Every credential the policy needs and lacks, by its variable's name. */
export function missingTrackerSecrets(
  policy: EscalationPolicy | undefined,
  endpoints: TrackerEndpoints,
  secrets: TrackerSecrets,
): string[] {
  const missing: string[] = [];
  const need = (key: keyof TrackerSecrets) => {
    if (!secrets[key]) missing.push(TRACKER_SECRET_ENV[key]);
  };
  const tracker = policy?.followups?.tracker;
  if (tracker === 'github' || policy?.postmortems?.github) need('githubToken');
  if (tracker === 'jira') {
    need('jiraEmail');
    need('jiraApiToken');
    if (!endpoints.jiraBaseUrl) missing.push('JIRA_BASE_URL');
  }
  if (tracker === 'linear') need('linearApiKey');
  return missing;
}

export function buildTrackers(
  policy: EscalationPolicy | undefined,
  endpoints: TrackerEndpoints,
  secrets: TrackerSecrets,
  fetch?: FetchLike,
): Trackers {
  const missing = missingTrackerSecrets(policy, endpoints, secrets);
  if (missing.length > 0) {
    throw new TrackerConfigError(
      `the escalation policy's followups/postmortems need ${missing.join(', ')} (docs/trackers.md)`,
    );
  }
  const withFetch = fetch ? { fetch } : {};
  const followups = policy?.followups;
  let tracker: Tracker | undefined;
  if (followups?.tracker === 'github') {
    tracker = new GitHubTracker({
      apiUrl: endpoints.githubApiUrl,
      token: secrets.githubToken as string,
      repo: followups.repo,
      ...withFetch,
    });
  } else if (followups?.tracker === 'jira') {
    tracker = new JiraTracker({
      baseUrl: endpoints.jiraBaseUrl as string,
      email: secrets.jiraEmail as string,
      apiToken: secrets.jiraApiToken as string,
      project: followups.project,
      ...(followups.issueType ? { issueType: followups.issueType } : {}),
      ...withFetch,
    });
  } else if (followups?.tracker === 'linear') {
    tracker = new LinearTracker({
      apiUrl: endpoints.linearApiUrl,
      apiKey: secrets.linearApiKey as string,
      team: followups.team,
      ...withFetch,
    });
  }
  const git = policy?.postmortems?.github;
  const postmortems = git
    ? new GitHubPostmortems({
        apiUrl: endpoints.githubApiUrl,
        token: secrets.githubToken as string,
        repo: git.repo,
        branch: git.branch,
        path: git.path,
        ...withFetch,
      })
    : undefined;
  const webhooks: Trackers['webhooks'] = {};
  if (secrets.githubWebhookSecret)
    webhooks.github = { webhook: githubWebhook, secret: secrets.githubWebhookSecret };
  if (secrets.jiraWebhookSecret) webhooks.jira = { webhook: jiraWebhook, secret: secrets.jiraWebhookSecret };
  if (secrets.linearWebhookSecret)
    webhooks.linear = { webhook: linearWebhook, secret: secrets.linearWebhookSecret };
  return { ...(tracker ? { tracker } : {}), ...(postmortems ? { postmortems } : {}), webhooks };
}
