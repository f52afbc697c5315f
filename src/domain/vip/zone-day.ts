// Calendar days in a ladder's time zone (DESIGN.md §3). VIP windows and cycle boundaries are
// counted in the operator's calendar, not in 24-hour slices of UTC, so "30 days" means what
// the platform's customers read on the wall, and a replay gives the same days on any server.
//
// Day numbers are days since 1970-01-01 *in the zone*: the day containing local 2026-03-29 is
// Date.UTC(2026, 2, 29) / 86_400_000 whatever the zone's offset or DST rules.
import { invariant } from '../assert.ts';

const dayMs = 86_400_000;
/** Intl only speaks Gregorian years 1000-9999 the way Date.UTC reads them back. */
const yearMin = 1000;
const yearMax = 9999;
/**
 * Memoised day starts per zone. Each day costs a handful of Intl calls (~30 µs each) to find,
 * and almost every event falls on a day already seen, so the memo turns the per-event cost
 * into two map reads. Cleared (not evicted one by one) when full: rare, and always correct.
 */
const dayStartMemoEntriesMax = 20_000;
/** Binary search over ±30 h at millisecond resolution needs 38 halvings. */
const searchStepsMax = 64;
/** Real offsets are within -12 h..+14 h (historic LMT a little more): ±30 h always brackets. */
const searchHalfWidthMs = 30 * 3_600_000;

interface ZoneCache {
  readonly formatter: Intl.DateTimeFormat;
  readonly dayStartMsByDay: Map<number, number>;
  /** The offset seen last, used to guess the day of the next instant before checking it. */
  lastOffsetMs: number;
}

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const zoneCaches = new Map<string, ZoneCache>();

/** Whether Intl knows the zone; the canonical spelling when it does ("asia/shanghai" → "Asia/Shanghai"). */
export function canonicalTimeZone(timeZone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function zoneCacheFor(timeZone: string): ZoneCache {
  const cached = zoneCaches.get(timeZone);
  if (cached !== undefined) return cached;
  invariant(
    canonicalTimeZone(timeZone) !== null,
    `unknown time zone "${timeZone}" reached day arithmetic; ladders are validated first`,
  );
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone,
    calendar: 'gregory',
    numberingSystem: 'latn',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  });
  // The number of zones is bounded by the IANA database, so this map needs no eviction.
  const created: ZoneCache = { formatter, dayStartMsByDay: new Map(), lastOffsetMs: 0 };
  zoneCaches.set(timeZone, created);
  return created;
}

function wallClockOf(epochMs: number, zone: ZoneCache): WallClock {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of zone.formatter.formatToParts(epochMs)) {
    if (
      part.type === 'year' ||
      part.type === 'month' ||
      part.type === 'day' ||
      part.type === 'hour' ||
      part.type === 'minute' ||
      part.type === 'second'
    ) {
      fields[part.type] = Number(part.value);
    }
  }
  invariant(
    fields.year >= yearMin && fields.year <= yearMax,
    `instant ${epochMs} is outside the years ${yearMin}-${yearMax}`,
  );
  invariant(
    fields.month >= 1 && fields.day >= 1 && fields.hour < 24,
    `Intl returned an unreadable wall clock for ${epochMs}`,
  );
  return fields;
}

/** Day number straight from Intl, no memo: the ground truth the memoised path is checked against. */
function rawDayNumber(epochMs: number, zone: ZoneCache): number {
  const wall = wallClockOf(epochMs, zone);
  return Date.UTC(wall.year, wall.month - 1, wall.day) / dayMs;
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms (whole seconds). */
function offsetMs(epochMs: number, zone: ZoneCache): number {
  const wall = wallClockOf(epochMs, zone);
  const wallAsUtcMs = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return wallAsUtcMs - Math.floor(epochMs / 1000) * 1000;
}

function isFirstInstantOfDay(epochMs: number, dayNumber: number, zone: ZoneCache): boolean {
  return rawDayNumber(epochMs, zone) === dayNumber && rawDayNumber(epochMs - 1, zone) < dayNumber;
}

function computeStartOfDayMs(dayNumber: number, zone: ZoneCache): number {
  const localMidnightMs = dayNumber * dayMs;
  // Two passes settle the offset on either side of a transition (the usual case: midnight exists).
  let guessMs = localMidnightMs - offsetMs(localMidnightMs, zone);
  guessMs = localMidnightMs - offsetMs(guessMs, zone);
  if (isFirstInstantOfDay(guessMs, dayNumber, zone)) return guessMs;
  // Midnight does not exist that day (DST starting at 00:00, as in America/Santiago): the day
  // starts at the transition. Search for the first instant that belongs to the day.
  let beforeMs = localMidnightMs - searchHalfWidthMs;
  let atOrAfterMs = localMidnightMs + searchHalfWidthMs;
  invariant(
    rawDayNumber(beforeMs, zone) < dayNumber && rawDayNumber(atOrAfterMs, zone) >= dayNumber,
    `cannot bracket the start of day ${dayNumber}`,
  );
  for (let step = 0; atOrAfterMs - beforeMs > 1; step++) {
    invariant(step < searchStepsMax, `start of day ${dayNumber} not found in ${searchStepsMax} steps`);
    const middleMs = beforeMs + Math.floor((atOrAfterMs - beforeMs) / 2);
    if (rawDayNumber(middleMs, zone) >= dayNumber) atOrAfterMs = middleMs;
    else beforeMs = middleMs;
  }
  return atOrAfterMs;
}

/** The first instant (epoch ms) of the given zone day; 23 or 25 hours before the next one across DST. */
export function startOfDayMs(dayNumber: number, timeZone: string): number {
  invariant(Number.isSafeInteger(dayNumber), `day number must be an integer, got ${dayNumber}`);
  const zone = zoneCacheFor(timeZone);
  const memoised = zone.dayStartMsByDay.get(dayNumber);
  if (memoised !== undefined) return memoised;
  const startMs = computeStartOfDayMs(dayNumber, zone);
  if (zone.dayStartMsByDay.size >= dayStartMemoEntriesMax) zone.dayStartMsByDay.clear();
  zone.dayStartMsByDay.set(dayNumber, startMs);
  return startMs;
}

/** The zone day (days since 1970-01-01 in that zone) containing the instant. */
export function dayNumberOf(epochMs: number, timeZone: string): number {
  invariant(Number.isSafeInteger(epochMs), `instant must be integer epoch ms, got ${epochMs}`);
  const zone = zoneCacheFor(timeZone);
  const guess = Math.floor((epochMs + zone.lastOffsetMs) / dayMs);
  // A day is the interval [start(d), start(d+1)); checking the guess and its neighbours
  // against memoised starts is exact and avoids Intl on the hot path.
  for (const candidate of [guess, guess - 1, guess + 1]) {
    if (startOfDayMs(candidate, timeZone) <= epochMs && epochMs < startOfDayMs(candidate + 1, timeZone))
      return candidate;
  }
  zone.lastOffsetMs = offsetMs(epochMs, zone);
  return rawDayNumber(epochMs, zone);
}
