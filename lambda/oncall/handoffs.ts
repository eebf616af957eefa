/**
 * The minute tick's on-call work (docs/policy.md, "Schedules"): tell each handoff once, to the person
 * coming on call and in the schedule's `handoff_channel`, and keep each schedule's `usergroup` holding
 * whoever is on call. What to do is decided by incidents/handoffs.ts (pure); this reads the cover set
 * from Slack, claims each piece of work (store/keys.ts) and calls Slack.
 *
 * Once, through claims rather than locks: every tick (and every worker running it at the same moment)
 * names a handoff the same way, and only the one whose claim succeeds sends. A send that fails gives
 * its claim back and is logged, so the next tick tries again.
 */
import {
  type HandoffNotice,
  handoffsToAnnounce,
  overridesListedFrom,
  type UsergroupTarget,
  usergroupTargets,
} from '../incidents/handoffs';
import type { EscalationPolicy } from '../incidents/policy';
import type { Clock } from '../incidents/time';
import { type ChatGateway, NoUsergroupsOnPlanError } from '../slack/chat';
import { classifySlackError, describeSlackFailure } from '../slack/errors';
import { handoffChannelText, handoffDirectText } from '../slack/handoff-text';
import { claimKey } from '../store/keys';
import type { Claims, Incidents, OnCallOverrides } from '../store/store';

export interface OnCallSyncDeps {
  store: Claims & OnCallOverrides & Pick<Incidents, 'listOpenIncidents'>;
  chat: Pick<ChatGateway, 'postMessage' | 'setUsergroupMembers'>;
  clock: Clock;
  policy: EscalationPolicy | undefined;
  /** How times are shown (INCIDENT_TIMEZONE), as `/incident oncall` shows them. */
  timeZone: string;
  log: (line: string) => void;
}

/** What one tick did, one entry per piece of work, e.g. `sre 2026-12-07T08:00:00.000Z U0BOB dm`. */
export interface OnCallSyncReport {
  /** Sent now. */
  sent: string[];
  /** Failed now; their claims were given back for the next tick. */
  failed: string[];
  /** User groups the plan cannot have: not tried again until who is on call changes. */
  skipped: string[];
}

/** Longer than a handoff stays announceable (ANNOUNCE_WITHIN_MS): once told, never again. */
const HANDOFF_CLAIM_SECONDS = 24 * 3600;
/** A user group's claim lasts while its key can recur: to the next handoff, and an hour more. */
const MIN_USERGROUP_CLAIM_SECONDS = 3600;
const MAX_USERGROUP_CLAIM_SECONDS = 30 * 24 * 3600;

function reason(error: unknown): string {
  if (error instanceof NoUsergroupsOnPlanError) return error.message;
  return describeSlackFailure(classifySlackError(error));
}

/**
 * One tick: announce the handoffs of the last ANNOUNCE_WITHIN_MS and sync the user groups. A failure
 * of one piece of work is logged and left for the next tick; the others go on. Throws only when the
 * store cannot be read.
 */
export async function syncOnCall(deps: OnCallSyncDeps): Promise<OnCallSyncReport> {
  const report: OnCallSyncReport = { sent: [], failed: [], skipped: [] };
  if (!deps.policy?.schedules) return report;
  const now = deps.clock.now().toISOString();
  const overrides = await deps.store.listOnCallOverrides(overridesListedFrom(now));
  const notices = handoffsToAnnounce(deps.policy, overrides, now);
  const targets = usergroupTargets(deps.policy, overrides, now);
  // Read once, and only when there is a handoff to tell.
  let openIncidents: Promise<number> | undefined;
  const countOpen = () => {
    openIncidents ??= deps.store.listOpenIncidents().then((open) => open.length);
    return openIncidents;
  };
  for (const notice of notices) {
    await once(
      deps,
      report,
      claimKey.handoff(notice.team, notice.at, notice.user, 'dm'),
      notice,
      'DM',
      async () => {
        await deps.chat.postMessage(notice.user, {
          text: handoffDirectText(notice, await countOpen(), deps.timeZone),
        });
      },
    );
    const channel = notice.handoffChannel;
    if (channel) {
      await once(
        deps,
        report,
        claimKey.handoff(notice.team, notice.at, notice.user, channel),
        notice,
        channel,
        () =>
          deps.chat.postMessage(channel, { text: handoffChannelText(notice, deps.timeZone) }).then(() => {}),
      );
    }
  }
  for (const target of targets) await syncUsergroup(deps, report, target);
  return report;
}

/** Sends one handoff message under its claim; on failure gives the claim back and logs why. */
async function once(
  deps: OnCallSyncDeps,
  report: OnCallSyncReport,
  key: string,
  notice: HandoffNotice,
  place: string,
  send: () => Promise<void>,
): Promise<void> {
  if (!(await deps.store.claim(key, HANDOFF_CLAIM_SECONDS))) return;
  const what = `${notice.team} ${notice.at} ${notice.user} ${place === 'DM' ? 'dm' : place}`;
  try {
    await send();
    report.sent.push(what);
  } catch (error) {
    await deps.store.releaseClaim(key);
    report.failed.push(what);
    deps.log(
      `handoff of ${notice.team} to ${notice.user} at ${notice.at}: the ${place === 'DM' ? 'DM' : `post in ${place}`} failed (${reason(error)}); tried again next minute`,
    );
  }
}

async function syncUsergroup(
  deps: OnCallSyncDeps,
  report: OnCallSyncReport,
  target: UsergroupTarget,
): Promise<void> {
  const key = claimKey.usergroupSync(target.usergroup, target.since, target.users, target.coverIds);
  const nowMs = deps.clock.now().getTime();
  const untilSeconds = target.until
    ? Math.ceil((Date.parse(target.until) - nowMs) / 1000)
    : Number.POSITIVE_INFINITY;
  const ttl = Math.min(
    MAX_USERGROUP_CLAIM_SECONDS,
    Math.max(MIN_USERGROUP_CLAIM_SECONDS, untilSeconds + 3600),
  );
  if (!(await deps.store.claim(key, ttl))) return;
  const what = `${target.usergroup} ${target.since} ${target.users.join(',')}`;
  try {
    await deps.chat.setUsergroupMembers(target.usergroup, target.users);
    report.sent.push(what);
  } catch (error) {
    if (error instanceof NoUsergroupsOnPlanError) {
      // The claim is kept: the plan will not change by the next minute. Tried again (and told once
      // more) only when who is on call changes.
      report.skipped.push(what);
      deps.log(`usergroup ${target.usergroup} not synced: ${error.message}`);
      return;
    }
    await deps.store.releaseClaim(key);
    report.failed.push(what);
    deps.log(
      `usergroup ${target.usergroup} not synced to ${target.users.join(', ')} (${reason(error)}); tried again next minute`,
    );
  }
}
