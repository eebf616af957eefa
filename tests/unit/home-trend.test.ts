import type { Incident } from '../../lambda/incidents/types';
import { homeTrend } from '../../lambda/jobs/home-trend';
import { anIncident } from '../fixtures/incidents';

const NOW = '2026-12-03T09:00:00.000Z';

function deps(renderPng?: (svg: string) => Buffer) {
  const asked: string[] = [];
  const uploads: string[] = [];
  const logged: string[] = [];
  const incidents: Incident[] = [anIncident({ declaredAt: '2026-12-01T10:00:00.000Z' })];
  return {
    asked,
    uploads,
    logged,
    deps: {
      store: {
        listIncidentsDeclaredSince: async (from: string) => {
          asked.push(from);
          return incidents;
        },
        requestResult: async () => undefined,
        finishRequest: async () => {},
      },
      chat: {
        uploadImage: async (file: { filename: string }) => {
          uploads.push(file.filename);
          return 'F0000000001';
        },
      },
      ...(renderPng ? { renderPng } : {}),
      log: (line: string) => logged.push(line),
    },
  };
}

describe('App Home trend', () => {
  it('reads the incidents declared since the first Monday of the twelve weeks, in the zone', async () => {
    const { deps: d, asked } = deps();
    const trend = await homeTrend(d, NOW, 'Europe/Berlin');
    expect(asked).toEqual(['2026-09-13T22:00:00.000Z']);
    expect(trend.points).toHaveLength(12);
    expect(trend.points[11]?.incidents).toBe(1);
  });

  it('uploads nothing where no renderer is wired: the trend is shown in words', async () => {
    const { deps: d, uploads } = deps();
    expect((await homeTrend(d, NOW, 'UTC')).fileId).toBeUndefined();
    expect(uploads).toEqual([]);
  });

  it('shows the trend in words, and says why, when the chart cannot be drawn', async () => {
    const {
      deps: d,
      uploads,
      logged,
    } = deps(() => {
      throw new Error('renderer broke');
    });
    const trend = await homeTrend(d, NOW, 'UTC');
    expect(trend.fileId).toBeUndefined();
    expect(trend.points).toHaveLength(12);
    expect(uploads).toEqual([]);
    expect(logged).toEqual(['App Home trend chart not shown: renderer broke']);
  });
});
