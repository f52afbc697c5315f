// Settlement test fixture over the two backend pairs tiernet runs on: SQLite with the
// in-memory lock, and MariaDB with the Redis lock (own database and key prefix per file, both
// dropped at the end). Rows are seeded with bulk inserts so a test states a tree and bets
// directly; ingest has its own tests, and the settlement tests that need it call it.
import { sql } from 'kysely';
import type { Clock } from '../../src/app/ports/clock.ts';
import type { DistributedLock } from '../../src/app/ports/lock.ts';
import type { SettlementStore } from '../../src/app/ports/settlement.ts';
import type { LedgerLineRow, Store } from '../../src/app/ports/store.ts';
import { everyoneEligible, type SettlementDependencies } from '../../src/app/settlement/settlement-deps.ts';
import { MemoryLock } from '../../src/adapters/memory/lock.ts';
import { RedisLock } from '../../src/adapters/redis/lock.ts';
import { insertRows, type SqlDatabase } from '../../src/adapters/sql/database.ts';
import { createSqlSettlementStore } from '../../src/adapters/sql/settlement-repository.ts';
import { openStoreFixture, type StoreFixture } from './backends.ts';
import { connectTestRedis, deleteKeysUnderPrefix, uniqueKeyPrefix } from './redis.ts';

export type SettlementBackend = 'sqlite+memory' | 'mysql+redis';
export const settlementBackends: readonly SettlementBackend[] = ['sqlite+memory', 'mysql+redis'];

/** A clock tests can move forward, so the in-memory lock's leases expire without sleeping. */
export interface MovableClock extends Clock {
  advance(ms: number): void;
  /** How far ahead of the system clock it runs (for a child process that must agree). */
  readonly offsetMs: number;
}

export function movableClock(): MovableClock {
  let offsetMs = 0;
  return {
    nowMs: () => Date.now() + offsetMs,
    advance(ms) {
      offsetMs += ms;
    },
    get offsetMs() {
      return offsetMs;
    },
  };
}

export interface SeedUser {
  readonly userId: string;
  readonly parentId: string | null;
  readonly ratePpm: number;
  readonly placeholder?: boolean;
}

export interface SeedBet {
  readonly betId: string;
  readonly userId: string;
  readonly gameId: string;
  readonly periodId: string;
  readonly amountMinor: bigint;
  readonly voided?: boolean;
}

export interface SettlementFixture {
  readonly backend: SettlementBackend;
  readonly store: Store;
  readonly database: SqlDatabase;
  readonly settlements: SettlementStore;
  readonly clock: MovableClock;
  /** A lock on the fixture's backend; each call opens a new client (a separate "process"). */
  openLock(): Promise<DistributedLock>;
  deps(lock: DistributedLock, overrides?: Partial<SettlementDependencies>): SettlementDependencies;
  seedUsers(users: readonly SeedUser[]): Promise<void>;
  seedBets(bets: readonly SeedBet[]): Promise<void>;
  closePeriods(periods: readonly { gameId: string; periodId: string }[]): Promise<void>;
  /** Every line of a settlement, by beneficiary id, read through the ledger's own pages. */
  ledger(settlementId: string): Promise<Map<string, LedgerLineRow>>;
  /** For child processes: the MySQL URL and Redis key prefix (mysql+redis), or the SQLite file. */
  readonly mysqlUrl: string | undefined;
  readonly redisKeyPrefix: string | undefined;
  readonly sqlitePath: string | undefined;
  cleanup(): Promise<void>;
}

const seedTimeMs = Date.UTC(2026, 10, 25, 8);
const rowsPerInsert = 5_000;

export async function openSettlementFixture(backend: SettlementBackend, fileTag: string): Promise<SettlementFixture> {
  const storeFixture: StoreFixture = await openStoreFixture(backend === 'sqlite+memory' ? 'sqlite' : 'mysql', fileTag);
  const { database, store } = storeFixture;
  const clock = movableClock();
  const locks: DistributedLock[] = [];
  const redisKeyPrefix = backend === 'mysql+redis' ? uniqueKeyPrefix(fileTag) : undefined;
  // One in-memory lock per fixture: in-process "holders" share it as processes share Redis.
  const memoryLock = new MemoryLock(clock);
  const settlements = createSqlSettlementStore(database);
  let sqlitePath: string | undefined;
  if (backend === 'sqlite+memory') {
    const files = await sql<{ name: string; file: string }>`pragma database_list`.execute(database.db);
    sqlitePath = files.rows.find((row) => row.name === 'main')?.file;
  }

  return {
    backend,
    store,
    database,
    settlements,
    clock,
    mysqlUrl: storeFixture.url,
    redisKeyPrefix,
    sqlitePath,
    async openLock() {
      if (redisKeyPrefix === undefined) return memoryLock;
      const lock = new RedisLock(await connectTestRedis(redisKeyPrefix));
      locks.push(lock);
      return lock;
    },
    deps(lock, overrides = {}) {
      return {
        settlements,
        store,
        lock,
        clock,
        eligibility: everyoneEligible,
        topic: 'tiernet.settlements',
        lockTtlMs: 5_000,
        runnerName: `test:${process.pid}`,
        ...overrides,
      };
    },
    async seedUsers(users) {
      for (let start = 0; start < users.length; start += rowsPerInsert) {
        await insertRows(
          database,
          database.db,
          'users',
          [
            'user_id',
            'parent_id',
            'rebate_rate_ppm',
            'placeholder',
            'registered_at_ms',
            'tags',
            'depth',
            'direct_count',
            'created_at_ms',
            'updated_at_ms',
          ],
          users
            .slice(start, start + rowsPerInsert)
            .map((user) => [
              user.userId,
              user.parentId,
              user.ratePpm,
              user.placeholder ? 1 : 0,
              seedTimeMs,
              null,
              0,
              0,
              seedTimeMs,
              seedTimeMs,
            ]),
          '',
        );
      }
    },
    async seedBets(bets) {
      for (let start = 0; start < bets.length; start += rowsPerInsert) {
        await insertRows(
          database,
          database.db,
          'bets',
          [
            'bet_id',
            'user_id',
            'game_id',
            'period_id',
            'amount_minor',
            'placed_at_ms',
            'day',
            'voided_at_ms',
            'ingested_at_ms',
          ],
          bets
            .slice(start, start + rowsPerInsert)
            .map((bet) => [
              bet.betId,
              bet.userId,
              bet.gameId,
              bet.periodId,
              bet.amountMinor,
              seedTimeMs,
              0,
              bet.voided ? seedTimeMs : null,
              seedTimeMs,
            ]),
          '',
        );
      }
    },
    async closePeriods(periods) {
      await store.periods.insertClosed(
        periods.map((period) => ({ ...period, closedAtMs: seedTimeMs })),
        seedTimeMs,
      );
    },
    async ledger(settlementId) {
      const lines = new Map<string, LedgerLineRow>();
      let cursor: string | null = null;
      for (let page = 0; page < 100_000; page += 1) {
        const result = await store.ledger.linesPage(settlementId, cursor, 1_000);
        for (const line of result.items) {
          if (lines.has(line.beneficiaryId))
            throw new Error(`beneficiary ${line.beneficiaryId} has two lines in ${settlementId}`);
          lines.set(line.beneficiaryId, line);
        }
        cursor = result.nextCursor;
        if (cursor === null) return lines;
      }
      throw new Error('ledger paging did not end');
    },
    async cleanup() {
      for (const lock of locks) await lock.close().catch(() => undefined);
      if (redisKeyPrefix !== undefined) await deleteKeysUnderPrefix(redisKeyPrefix);
      await storeFixture.cleanup();
    },
  };
}
