// Proves zone day numbering: days are the ladder zone's calendar days (not UTC slices), DST
// days are 23 or 25 hours long, a day whose midnight is skipped starts at the transition,
// and the memoised fast path always agrees with Intl read independently.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalTimeZone, dayNumberOf, startOfDayMs } from './zone-day.ts';

const dayMs = 86_400_000;
const hourMs = 3_600_000;
const zones = [
  'UTC',
  'Asia/Shanghai',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Pacific/Kiritimati',
];

/** The zone's calendar date read with a formatter of the test's own, as a day number. */
function intlDayNumber(epochMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(epochMs);
  const field = (type: string): number => Number(parts.find((part) => part.type === type)!.value);
  return Date.UTC(field('year'), field('month') - 1, field('day')) / dayMs;
}

void describe('dayNumberOf', () => {
  void test('given Asia/Shanghai (UTC+8, no DST), when an instant is read, then its day is the UTC day of the instant plus 8 hours', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (epochMs) => {
        assert.equal(dayNumberOf(epochMs, 'Asia/Shanghai'), Math.floor((epochMs + 8 * hourMs) / dayMs));
      }),
    );
  });

  void test('given Asia/Shanghai, when it is 23:59:59.999 and then 00:00 local, then the day number steps by one at local midnight', () => {
    const localMidnightMs = Date.UTC(2026, 10, 25) - 8 * hourMs;
    assert.equal(dayNumberOf(localMidnightMs - 1, 'Asia/Shanghai'), Date.UTC(2026, 10, 24) / dayMs);
    assert.equal(dayNumberOf(localMidnightMs, 'Asia/Shanghai'), Date.UTC(2026, 10, 25) / dayMs);
  });

  void test('given Europe/Berlin on the spring-forward day, when 01:59 CET and 03:00 CEST are read, then both are 29 March and the day lasts 23 hours', () => {
    const day = Date.UTC(2026, 2, 29) / dayMs;
    assert.equal(dayNumberOf(Date.UTC(2026, 2, 29, 0, 59), 'Europe/Berlin'), day); // 01:59 CET
    assert.equal(dayNumberOf(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Berlin'), day); // 03:00 CEST
    assert.equal(startOfDayMs(day, 'Europe/Berlin'), Date.UTC(2026, 2, 28, 23));
    assert.equal(startOfDayMs(day + 1, 'Europe/Berlin'), Date.UTC(2026, 2, 29, 22));
    assert.equal(startOfDayMs(day + 1, 'Europe/Berlin') - startOfDayMs(day, 'Europe/Berlin'), 23 * hourMs);
  });

  void test('given Europe/Berlin on the fall-back day, when the repeated 02:30 is read twice, then both are 25 October and the day lasts 25 hours', () => {
    const day = Date.UTC(2026, 9, 25) / dayMs;
    assert.equal(dayNumberOf(Date.UTC(2026, 9, 25, 0, 30), 'Europe/Berlin'), day); // 02:30 CEST
    assert.equal(dayNumberOf(Date.UTC(2026, 9, 25, 1, 30), 'Europe/Berlin'), day); // 02:30 CET
    assert.equal(dayNumberOf(Date.UTC(2026, 9, 25, 22, 59), 'Europe/Berlin'), day); // 23:59 CET
    assert.equal(dayNumberOf(Date.UTC(2026, 9, 25, 23, 0), 'Europe/Berlin'), day + 1);
    assert.equal(startOfDayMs(day + 1, 'Europe/Berlin') - startOfDayMs(day, 'Europe/Berlin'), 25 * hourMs);
  });

  void test('given America/Santiago where DST skips midnight, when the start of 6 September 2026 is asked, then it is the 01:00 transition instant', () => {
    const day = Date.UTC(2026, 8, 6) / dayMs;
    // 23:59 -04 on 5 September is followed by 01:00 -03 on 6 September: both are 04:00 UTC.
    assert.equal(startOfDayMs(day, 'America/Santiago'), Date.UTC(2026, 8, 6, 4));
    assert.equal(dayNumberOf(Date.UTC(2026, 8, 6, 4) - 1, 'America/Santiago'), day - 1);
  });

  void test('given any zone and instant, when the day is computed (memo or not), then it matches Intl read directly and lies within [start(d), start(d+1))', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2080, 0, 1) }),
        (zone, epochMs) => {
          const day = dayNumberOf(epochMs, zone);
          assert.equal(day, intlDayNumber(epochMs, zone));
          assert.ok(startOfDayMs(day, zone) <= epochMs && epochMs < startOfDayMs(day + 1, zone));
          assert.equal(dayNumberOf(startOfDayMs(day, zone), zone), day);
          assert.equal(dayNumberOf(startOfDayMs(day, zone) - 1, zone), day - 1);
        },
      ),
      { numRuns: 500 },
    );
  });
});

void describe('canonicalTimeZone', () => {
  void test('given zone names, when checked, then IANA names are canonicalised and unknown names are null', () => {
    assert.equal(canonicalTimeZone('asia/shanghai'), 'Asia/Shanghai');
    assert.equal(canonicalTimeZone('Europe/Berlin'), 'Europe/Berlin');
    assert.equal(canonicalTimeZone('Mars/Olympus_Mons'), null);
    assert.equal(canonicalTimeZone(''), null);
  });
});
