/**
 * On-call schedules (docs/policy.md, "Schedules"): who is on call at an instant, the next handoff,
 * the stretches in a range. Pure: every function takes the instant; nothing reads the system clock.
 *
 * Time model. A schedule's local times (`start`, override `from`/`to`, `restrict` windows) are wall-clock
 * times in its `timezone`. A local time the clocks skip (spring forward) means the moment they jump; a
 * local time that happens twice (fall back) means its first occurrence: in both cases "the first
 * instant whose wall clock reads at least that time". `d` and `w` shifts count calendar days in the
 * zone, so a handoff stays at the same local time across DST changes; `h` shifts are absolute hours.
 */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);

/** Days as `restrict.days` names them, indexed like `Date#getUTCDay` (0 = Sunday). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface ScheduleRestriction {
  /** Local days of the instant on which the layer has someone; absent: every day. */
  days?: readonly Weekday[];
  /** `HH:MM` local, default `00:00`. */
  from?: string;
  /** `HH:MM` local (or `24:00`), default `24:00`; at or before `from`: the window runs across midnight. */
  to?: string;
}

export interface ScheduleLayer {
  name: string;
  /** `YYYY-MM-DDTHH:mm` in the schedule's zone: the first handoff; before it the layer has nobody. */
  start: string;
  /** `<n>h`, `<n>d` or `<n>w`. */
  shift: string;
  members: readonly string[];
  restrict?: ScheduleRestriction;
}

export interface ScheduleOverride {
  user: string;
  /** `YYYY-MM-DDTHH:mm` local, inclusive. */
  from: string;
  /** `YYYY-MM-DDTHH:mm` local, exclusive. */
  to: string;
}

export interface Schedule {
  /** IANA zone of every local time of the schedule. */
  timezone: string;
  /** Later layers win where they have someone on call. */
  layers: readonly ScheduleLayer[];
  /** Win over every layer. */
  overrides?: readonly ScheduleOverride[];
  handoff_channel?: string;
  usergroup?: string;
  /**
   * Cover set from Slack (`/incident oncall override`, kept in the table, never in the YAML): exact
   * instants, the first matching one wins, over `overrides` and every layer. See withCover.
   */
  cover?: readonly Cover[];
}

/** One stretch of cover: `user` is on call in [from, to), ISO instants. */
export interface Cover {
  user: string;
  from: string;
  to: string;
}

/**
 * The schedule with `cover` in front of the cover it already had: the given stretches win over it,
 * the first matching one first. A new object (the schedule itself is left as it is).
 */
export function withCover(schedule: Schedule, cover: readonly Cover[]): Schedule {
  if (cover.length === 0) return schedule;
  return { ...schedule, cover: [...cover, ...(schedule.cover ?? [])] };
}

/** The layer name of an override's stretch. */
export const OVERRIDE_LAYER = 'override';

export interface OnCall {
  user: string;
  /** The layer's name, or `override`. */
  layer: string;
  /** ISO UTC: this person's stretch (see onCallAt). */
  from: string;
  to: string;
}

export interface Handoff {
  /** ISO UTC of the change. */
  at: string;
  /** Who is on call from then; absent: nobody. */
  user?: string;
}

const MINUTE = 60_000;
const QUARTER_HOUR = 15 * MINUTE;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How far onCallAt follows a stretch and nextHandoff looks for a change, each way. */
export const SEARCH_HORIZON_DAYS = 366;
const HORIZON = SEARCH_HORIZON_DAYS * DAY;

const SHIFT = /^([1-9]\d{0,3})([hdw])$/;

/** `12h`, `1d`, `2w` → count and unit; undefined for anything else. */
export function parseShift(text: string): { count: number; unit: 'h' | 'd' | 'w' } | undefined {
  const match = SHIFT.exec(text);
  if (!match) return undefined;
  return { count: Number(match[1]), unit: match[2] as 'h' | 'd' | 'w' };
}

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/**
 * `YYYY-MM-DDTHH:mm` (a real calendar date and time) → its wall-clock reading as epoch ms (the
 * instant it would be in UTC); undefined for anything else.
 */
export function parseLocalDateTime(text: string): number | undefined {
  if (typeof text !== 'string' || !LOCAL_DATE_TIME.test(text)) return undefined;
  const wall = dayjs.utc(`${text}:00Z`);
  if (!wall.isValid() || wall.format('YYYY-MM-DDTHH:mm') !== text) return undefined;
  return wall.valueOf();
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `HH:MM` → minutes of the day; `24:00` only when `endOfDay`. */
export function parseClock(text: string, endOfDay = false): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (endOfDay && text === '24:00') return 24 * 60;
  const match = CLOCK.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Zone arithmetic. A zone's offset is constant within a UTC quarter hour (every zone changes its offset
// on a quarter-hour boundary), so it is looked up once per quarter hour and zone.

const quarterCache = new Map<string, Map<number, number>>();
/** Per zone and UTC day: the offset when it is the same all day, NaN when it changes that day. */
const dayCache = new Map<string, Map<number, number>>();
const MAX_CACHED_OFFSETS = 200_000;

function cacheOf(caches: Map<string, Map<number, number>>, tz: string): Map<number, number> {
  let cache = caches.get(tz);
  if (!cache) {
    cache = new Map();
    caches.set(tz, cache);
  }
  return cache;
}

function quarterOffsetMs(quarter: number, tz: string): number {
  const cache = cacheOf(quarterCache, tz);
  let offset = cache.get(quarter);
  if (offset === undefined) {
    offset =
      dayjs(quarter * QUARTER_HOUR)
        .tz(tz)
        .utcOffset() * MINUTE;
    if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
    cache.set(quarter, offset);
  }
  return offset;
}

/** The zone's offset at an instant: looked up once per UTC day, or per quarter hour on a day it changes. */
function offsetMs(epochMs: number, tz: string): number {
  const cache = cacheOf(dayCache, tz);
  const day = Math.floor(epochMs / DAY);
  let offset = cache.get(day);
  if (offset === undefined) {
    const first = quarterOffsetMs((day * DAY) / QUARTER_HOUR, tz);
    const last = quarterOffsetMs(((day + 1) * DAY) / QUARTER_HOUR - 1, tz);
    offset = first === last ? first : Number.NaN;
    if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
    cache.set(day, offset);
  }
  return Number.isNaN(offset) ? quarterOffsetMs(Math.floor(epochMs / QUARTER_HOUR), tz) : offset;
}

/** The wall-clock reading of an instant in `tz`, as epoch ms. */
function wallOf(epochMs: number, tz: string): number {
  return epochMs + offsetMs(epochMs, tz);
}

/** The first quarter-hour instant in (after, upTo] whose offset differs from the one at `after`. */
function transitionBetween(after: number, upTo: number, tz: string): number | undefined {
  const before = offsetMs(after, tz);
  if (offsetMs(upTo, tz) === before) return undefined;
  let lo = Math.floor(after / QUARTER_HOUR); // offset == before
  let hi = Math.floor(upTo / QUARTER_HOUR); // offset != before
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(mid * QUARTER_HOUR, tz) === before) lo = mid;
    else hi = mid;
  }
  return hi * QUARTER_HOUR;
}

/**
 * Every instant whose wall clock reads `wall` (one, or two in a repeated hour), or, when the clocks
 * skip it, the instant they jump. Sorted.
 */
function instantsAtWall(wall: number, tz: string): number[] {
  const early = offsetMs(wall - DAY, tz);
  const late = offsetMs(wall + DAY, tz);
  if (early === late && offsetMs(wall - early, tz) === early) return [wall - early];
  const found = [...new Set([wall - early, wall - late])]
    .filter((at) => wallOf(at, tz) === wall)
    .sort((a, b) => a - b);
  if (found.length > 0) return found;
  return [transitionBetween(wall - late - QUARTER_HOUR, wall - early, tz) ?? wall - early];
}

/** The first instant whose wall clock reads at least `wall` (see the module comment). */
function instantOfWall(wall: number, tz: string): number {
  const early = offsetMs(wall - DAY, tz);
  if (early === offsetMs(wall + DAY, tz) && offsetMs(wall - early, tz) === early) return wall - early;
  return instantsAtWall(wall, tz)[0] as number;
}

/** A schedule's local time (`YYYY-MM-DDTHH:mm`) in `tz` as epoch ms, read as schedules read it. */
export function instantOfLocal(text: string, tz: string): number | undefined {
  const wall = parseLocalDateTime(text);
  return wall === undefined ? undefined : instantOfWall(wall, tz);
}

// ---------------------------------------------------------------------------------------------------
// A schedule read once into numbers.

interface Layer {
  name: string;
  members: readonly string[];
  tz: string;
  startMs: number;
  startWall: number;
  /** `h`: absolute ms; `d`/`w`: wall-clock ms. */
  absolute: boolean;
  period: number;
  restrict?: { days?: boolean[]; from: number; to: number };
}

interface Compiled {
  tz: string;
  layers: Layer[];
  overrides: { user: string; from: number; to: number }[];
  /** Before it nobody is on call. */
  earliest: number;
  /** Distinct local minutes of the day where some restriction opens or closes (with midnight). */
  edges: number[];
}

const compiled = new WeakMap<Schedule, Compiled>();

/** A schedule's numbers; a schedule is read once (do not change it after its first use). */
function compile(schedule: Schedule): Compiled {
  const cached = compiled.get(schedule);
  if (cached) return cached;
  const tz = schedule.timezone;
  const edges = new Set<number>();
  const layers = schedule.layers.map((layer): Layer => {
    const shift = parseShift(layer.shift);
    const startWall = parseLocalDateTime(layer.start);
    if (!shift || startWall === undefined)
      throw new Error(`schedule layer ${layer.name}: bad shift or start (validate the policy first)`);
    const startMs = instantOfWall(startWall, tz);
    const absolute = shift.unit === 'h';
    const period = shift.count * (shift.unit === 'h' ? HOUR : shift.unit === 'd' ? DAY : 7 * DAY);
    let restrict: Layer['restrict'];
    if (layer.restrict) {
      const from = parseClock(layer.restrict.from ?? '00:00') ?? 0;
      const to = parseClock(layer.restrict.to ?? '24:00', true) ?? 24 * 60;
      const days = layer.restrict.days
        ? WEEKDAYS.map((day) => (layer.restrict?.days ?? []).includes(day))
        : undefined;
      restrict = { days, from, to };
      edges.add(0);
      edges.add(from % (24 * 60));
      edges.add(to % (24 * 60));
    }
    return { name: layer.name, members: layer.members, tz, startMs, startWall, absolute, period, restrict };
  });
  const cover = (schedule.cover ?? []).map((stretch) => ({
    user: stretch.user,
    from: Date.parse(stretch.from),
    to: Date.parse(stretch.to),
  }));
  const planned = (schedule.overrides ?? []).map((override) => ({
    user: override.user,
    from: instantOfWall(parseLocalDateTime(override.from) ?? Number.NaN, tz),
    to: instantOfWall(parseLocalDateTime(override.to) ?? Number.NaN, tz),
  }));
  // Checked in this order by whoAt: cover set from Slack wins over the YAML's planned overrides.
  const overrides = [...cover, ...planned];
  const earliest = Math.min(...layers.map((l) => l.startMs), ...overrides.map((o) => o.from));
  const result = { tz, layers, overrides, earliest, edges: [...edges].sort((a, b) => a - b) };
  compiled.set(schedule, result);
  return result;
}

/** The instant of handoff `k` (k = 0 is `start`). */
function boundary(layer: Layer, k: number): number {
  if (layer.absolute) return layer.startMs + k * layer.period;
  return instantOfWall(layer.startWall + k * layer.period, layer.tz);
}

/** How many handoffs after `start` have happened by `at` (at >= startMs). */
function shiftIndex(layer: Layer, at: number): number {
  if (layer.absolute) return Math.floor((at - layer.startMs) / layer.period);
  let k = Math.max(0, Math.floor((wallOf(at, layer.tz) - layer.startWall) / layer.period));
  while (k > 0 && boundary(layer, k) > at) k--;
  while (boundary(layer, k + 1) <= at) k++;
  return k;
}

const mod = (n: number, m: number) => ((n % m) + m) % m;

function restrictionAllows(restrict: NonNullable<Layer['restrict']>, at: number, tz: string): boolean {
  const wall = wallOf(at, tz);
  if (restrict.days && !restrict.days[mod(Math.floor(wall / DAY) + 4, 7)]) return false; // 1970-01-01: Thu
  const minute = Math.floor(mod(wall, DAY) / MINUTE);
  const { from, to } = restrict;
  if (from < to) return minute >= from && minute < to;
  if (from > to) return minute >= from || minute < to;
  return false;
}

/** Who is on call at an epoch ms, and through which layer. */
function whoAt(c: Compiled, at: number): { user: string; layer: string } | undefined {
  for (const override of c.overrides) {
    if (override.from <= at && at < override.to) return { user: override.user, layer: OVERRIDE_LAYER };
  }
  for (let i = c.layers.length - 1; i >= 0; i--) {
    const layer = c.layers[i] as Layer;
    if (at < layer.startMs || layer.members.length === 0) continue;
    if (layer.restrict && !restrictionAllows(layer.restrict, at, c.tz)) continue;
    const member = layer.members[shiftIndex(layer, at) % layer.members.length] as string;
    return { user: member, layer: layer.name };
  }
  return undefined;
}

/**
 * Every instant in [from, to) where who is on call may change, with `from` first, sorted: between two
 * consecutive ones nobody changes.
 */
function changePoints(c: Compiled, from: number, to: number): number[] {
  const points = new Set<number>([from]);
  const add = (at: number) => {
    if (at > from && at < to) points.add(at);
  };
  for (const override of c.overrides) {
    add(override.from);
    add(override.to);
  }
  for (const layer of c.layers) {
    add(layer.startMs);
    if (to <= layer.startMs) continue;
    for (let k = shiftIndex(layer, Math.max(from, layer.startMs)) + 1; ; k++) {
      const at = boundary(layer, k);
      if (at >= to) break;
      add(at);
    }
  }
  if (c.edges.length > 0) {
    const firstDay = Math.floor(wallOf(from, c.tz) / DAY) * DAY - DAY;
    const lastDay = Math.floor(wallOf(to, c.tz) / DAY) * DAY + DAY;
    for (let day = firstDay; day <= lastDay; day += DAY) {
      for (const edge of c.edges) for (const at of instantsAtWall(day + edge * MINUTE, c.tz)) add(at);
      const jump = transitionBetween(instantOfWall(day, c.tz), instantOfWall(day + DAY, c.tz), c.tz);
      if (jump !== undefined) add(jump);
    }
  }
  return [...points].sort((a, b) => a - b);
}

const sameUser = (a?: { user: string }, b?: { user: string }) => a?.user === b?.user;

/** The first instant in (at, at + HORIZON) where the on-call person differs from the one at `at`. */
function nextChange(c: Compiled, at: number): number | undefined {
  const current = whoAt(c, at);
  const limit = at + HORIZON;
  for (let chunk = DAY, from = at; from < limit; from += chunk, chunk *= 2) {
    const to = Math.min(from + chunk, limit);
    for (const point of changePoints(c, from, to)) {
      if (point > at && !sameUser(whoAt(c, point), current)) return point;
    }
  }
  return undefined;
}

/** The start of the stretch containing `at`: the earliest instant from which the person is the same. */
function stretchStart(c: Compiled, at: number): number {
  const current = whoAt(c, at);
  const limit = Math.max(at - HORIZON, c.earliest);
  let start = at;
  for (let chunk = DAY, to = at; to > limit; to -= chunk, chunk *= 2) {
    const from = Math.max(to - chunk, limit);
    const points = changePoints(c, from, to);
    for (let i = points.length - 1; i >= 0; i--) {
      const point = points[i] as number;
      if (!sameUser(whoAt(c, point), current)) return start;
      start = point;
    }
  }
  return start;
}

const iso = (epochMs: number) => dayjs(epochMs).toISOString();
const epoch = (isoText: string) => dayjs(isoText).valueOf();

/** Who is on call at an instant and through which layer: the cheap part of onCallAt (no stretch). */
export function whoIsOnCall(schedule: Schedule, at: string): { user: string; layer: string } | undefined {
  return whoAt(compile(schedule), epoch(at));
}

/**
 * Who is on call at `at` (ISO), through which layer, and their stretch: from the handoff that made
 * them on call to the next one, whatever the layers in between (a stretch that lasts longer than
 * SEARCH_HORIZON_DAYS either way is cut there). Undefined when nobody is on call.
 */
export function onCallAt(schedule: Schedule, at: string): OnCall | undefined {
  const c = compile(schedule);
  const t = epoch(at);
  const who = whoAt(c, t);
  if (!who) return undefined;
  const to = nextChange(c, t) ?? t + HORIZON;
  return { ...who, from: iso(stretchStart(c, t)), to: iso(to) };
}

/**
 * The next instant after `at` when the on-call person changes, and who is on call then (absent:
 * nobody). Undefined when nothing changes within SEARCH_HORIZON_DAYS.
 */
export function nextHandoff(schedule: Schedule, at: string): Handoff | undefined {
  const c = compile(schedule);
  const change = nextChange(c, epoch(at));
  if (change === undefined) return undefined;
  const who = whoAt(c, change);
  return who ? { at: iso(change), user: who.user } : { at: iso(change) };
}

/**
 * The consecutive stretches of on-call people in [from, to), a stretch merged while the same person
 * continues (through whichever layers); the first and last are cut at the range's ends. Gaps where
 * nobody is on call are left out. `layer` is the layer at the start of the stretch.
 */
export function shiftsIn(schedule: Schedule, from: string, to: string): OnCall[] {
  const c = compile(schedule);
  const start = epoch(from);
  const end = epoch(to);
  if (!(end > start)) return [];
  const stretches: OnCall[] = [];
  let open: { user: string; layer: string; from: number } | undefined;
  const close = (at: number) => {
    if (open) stretches.push({ user: open.user, layer: open.layer, from: iso(open.from), to: iso(at) });
    open = undefined;
  };
  for (const point of changePoints(c, start, end)) {
    const who = whoAt(c, point);
    if (open && who?.user === open.user) continue;
    close(point);
    if (who) open = { ...who, from: point };
  }
  close(end);
  return stretches;
}
