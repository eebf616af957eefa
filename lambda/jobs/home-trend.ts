/**
 * App Home's trend (issue 15): incidents per week and the resolve-time trend over the last weeks, as
 * a chart PNG the bot uploads shared nowhere and shows in an image block, or in words where no
 * renderer is wired or the upload fails. One upload per run of weeks: its file id is kept and reused
 * by every App Home until an incident changes a week's figures or a new week begins.
 */
import { createHash } from 'node:crypto';
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import { trendSummary, type WeekPoint, weeklyTrend } from '../incidents/stats';
import { trendChartSvg } from '../pictures/trend-chart';
import type { ChatGateway } from '../slack/chat';
import type { HomeTrend } from '../slack/views';
import { storedResultKey } from '../store/keys';
import type { IncidentStore } from '../store/store';

dayjs.extend(utc);
dayjs.extend(timezone);

/** Weeks App Home's chart shows: a quarter. */
export const HOME_TREND_WEEKS = 12;
/** How long a chart's file id is kept: past the end of its last week, after which it is not asked for. */
const CHART_KEPT_SECONDS = 8 * 24 * 3600;

export interface HomeTrendDeps {
  store: Pick<IncidentStore, 'listIncidentsDeclaredSince' | 'requestResult' | 'finishRequest'>;
  chat: Pick<ChatGateway, 'uploadImage'>;
  renderPng?: (svg: string) => Buffer | Promise<Buffer>;
  log: (line: string) => void;
}

/** The weeks to `now` in `tz`, and the chart's file when a renderer is wired and the upload worked. */
export async function homeTrend(deps: HomeTrendDeps, now: string, tz: string): Promise<HomeTrend> {
  const weeks = { now, weeks: HOME_TREND_WEEKS, tz };
  const first = weeklyTrend([], weeks)[0] as WeekPoint;
  const from = dayjs.tz(first.week, tz).toISOString();
  const points = weeklyTrend(await deps.store.listIncidentsDeclaredSince(from), weeks);
  if (!deps.renderPng) return { points };
  const key = storedResultKey.homeTrendChart(digest(points));
  try {
    const known = (await deps.store.requestResult(key)) as { fileId?: unknown } | undefined;
    if (typeof known?.fileId === 'string') return { points, fileId: known.fileId };
    const png = await deps.renderPng(trendChartSvg(points));
    const fileId = await deps.chat.uploadImage({
      filename: `incidents-per-week-${first.week}.png`,
      title: 'Incidents per week and time to resolve',
      bytes: png,
      altText: trendSummary(points),
    });
    await deps.store.finishRequest(key, { fileId }, CHART_KEPT_SECONDS);
    return { points, fileId };
  } catch (error) {
    // The picture is a nicety: App Home still shows the trend in words.
    deps.log(`App Home trend chart not shown: ${(error as Error)?.message ?? error}`);
    return { points };
  }
}

/** Names the figures a chart shows: the same weeks and figures, the same chart. */
function digest(points: readonly WeekPoint[]): string {
  return createHash('sha256').update(JSON.stringify(points)).digest('hex').slice(0, 32);
}
