// A settlement runner in a process of its own, driven by the fault tests (kill -9, SIGSTOP/
// SIGCONT). Not a test itself. It opens the store the test names (MariaDB + Redis lock, or a
// SQLite file + its own in-memory lock), runs one settlement of everything due, and talks on
// stdio:
//   stdout "started"                      before the run begins
//   stdout "ready <phase> <settlementId>" at SETTLEMENT_CHILD_STOP_AT (after_claim or
//                                         before_commit), then waits for a line "go" on stdin
//   stdout "result <json>" and exit 0, or "error <code> <message>" and exit 1
// Environment: SETTLEMENT_CHILD_MYSQL_URL + SETTLEMENT_CHILD_REDIS_PREFIX, or
// SETTLEMENT_CHILD_SQLITE_PATH; SETTLEMENT_CHILD_LOCK_TTL_MS; SETTLEMENT_CHILD_STOP_AT;
// SETTLEMENT_CHILD_CLOCK_OFFSET_MS (the parent test's clock may run ahead of the system's, and
// the in-memory lock's tokens follow the clock).
import { createInterface } from 'node:readline';
import type { DistributedLock } from '../../src/app/ports/lock.ts';
import type { Clock } from '../../src/app/ports/clock.ts';
import type { SettlementRecord } from '../../src/app/ports/settlement.ts';
import { runSettlement } from '../../src/app/settlement/run-settlement.ts';
import { everyoneEligible, type SettlementHooks } from '../../src/app/settlement/settlement-deps.ts';
import { MemoryLock } from '../../src/adapters/memory/lock.ts';
import { openMysqlDatabase } from '../../src/adapters/mysql/connect.ts';
import { createRedisClient } from '../../src/adapters/redis/client.ts';
import { RedisLock } from '../../src/adapters/redis/lock.ts';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { createSqlSettlementStore } from '../../src/adapters/sql/settlement-repository.ts';
import { createSqlStore } from '../../src/adapters/sql/store.ts';
import { openSqliteDatabase } from '../../src/adapters/sqlite/connect.ts';

const env = process.env;
const stopAt = env['SETTLEMENT_CHILD_STOP_AT'] ?? '';
const lockTtlMs = Number(env['SETTLEMENT_CHILD_LOCK_TTL_MS'] ?? '5000');
const clockOffsetMs = Number(env['SETTLEMENT_CHILD_CLOCK_OFFSET_MS'] ?? '0');
const clock: Clock = { nowMs: () => Date.now() + clockOffsetMs };

const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function stopHere(phase: string, settlement: SettlementRecord): Promise<void> {
  if (stopAt !== phase) return;
  process.stdout.write(`ready ${phase} ${settlement.settlementId}\n`);
  const line = await stdinLines.next();
  if (line.done === true || line.value.trim() !== 'go')
    throw new Error(`expected "go" on stdin, got ${JSON.stringify(line.value)}`);
}

async function main(): Promise<number> {
  let database: SqlDatabase;
  let lock: DistributedLock;
  const mysqlUrl = env['SETTLEMENT_CHILD_MYSQL_URL'];
  if (mysqlUrl !== undefined && mysqlUrl !== '') {
    database = openMysqlDatabase({ url: mysqlUrl });
    lock = new RedisLock(
      await createRedisClient(env['TIERNET_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379', {
        keyPrefix: env['SETTLEMENT_CHILD_REDIS_PREFIX'] ?? '',
      }),
    );
  } else {
    database = openSqliteDatabase({ path: env['SETTLEMENT_CHILD_SQLITE_PATH'] ?? '' });
    lock = new MemoryLock(clock);
  }
  const hooks: SettlementHooks = {
    afterClaim: (settlement) => stopHere('after_claim', settlement),
    beforeCommit: (settlement) => stopHere('before_commit', settlement),
  };
  try {
    process.stdout.write('started\n');
    const outcome = await runSettlement(
      {
        settlements: createSqlSettlementStore(database),
        store: createSqlStore(database),
        lock,
        clock,
        eligibility: everyoneEligible,
        topic: 'tiernet.settlements',
        lockTtlMs,
        runnerName: `child:${process.pid}`,
        hooks,
      },
      { periods: null, adjustmentsAlone: false },
    );
    process.stdout.write(
      `result ${JSON.stringify(outcome.kind === 'busy' ? { kind: 'busy' } : { kind: 'done', settlementId: outcome.claimed?.settlement.settlementId ?? null })}\n`,
    );
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stdout.write(
      `error ${typeof code === 'string' ? code : 'unknown'} ${(error as Error).message.replaceAll('\n', ' ')}\n`,
    );
    return 1;
  } finally {
    await lock.close().catch(() => undefined);
    await database.close().catch(() => undefined);
  }
}

process.exitCode = await main();
process.stdin.destroy();
