/**
 * The reconciler: the incident record is the truth, and this makes the world match it. It reads only
 * the active incidents (open, or resolved with progress still to make), finds those whose progress
 * lags their state, and queues one `reconcile-incident` job for each; the job does what is missing,
 * step by step, and a step already done is not done again. Run at start and every minute (locally
 * on a timer, in AWS on an EventBridge Scheduler rate), it turns a lost job into a delay of one period.
 */
import { isLagging, type ProgressSettings } from '../incidents/progress';
import type { Clock } from '../incidents/time';
import type { IncidentStore } from '../store/store';
import type { Jobs } from './jobs';

export interface ReconcileDeps {
  store: IncidentStore;
  jobs: Jobs;
  clock: Clock;
  progress: ProgressSettings;
  /** Epoch ms: running steps leased before it are void (their process is gone). */
  leasesBefore?: number;
}

export interface ReconcileReport {
  /** Active incidents looked at. */
  checked: number;
  /** Incidents whose missing work was queued. */
  queued: string[];
  /** Stopped at the deadline before looking at every incident. */
  cutShort: boolean;
}

export async function reconcile(
  deps: ReconcileDeps,
  options: { deadline?: number } = {},
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, queued: [], cutShort: false };
  await deps.store.ensureSettledIndexed();
  for (const incident of await deps.store.listActiveIncidents()) {
    if (options.deadline !== undefined && Date.now() >= options.deadline) {
      report.cutShort = true;
      break;
    }
    const record = await deps.store.getRecord(incident.id);
    if (!record) continue;
    report.checked += 1;
    if (!isLagging(record, deps.progress, deps.clock.now().getTime(), deps.leasesBefore ?? 0)) continue;
    await deps.jobs.enqueue({ type: 'reconcile-incident', incidentId: incident.id });
    report.queued.push(incident.id);
  }
  return report;
}
