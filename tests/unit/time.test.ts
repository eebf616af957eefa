import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import fc from 'fast-check';
import {
  formatClock,
  formatDuration,
  formatShortDateTime,
  resolveEventTime,
  resolveStartTime,
  spansDays,
} from '../../lambda/incidents/time';

dayjs.extend(utc);
dayjs.extend(timezone);

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
];

describe('wall-clock formatting', () => {
  it('agrees with dayjs in every zone, across DST changes and odd offsets', () => {
    const instant = fc
      .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })
      .map((ms) => new Date(ms).toISOString());
    fc.assert(
      fc.property(instant, instant, fc.constantFrom(...ZONES), (a, b, tz) => {
        expect(formatClock(a, tz)).toBe(dayjs(a).tz(tz).format('HH:mm'));
        expect(formatShortDateTime(a, tz)).toBe(dayjs(a).tz(tz).format('MMM D HH:mm'));
        expect(spansDays(a, b, tz)).toBe(
          dayjs(a).tz(tz).format('YYYY-MM-DD') !== dayjs(b).tz(tz).format('YYYY-MM-DD'),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('is right on both sides of a DST change', () => {
    // Berlin leaves CET for CEST at 01:00 UTC on 2024-03-31.
    expect(formatClock('2024-03-31T00:59:00Z', 'Europe/Berlin')).toBe('01:59');
    expect(formatClock('2024-03-31T01:00:00Z', 'Europe/Berlin')).toBe('03:00');
  });
});

describe('responder times', () => {
  const start = '2024-02-18T23:30:00.000Z';
  const now = '2024-02-20T00:00:00.000Z';

  it('puts HH:MM on the start day, or the next day when it would fall before the start', () => {
    expect(
      resolveEventTime({ type: 'clock', hour: 23, minute: 45 }, { startedAt: start, now, tz: 'UTC' }),
    ).toBe('2024-02-18T23:45:00.000Z');
    expect(
      resolveEventTime({ type: 'clock', hour: 0, minute: 10 }, { startedAt: start, now, tz: 'UTC' }),
    ).toBe('2024-02-19T00:10:00.000Z');
  });

  it('refuses future times and times before the start', () => {
    expect(() =>
      resolveEventTime(
        { type: 'instant', iso: '2024-02-21T00:00:00.000Z' },
        { startedAt: start, now, tz: 'UTC' },
      ),
    ).toThrow(/in the future/);
    expect(() =>
      resolveEventTime(
        { type: 'instant', iso: '2024-02-18T20:00:00.000Z' },
        { startedAt: start, now, tz: 'UTC' },
      ),
    ).toThrow(/before the incident started/);
  });

  it('takes an open time of HH:MM later than now as yesterday', () => {
    expect(resolveStartTime({ type: 'clock', hour: 23, minute: 50 }, '2024-02-19T00:05:00.000Z', 'UTC')).toBe(
      '2024-02-18T23:50:00.000Z',
    );
  });

  it.each([
    ['2024-02-18T15:30:00Z', '2024-02-18T18:45:00Z', '3 hours 15 minutes'],
    ['2024-02-18T23:30:00Z', '2024-02-19T01:15:00Z', '1 hour 45 minutes'],
    ['2024-02-18T10:00:00Z', '2024-02-20T11:01:00Z', '2 days 1 hour 1 minute'],
    ['2024-02-18T10:00:00Z', '2024-02-18T10:00:30Z', '0 minutes'],
  ])('totals %s to %s as %s', (from, to, expected) => {
    expect(formatDuration(from, to)).toBe(expected);
  });
});
