import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import {
  nextHandoff,
  onCallAt,
  parseShift,
  type Schedule,
  shiftsIn,
  whoIsOnCall,
} from '../../lambda/incidents/schedule';

dayjs.extend(utc);
dayjs.extend(timezone);

const BERLIN = 'Europe/Berlin';
/** An instant given as local time in a zone, as ISO UTC. */
const local = (text: string, tz = BERLIN) => dayjs.tz(text, tz).toISOString();
const localClock = (iso: string, tz: string) => dayjs(iso).tz(tz).format('ddd HH:mm');

const primary = {
  name: 'primary',
  start: '2026-11-30T09:00',
  shift: '1w',
  members: ['U0ANNA', 'U0BEN', 'U0CARL'],
};
const weekdayDays = {
  name: 'weekday-days',
  start: '2026-11-30T09:00',
  shift: '1d',
  members: ['U0DANA', 'U0ERIK'],
  restrict: { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, from: '09:00', to: '17:00' },
};
/** The schedule of docs/policy.md. */
const sre: Schedule = {
  timezone: BERLIN,
  layers: [primary, weekdayDays],
  overrides: [{ user: 'U0DANA', from: '2026-12-24T00:00', to: '2026-12-27T00:00' }],
};

describe('on-call schedules', () => {
  it.each([
    ['12h', { count: 12, unit: 'h' }],
    ['1d', { count: 1, unit: 'd' }],
    ['2w', { count: 2, unit: 'w' }],
    ['0d', undefined],
    ['1m', undefined],
    ['1.5h', undefined],
    ['w', undefined],
  ])('reads the shift %s', (text, shift) => {
    expect(parseShift(text)).toEqual(shift);
  });

  it('rotates a weekly layer through its members at the start time, around and around', () => {
    const weekly: Schedule = { timezone: BERLIN, layers: [primary] };
    const users = [0, 1, 2, 3, 4].map(
      (week) => whoIsOnCall(weekly, dayjs(local('2026-11-30T09:00')).add(week, 'week').toISOString())?.user,
    );
    expect(users).toEqual(['U0ANNA', 'U0BEN', 'U0CARL', 'U0ANNA', 'U0BEN']);
    expect(onCallAt(weekly, local('2026-12-09T12:00'))).toEqual({
      user: 'U0BEN',
      layer: 'primary',
      from: local('2026-12-07T09:00'),
      to: local('2026-12-14T09:00'),
    });
    expect(whoIsOnCall(weekly, dayjs(local('2026-12-07T09:00')).subtract(1, 'ms').toISOString())?.user).toBe(
      'U0ANNA',
    );
    expect(nextHandoff(weekly, local('2026-12-09T12:00'))).toEqual({
      at: local('2026-12-14T09:00'),
      user: 'U0CARL',
    });
  });

  it('has nobody on call before a layer starts, and names the first handoff', () => {
    expect(onCallAt(sre, local('2026-11-30T08:59'))).toBeUndefined();
    expect(nextHandoff(sre, local('2026-11-01T00:00'))).toEqual({
      at: local('2026-11-30T09:00'),
      user: 'U0DANA',
    });
    expect(shiftsIn(sre, local('2026-11-30T00:00'), local('2026-11-30T10:00'))).toEqual([
      {
        user: 'U0DANA',
        layer: 'weekday-days',
        from: local('2026-11-30T09:00'),
        to: local('2026-11-30T10:00'),
      },
    ]);
  });

  it('lets a daily weekday 09-17 layer win over the weekly layer beneath it, only in its window', () => {
    const at = (text: string) => whoIsOnCall(sre, local(text));
    expect(at('2026-11-30T10:00')).toEqual({ user: 'U0DANA', layer: 'weekday-days' }); // Mon
    expect(at('2026-12-01T16:59')).toEqual({ user: 'U0ERIK', layer: 'weekday-days' }); // Tue
    expect(at('2026-12-01T17:00')).toEqual({ user: 'U0ANNA', layer: 'primary' });
    expect(at('2026-12-02T08:59')).toEqual({ user: 'U0ANNA', layer: 'primary' });
    expect(at('2026-12-05T12:00')).toEqual({ user: 'U0ANNA', layer: 'primary' }); // Sat
    expect(at('2026-12-07T12:00')).toEqual({ user: 'U0ERIK', layer: 'weekday-days' }); // Mon, day 7

    // the stretches of a Tuesday and a weekend
    expect(shiftsIn(sre, local('2026-12-01T00:00'), local('2026-12-02T00:00'))).toEqual([
      { user: 'U0ANNA', layer: 'primary', from: local('2026-12-01T00:00'), to: local('2026-12-01T09:00') },
      {
        user: 'U0ERIK',
        layer: 'weekday-days',
        from: local('2026-12-01T09:00'),
        to: local('2026-12-01T17:00'),
      },
      { user: 'U0ANNA', layer: 'primary', from: local('2026-12-01T17:00'), to: local('2026-12-02T00:00') },
    ]);
    expect(onCallAt(sre, local('2026-12-05T12:00'))).toEqual({
      user: 'U0ANNA',
      layer: 'primary',
      from: local('2026-12-04T17:00'),
      to: local('2026-12-07T09:00'),
    });
    expect(nextHandoff(sre, local('2026-12-05T12:00'))).toEqual({
      at: local('2026-12-07T09:00'),
      user: 'U0ERIK',
    });
  });

  it('lets an override win over every layer, from its start to its end', () => {
    expect(onCallAt(sre, local('2026-12-25T10:00'))).toEqual({
      user: 'U0DANA',
      layer: 'override',
      from: local('2026-12-24T00:00'),
      to: local('2026-12-27T00:00'),
    });
    expect(nextHandoff(sre, local('2026-12-25T10:00'))).toEqual({
      at: local('2026-12-27T00:00'),
      user: 'U0ANNA',
    });
    expect(whoIsOnCall(sre, local('2026-12-23T23:59'))).toEqual({ user: 'U0ANNA', layer: 'primary' }); // week 3
  });

  it('merges a stretch while the same person continues through another layer', () => {
    // U0DANA covers Thursday 09-17 on weekday-days (day 3), then an override of hers runs on to 20:00
    const schedule: Schedule = {
      ...sre,
      overrides: [{ user: 'U0DANA', from: '2026-12-03T17:00', to: '2026-12-03T20:00' }],
    };
    expect(onCallAt(schedule, local('2026-12-03T12:00'))).toEqual({
      user: 'U0ERIK',
      layer: 'weekday-days',
      from: local('2026-12-03T09:00'),
      to: local('2026-12-03T17:00'),
    });
    expect(onCallAt(schedule, local('2026-12-04T12:00'))?.from).toBe(local('2026-12-04T09:00'));
    const dana: Schedule = {
      ...schedule,
      overrides: [{ user: 'U0DANA', from: '2026-12-04T17:00', to: '2026-12-04T20:00' }],
    };
    expect(onCallAt(dana, local('2026-12-04T18:00'))).toEqual({
      user: 'U0DANA',
      layer: 'override',
      from: local('2026-12-04T09:00'),
      to: local('2026-12-04T20:00'),
    });
  });

  it('reads a window with to before from as running across midnight, on the local day of the instant', () => {
    const nights: Schedule = {
      timezone: BERLIN,
      layers: [
        { name: 'days', start: '2026-11-30T00:00', shift: '1w', members: ['U0DAY'] },
        {
          name: 'nights',
          start: '2026-11-30T00:00',
          shift: '1w',
          members: ['U0NIGHT'],
          restrict: { from: '22:00', to: '06:00' },
        },
      ],
    };
    expect(whoIsOnCall(nights, local('2026-12-01T23:00'))?.user).toBe('U0NIGHT');
    expect(whoIsOnCall(nights, local('2026-12-02T05:59'))?.user).toBe('U0NIGHT');
    expect(whoIsOnCall(nights, local('2026-12-02T06:00'))?.user).toBe('U0DAY');
    expect(whoIsOnCall(nights, local('2026-12-02T21:59'))?.user).toBe('U0DAY');
  });

  describe('DST', () => {
    const weekly: Schedule = {
      timezone: BERLIN,
      layers: [
        { name: 'primary', start: '2026-09-07T09:00', shift: '1w', members: ['U0ANNA', 'U0BEN', 'U0CARL'] },
      ],
    };

    it.each([
      [
        'October 2026 (CEST to CET on 2026-10-25)',
        '2026-10-04T00:00',
        '2026-11-03T00:00',
        ['07:00', '08:00'],
      ],
      ['March 2027 (CET to CEST on 2027-03-28)', '2027-03-07T00:00', '2027-04-06T00:00', ['08:00', '07:00']],
    ])('keeps a weekly 09:00 Europe/Berlin handoff at 09:00 local across %s', (_, from, to, utcClocks) => {
      const stretches = shiftsIn(weekly, local(from), local(to));
      const handoffs = stretches.slice(1).map((stretch) => stretch.from);
      expect(handoffs).toHaveLength(5);
      expect(handoffs.map((at) => localClock(at, BERLIN))).toEqual(Array(5).fill('Mon 09:00'));
      // the UTC hour moves by one across the change
      expect(handoffs.map((at) => dayjs(at).utc().format('HH:mm'))).toEqual([
        utcClocks[0],
        utcClocks[0],
        utcClocks[0],
        utcClocks[1],
        utcClocks[1],
      ]);
      // a week's stretch lasts 167 or 169 hours across the change, 168 otherwise
      const hours = stretches.slice(1, -1).map((s) => dayjs(s.to).diff(dayjs(s.from), 'hour'));
      expect(hours).toEqual([168, 168, utcClocks[0] === '07:00' ? 169 : 167, 168]);
      // the handoff on the day of the change
      const change = handoffs[3] as string;
      expect(whoIsOnCall(weekly, dayjs(change).subtract(1, 'ms').toISOString())?.user).not.toBe(
        whoIsOnCall(weekly, change)?.user,
      );
    });

    it('runs a 12h follow-the-sun rotation in absolute hours: fixed in Kolkata, moving in Los Angeles', () => {
      // Kolkata (no DST) hands to Los Angeles at 21:30 IST and takes back at 09:30 IST
      const sun: Schedule = {
        timezone: 'Asia/Kolkata',
        layers: [{ name: 'sun', start: '2027-03-01T09:30', shift: '12h', members: ['U0INDIA', 'U0LA'] }],
      };
      const stretches = shiftsIn(
        sun,
        local('2027-03-12T00:00', 'Asia/Kolkata'),
        local('2027-03-17T00:00', 'Asia/Kolkata'),
      );
      const kolkata = stretches.slice(1).map((s) => `${s.user} ${localClock(s.from, 'Asia/Kolkata')}`);
      expect(kolkata).toEqual([
        'U0INDIA Fri 09:30',
        'U0LA Fri 21:30',
        'U0INDIA Sat 09:30',
        'U0LA Sat 21:30',
        'U0INDIA Sun 09:30',
        'U0LA Sun 21:30',
        'U0INDIA Mon 09:30',
        'U0LA Mon 21:30',
        'U0INDIA Tue 09:30',
        'U0LA Tue 21:30',
      ]);
      // Los Angeles moves to PDT on 2027-03-14: the same handoffs read an hour later there
      const la = stretches
        .slice(1)
        .filter((s) => s.user === 'U0LA')
        .map((s) => localClock(s.from, 'America/Los_Angeles'));
      expect(la).toEqual(['Fri 08:00', 'Sat 08:00', 'Sun 09:00', 'Mon 09:00', 'Tue 09:00']);
      expect(stretches.slice(1, -1).every((s) => dayjs(s.to).diff(dayjs(s.from), 'hour') === 12)).toBe(true);
    });

    it('reads a local time the clocks skip as the moment they jump, and a repeated one as its first occurrence', () => {
      const daily = (start: string): Schedule => ({
        timezone: BERLIN,
        layers: [{ name: 'd', start, shift: '1d', members: ['U0A', 'U0B'] }],
      });
      // 2027-03-28 02:00 → 03:00 CEST: a 02:30 handoff happens at 03:00 CEST (01:00Z) that day
      const spring = shiftsIn(daily('2027-03-26T02:30'), '2027-03-27T00:00:00Z', '2027-03-30T00:00:00Z');
      expect(spring.slice(1).map((s) => s.from)).toEqual([
        '2027-03-27T01:30:00.000Z',
        '2027-03-28T01:00:00.000Z',
        '2027-03-29T00:30:00.000Z',
      ]);
      // 2026-10-25 03:00 CEST → 02:00 CET: a 02:30 handoff happens at the first 02:30 (00:30Z)
      const autumn = shiftsIn(daily('2026-10-23T02:30'), '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z');
      expect(autumn.slice(1).map((s) => s.from)).toEqual([
        '2026-10-24T00:30:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-26T01:30:00.000Z',
      ]);
    });
  });

  it('says there is no handoff when nothing changes, and cuts such a stretch at the search horizon', () => {
    const alone: Schedule = {
      timezone: 'UTC',
      layers: [{ name: 'solo', start: '2026-01-01T00:00', shift: '1w', members: ['U0SOLO'] }],
    };
    expect(nextHandoff(alone, '2026-12-02T00:00:00Z')).toBeUndefined();
    expect(onCallAt(alone, '2026-06-01T00:00:00Z')).toEqual({
      user: 'U0SOLO',
      layer: 'solo',
      from: '2026-01-01T00:00:00.000Z',
      to: '2027-06-02T00:00:00.000Z',
    });
    expect(nextHandoff({ timezone: 'UTC', layers: [] }, '2026-12-02T00:00:00Z')).toBeUndefined();
  });
});
