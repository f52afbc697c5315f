// Unit: the demo's platform generator is deterministic per seed, and what it emits is a
// platform tiernet must accept: every event passes the real event parser, parents register
// before children with r(child) <= r(parent), the chain is exactly chainDepth deep, bets are
// skewed towards a few users, and no bet names a period that has already closed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEventObject } from '../../domain/events.ts';
import { parseRatePpm } from '../../domain/rate.ts';
import {
  DemoPlatformGenerator,
  demoDefaults,
  demoGames,
  type DemoPlatformOptions,
  type DemoRecord,
} from './platform-generator.ts';

const startMs = Date.UTC(2026, 10, 25, 8, 0, 0);
const small: DemoPlatformOptions = {
  ...demoDefaults,
  seed: 7,
  users: 2_000,
  chainDepth: 500,
  historyDays: 2,
  historyBetsPerUser: 5,
  startMs,
};

function firstRecords(options: DemoPlatformOptions, count: number, liveSteps: number): DemoRecord[] {
  const generator = new DemoPlatformGenerator(options);
  const records: DemoRecord[] = [];
  for (const chunk of generator.registrations(997)) records.push(...chunk);
  for (const hour of generator.historyHours()) records.push(...hour);
  for (let step = 0; step < liveSteps; step++) records.push(...generator.liveStep());
  return records.slice(0, count);
}

function ratePpmOf(text: string): number {
  const parsed = parseRatePpm(text);
  assert.ok(parsed.ok, `rate ${text} parses`);
  return parsed.value;
}

describe('demo platform generator', () => {
  test('the same seed gives the same records; another seed does not', () => {
    const first = firstRecords(small, 12_000, 40);
    const again = firstRecords(small, 12_000, 40);
    assert.equal(first.length, 12_000, 'enough records to compare');
    assert.deepEqual(again, first, 'same seed, same records in the same order');
    const other = firstRecords({ ...small, seed: 8 }, 12_000, 40);
    assert.notDeepEqual(other, first, 'another seed, another platform');
  });

  test('every record passes the real event parser and is keyed as DESIGN §2 says', () => {
    const records = firstRecords(small, Number.MAX_SAFE_INTEGER, 200);
    for (const record of records) {
      const parsed = parseEventObject(record.event, { currency: 'CNY', nowMs: startMs + 60_000 });
      assert.ok(parsed.ok, `event parses: ${JSON.stringify(record.event)} ${parsed.ok ? '' : parsed.message}`);
      if (record.event.type === 'period.closed')
        assert.equal(record.key, record.event.gameId, 'periods are keyed by game');
      else if (record.event.type !== 'bet.voided')
        assert.equal(record.key, record.event.userId, 'users and bets are keyed by user');
    }
  });

  test('parents register before children, rates never rise down the tree, and the chain is exactly chainDepth deep', () => {
    const generator = new DemoPlatformGenerator(small);
    const rateOf = new Map<string, number>();
    const parentOf = new Map<string, string | null>();
    for (const chunk of generator.registrations(1_000)) {
      for (const record of chunk) {
        assert.equal(record.event.type, 'user.registered', 'registrations come first');
        if (record.event.type !== 'user.registered') continue;
        const { userId, parentId, rebateRate } = record.event;
        assert.ok(!rateOf.has(userId), `user ${userId} registers once`);
        const ratePpm = ratePpmOf(rebateRate);
        if (parentId !== null) {
          const parentRate = rateOf.get(parentId);
          assert.ok(parentRate !== undefined, `parent ${parentId} of ${userId} registered before it`);
          assert.ok(ratePpm <= parentRate, `r(${userId}) <= r(${parentId})`);
        }
        rateOf.set(userId, ratePpm);
        parentOf.set(userId, parentId);
      }
    }
    assert.equal(rateOf.size, generator.initialUserCount, 'every initial user registered');
    const summary = generator.summary();
    let depth = 0;
    let current: string | null = summary.chainDeepestId;
    for (let guard = 0; guard <= small.chainDepth + 1 && current !== summary.chainRootId; guard++) {
      current = parentOf.get(current ?? '') ?? null;
      depth++;
    }
    assert.equal(current, summary.chainRootId, 'the deepest chain user reaches the chain root');
    assert.equal(depth, small.chainDepth, 'the chain has chainDepth ancestors above its deepest user');
  });

  test('activity is skewed: the top 1% of bettors place a large share of bets, the deepest chain user bets', () => {
    const generator = new DemoPlatformGenerator({ ...small, historyDays: 7 });
    for (const chunk of generator.registrations(5_000)) void chunk;
    const betsByUser = new Map<string, number>();
    let bets = 0;
    for (const hour of generator.historyHours()) {
      for (const record of hour) {
        if (record.event.type !== 'bet.placed') continue;
        bets++;
        betsByUser.set(record.event.userId, (betsByUser.get(record.event.userId) ?? 0) + 1);
      }
    }
    const counts = [...betsByUser.values()].sort((left, right) => right - left);
    const topCount = Math.ceil((small.users + small.chainDepth / 50) / 100);
    const topShare = counts.slice(0, topCount).reduce((sum, value) => sum + value, 0) / bets;
    assert.ok(topShare > 0.25, `top 1% place ${(topShare * 100).toFixed(1)}% of bets (want > 25%)`);
    assert.ok((betsByUser.get(generator.summary().chainDeepestId) ?? 0) > 0, 'the deepest chain user placed bets');
  });

  test('live steps stay in their window, and no bet names a period that already closed', () => {
    const generator = new DemoPlatformGenerator({ ...small, liveBetsPerSecond: 400 });
    const closed = new Set<string>();
    const closesByGame = new Map<string, number[]>();
    let lastMs = -Infinity;
    for (let step = 0; step < 200; step++) {
      const fromMs = generator.liveCursorMs;
      for (const record of generator.liveStep()) {
        const event = record.event;
        const atMs = Date.parse(
          event.type === 'bet.placed'
            ? event.placedAt
            : event.type === 'bet.voided'
              ? event.voidedAt
              : event.type === 'period.closed'
                ? event.closedAt
                : event.registeredAt,
        );
        assert.ok(atMs >= fromMs && atMs <= fromMs + small.stepMs, 'event time inside its step');
        assert.ok(atMs >= lastMs, 'records come in time order');
        lastMs = atMs;
        if (event.type === 'bet.placed')
          assert.ok(!closed.has(`${event.gameId}/${event.periodId}`), `bet ${event.betId} names an open period`);
        if (event.type === 'period.closed') {
          const key = `${event.gameId}/${event.periodId}`;
          assert.ok(!closed.has(key), `period ${key} closes once`);
          closed.add(key);
          closesByGame.set(event.gameId, [...(closesByGame.get(event.gameId) ?? []), atMs]);
        }
      }
    }
    for (const game of demoGames) {
      const closes = closesByGame.get(game.gameId) ?? [];
      assert.ok(
        closes.length >= Math.floor((200 * small.stepMs) / game.livePeriodMs) - 1,
        `${game.gameId} closes a period every ${game.livePeriodMs} ms`,
      );
      for (let index = 1; index < closes.length; index++)
        assert.equal(
          (closes[index] as number) - (closes[index - 1] as number),
          game.livePeriodMs,
          `${game.gameId} periods are evenly spaced`,
        );
    }
  });
});
