/**
 * For random schedules (1-3 layers, random restrictions and overrides) and random instants over a year,
 * the schedule model agrees with a brute-force reference written here on its own terms: wall clocks
 * read from Intl (not dayjs), local times found by scanning quarter hours, shifts walked one by one
 * from the layer's start.
 */
import fc from 'fast-check';
import { onCallAt, type Schedule, whoIsOnCall } from '../../lambda/incidents/schedule';

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const ZONES = [
  'Europe/Berlin',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'UTC',
  'Australia/Lord_Howe', // a 30-minute DST change
  'Pacific/Auckland',
  'America/Sao_Paulo',
];

// ---------------------------------------------------------------------------------------------------
// The reference.

const formatters = new Map<string, Intl.DateTimeFormat>();
const wallCache = new Map<string, number>();

/** The wall-clock reading of an instant in `tz` (epoch ms as if UTC), straight from Intl. */
function wall(at: number, tz: string): number {
  const quarter = Math.floor(at / QUARTER) * QUARTER;
  const key = `${tz}|${quarter}`;
  let offset = wallCache.get(key);
  if (offset === undefined) {
    let format = formatters.get(tz);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
      formatters.set(tz, format);
    }
    const parts = new Map(format.formatToParts(quarter).map((p) => [p.type, Number(p.value)]));
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.get(type) ?? 0;
    const reading = Date.UTC(
      part('year'),
      part('month') - 1,
      part('day'),
      part('hour'),
      part('minute'),
      part('second'),
    );
    offset = reading - quarter;
    wallCache.set(key, offset);
  }
  return at + offset;
}

/** The first instant whose wall clock reads at least `target`: scan quarter hours from well before. */
function firstInstantAtLeast(target: number, tz: string): number {
  let quarter = Math.floor((target - (wall(target, tz) - target) - 3 * HOUR) / QUARTER) * QUARTER;
  for (;;) {
    const offset = wall(quarter, tz) - quarter; // constant within the quarter hour
    if (quarter + QUARTER + offset > target) return Math.max(quarter, target - offset);
    quarter += QUARTER;
  }
}

const parseWall = (text: string) => Date.parse(`${text}:00Z`);
const minutes = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

interface RefLayer {
  name: string;
  members: readonly string[];
  start: number;
  startWall: number;
  unit: string;
  count: number;
  restrict?: { days?: readonly string[]; from?: string; to?: string };
  boundaries: number[]; // walked so far
}

function reference(schedule: Schedule) {
  const tz = schedule.timezone;
  const layers: RefLayer[] = schedule.layers.map((layer) => {
    const startWall = parseWall(layer.start);
    return {
      name: layer.name,
      members: layer.members,
      startWall,
      start: firstInstantAtLeast(startWall, tz),
      unit: layer.shift.slice(-1),
      count: Number(layer.shift.slice(0, -1)),
      restrict: layer.restrict,
      boundaries: [],
    };
  });
  const overrides = (schedule.overrides ?? []).map((o) => ({
    user: o.user,
    from: firstInstantAtLeast(parseWall(o.from), tz),
    to: firstInstantAtLeast(parseWall(o.to), tz),
  }));

  /** Handoff k of a layer, walking from the start shift by shift. */
  const handoff = (layer: RefLayer, k: number): number => {
    while (layer.boundaries.length <= k) {
      const n = layer.boundaries.length;
      layer.boundaries.push(
        layer.unit === 'h'
          ? layer.start + n * layer.count * HOUR
          : firstInstantAtLeast(layer.startWall + n * layer.count * (layer.unit === 'w' ? 7 : 1) * DAY, tz),
      );
    }
    return layer.boundaries[k] as number;
  };

  const allows = (layer: RefLayer, at: number): boolean => {
    if (!layer.restrict) return true;
    const reading = new Date(wall(at, tz));
    const { days, from = '00:00', to = '24:00' } = layer.restrict;
    if (days && !days.includes(DAYS[reading.getUTCDay()] as string)) return false;
    const minute = reading.getUTCHours() * 60 + reading.getUTCMinutes();
    const [a, b] = [minutes(from), minutes(to)];
    return a < b ? minute >= a && minute < b : a > b ? minute >= a || minute < b : false;
  };

  return (at: number): { user: string; layer: string } | undefined => {
    const override = overrides.find((o) => o.from <= at && at < o.to);
    if (override) return { user: override.user, layer: 'override' };
    for (const layer of [...layers].reverse()) {
      if (at < layer.start || !allows(layer, at)) continue;
      let k = 0;
      while (handoff(layer, k + 1) <= at) k++;
      return { user: layer.members[k % layer.members.length] as string, layer: layer.name };
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------------
// Random schedules.

const YEAR_START = Date.UTC(2026, 5, 1);
const YEAR = 365 * DAY;
const localText = (wallMs: number) => new Date(wallMs).toISOString().slice(0, 16);
const clockText = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

const minuteInYear = fc.integer({ min: 0, max: (YEAR / MINUTE) | 0 }).map((m) => YEAR_START + m * MINUTE);

const restrictArb = fc.record(
  {
    days: fc.subarray([...DAYS], { minLength: 1 }),
    from: fc.integer({ min: 0, max: 1439 }).map(clockText),
    to: fc.integer({ min: 0, max: 1439 }).map(clockText),
  },
  { requiredKeys: [] },
);

const layerArb = fc.record({
  start: minuteInYear.map(localText),
  shift: fc.oneof(
    fc.integer({ min: 1, max: 48 }).map((n) => `${n}h`),
    fc.integer({ min: 1, max: 7 }).map((n) => `${n}d`),
    fc.integer({ min: 1, max: 3 }).map((n) => `${n}w`),
  ),
  members: fc.subarray(['U0ANNA', 'U0BEN', 'U0CARL', 'U0DANA', 'U0ERIK'], { minLength: 1, maxLength: 4 }),
  restrict: fc.option(restrictArb, { nil: undefined }),
});

const overrideArb = fc.record({
  user: fc.constantFrom('U0COVER', 'U0ANNA', 'U0FRED'),
  from: minuteInYear,
  minutes: fc.integer({ min: 60, max: 5 * 24 * 60 }),
});

const scheduleArb = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    layers: fc.array(layerArb, { minLength: 1, maxLength: 3 }),
    overrides: fc.array(overrideArb, { maxLength: 3 }),
  })
  .map(({ timezone, layers, overrides }): Schedule => {
    // overrides may not overlap (the policy refuses it): keep those clear of the ones kept before
    const kept: { from: number; to: number; user: string }[] = [];
    for (const o of overrides) {
      const to = o.from + o.minutes * MINUTE;
      if (kept.every((k) => to <= k.from || k.to <= o.from)) kept.push({ from: o.from, to, user: o.user });
    }
    return {
      timezone,
      layers: layers
        .map((layer, index) => ({ ...layer, name: `layer${index}` }))
        // a window that never matches is refused by the policy: such a window here is left open-ended
        .map((layer) =>
          layer.restrict?.from !== undefined && layer.restrict.from === layer.restrict.to
            ? { ...layer, restrict: { ...layer.restrict, to: undefined } }
            : layer,
        ),
      overrides: kept.map((o) => ({ user: o.user, from: localText(o.from), to: localText(o.to) })),
    };
  });

/** The instants a zone changes its offset in the year (scanning days, then quarter hours). */
const transitionCache = new Map<string, number[]>();
function transitionsOf(tz: string): number[] {
  let found = transitionCache.get(tz);
  if (found) return found;
  found = [];
  const offset = (at: number) => wall(at, tz) - at;
  for (let day = YEAR_START - 30 * DAY; day < YEAR_START + YEAR + 30 * DAY; day += DAY) {
    if (offset(day) === offset(day + DAY)) continue;
    let at = day;
    while (offset(at) === offset(day)) at += QUARTER;
    found.push(at);
  }
  transitionCache.set(tz, found);
  return found;
}

/**
 * Instants over the year: some anywhere, the rest a millisecond or a minute around where things
 * happen: a local time of day a layer starts or a restriction opens or closes, on any day, and the
 * zone's DST changes.
 */
function instantsFor(schedule: Schedule) {
  const tz = schedule.timezone;
  const clocks = schedule.layers.flatMap((layer) => [
    minutes(layer.start.slice(11)),
    ...(layer.restrict?.from ? [minutes(layer.restrict.from)] : []),
    ...(layer.restrict?.to ? [minutes(layer.restrict.to)] : []),
  ]);
  const delta = fc.constantFrom(-MINUTE, -1, 0, 1, MINUTE);
  const anywhere = fc.integer({ min: YEAR_START - 30 * DAY, max: YEAR_START + YEAR + 30 * DAY });
  const atClock = fc
    .tuple(fc.constantFrom(...clocks, 0), fc.integer({ min: 0, max: 365 }), delta)
    .map(([clock, day, d]) => firstInstantAtLeast(YEAR_START + day * DAY + clock * MINUTE, tz) + d);
  const transitions = transitionsOf(tz);
  const nearChange =
    transitions.length === 0
      ? anywhere
      : fc
          .tuple(fc.constantFrom(...transitions), fc.integer({ min: -180, max: 180 }), delta)
          .map(([at, m, d]) => at + m * MINUTE + d);
  return fc.array(fc.oneof(anywhere, atClock, nearChange), { minLength: 4, maxLength: 12 });
}

/** Schedules whose local times fall, more often than chance, in the hours a DST change skips or repeats. */
const dstScheduleArb = fc
  .tuple(scheduleArb, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -90, max: 90 }), fc.boolean())
  .map(([schedule, pick, m, nearChange]): Schedule => {
    const transitions = transitionsOf(schedule.timezone);
    if (!nearChange || transitions.length === 0) return schedule;
    const at = transitions[pick % transitions.length] as number;
    const reading = wall(at - 1, schedule.timezone) + 1 + m * MINUTE; // the wall clock just before, moved
    const clock = clockText(Math.floor((((reading % DAY) + DAY) % DAY) / MINUTE));
    return {
      ...schedule,
      layers: schedule.layers.map((layer, index) =>
        index % 2 === 0
          ? { ...layer, start: localText(reading - ((pick % 5) * 7 + (pick % 3)) * DAY) }
          : {
              ...layer,
              restrict: { ...layer.restrict, from: clock, to: clockText((minutes(clock) + 90) % 1440) },
            },
      ),
    };
  });

describe('on-call schedules, against a brute-force reference', () => {
  it('agrees on who is on call, and through which layer, at any instant of a year', () => {
    fc.assert(
      fc.property(
        dstScheduleArb.chain((schedule) => fc.tuple(fc.constant(schedule), instantsFor(schedule))),
        ([schedule, instants]) => {
          const expected = reference(schedule);
          for (const at of instants) {
            expect(whoIsOnCall(schedule, new Date(at).toISOString())).toEqual(expected(at));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("gives a person's stretch: the same person from its start to its end, someone else around it", () => {
    fc.assert(
      fc.property(dstScheduleArb, minuteInYear, (schedule, at) => {
        const expected = reference(schedule);
        const onCall = onCallAt(schedule, new Date(at).toISOString());
        expect(onCall && { user: onCall.user, layer: onCall.layer }).toEqual(expected(at));
        if (!onCall) return;
        const from = Date.parse(onCall.from);
        const to = Date.parse(onCall.to);
        expect(from).toBeLessThanOrEqual(at);
        expect(to).toBeGreaterThan(at);
        expect(expected(from)?.user).toBe(onCall.user);
        expect(expected(to - 1)?.user).toBe(onCall.user);
        if (to < at + 366 * DAY) expect(expected(to)?.user).not.toBe(onCall.user);
        if (from > at - 366 * DAY) expect(expected(from - 1)?.user).not.toBe(onCall.user);
        // and nobody else in between, at a few sampled instants
        for (let i = 1; i < 8; i++) {
          expect(expected(from + Math.floor(((to - from) * i) / 8))?.user).toBe(onCall.user);
        }
      }),
      { numRuns: 50 },
    );
  });
});
