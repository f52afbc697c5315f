// The settling process of the settlement benchmark: runs one settlement of every closed period
// in a database the parent prepared, then prints one JSON line (timings, line count, peak
// RSS) on stdout. A process of its own, so its peak RSS is the settlement's alone.
//
//   node --import tsx src/bench/settle-child.ts <mysql url> <redis url> <redis key prefix>
import { systemClock } from '../app/ports/clock.ts';
import { runSettlement, type SettlementTimings } from '../app/settlement/run-settlement.ts';
import { everyoneEligible } from '../app/settlement/settlement-deps.ts';
import { openMysqlDatabase } from '../adapters/mysql/connect.ts';
import { closeRedisClient, createRedisClient } from '../adapters/redis/client.ts';
import { RedisLock } from '../adapters/redis/lock.ts';
import { createSqlSettlementStore } from '../adapters/sql/settlement-repository.ts';
import { createSqlStore } from '../adapters/sql/store.ts';

export interface SettleChildResult {
  readonly settlementId: string;
  readonly lines: number;
  readonly beneficiaries: number;
  readonly users: number;
  readonly bettors: number;
  readonly totalRebateMinor: string;
  readonly arithmetic: string | null;
  readonly timings: SettlementTimings;
  readonly peakRssMb: number;
}

async function settleOnce(databaseUrl: string, redisUrl: string, keyPrefix: string): Promise<SettleChildResult> {
  const database = openMysqlDatabase({ url: databaseUrl });
  const redis = await createRedisClient(redisUrl, { keyPrefix });
  try {
    const outcome = await runSettlement(
      {
        settlements: createSqlSettlementStore(database),
        store: createSqlStore(database),
        lock: new RedisLock(redis),
        clock: systemClock,
        eligibility: everyoneEligible,
        topic: 'tiernet.settlements',
        lockTtlMs: 60_000,
        runnerName: 'tiernet-bench',
      },
      { periods: null, adjustmentsAlone: false },
    );
    if (outcome.kind !== 'done' || outcome.claimed === null || outcome.claimed.timings === null)
      throw new Error(`the benchmark settlement did not run: ${outcome.kind}`);
    const report = outcome.claimed;
    const timings = outcome.claimed.timings;
    if (report.settlement.status !== 'committed')
      throw new Error(`the benchmark settlement ended ${report.settlement.status}`);
    return {
      settlementId: report.settlement.settlementId,
      lines: report.settlement.lineCount,
      beneficiaries: report.settlement.beneficiaries,
      users: report.users,
      bettors: report.bettors,
      totalRebateMinor: report.settlement.totalRebateMinor.toString(),
      arithmetic: report.arithmetic,
      timings,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await closeRedisClient(redis);
    await database.close();
  }
}

const [databaseUrl, redisUrl, keyPrefix] = process.argv.slice(2);
if (databaseUrl === undefined || redisUrl === undefined || keyPrefix === undefined) {
  process.stderr.write('usage: settle-child.ts <mysql url> <redis url> <redis key prefix>\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${JSON.stringify(await settleOnce(databaseUrl, redisUrl, keyPrefix))}\n`);
}
