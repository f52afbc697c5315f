// The settlement benchmark's point on the real MariaDB + Redis: the ledger it commits for its
// generated world equals the plain per-bet reference, its figures are consistent, and it
// leaves no database and no Redis keys behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'mysql2/promise';
import { runSettlePoint } from '../../src/bench/settle-bench.ts';
import { buildSettleTree, settleBets } from '../../src/bench/settle-world.ts';
import { mysqlServerUrl } from '../support/mysql.ts';
import { keysUnderPrefix, redisUrl } from '../support/redis.ts';
import { referenceSettle } from '../support/rebate-reference.ts';

test('a benchmark point settles its world exactly as the per-bet reference does, then cleans up', async () => {
  const shape = { users: 3_000, chain: 400, bets: 5_000, periods: 3 };
  const name = `tiernet-test_bench_settle_${process.pid}`;
  const messages: string[] = [];
  const point = await runSettlePoint(
    { mysqlServerUrl: mysqlServerUrl(), redisUrl: redisUrl(), kafkaBrokers: 'unused:9092' },
    shape,
    (message) => messages.push(message),
    name,
  );

  const tree = buildSettleTree(shape);
  const reference = referenceSettle(
    {
      parent: [...tree.parent].map((parent) => parent - 1),
      ratePpm: [...tree.ratePpm],
      eligible: new Array<boolean>(shape.users).fill(true),
      capMinor: new Array<bigint | null>(shape.users).fill(null),
    },
    [...settleBets(shape)]
      .filter((bet) => !bet.voided)
      .map((bet) => ({ bettor: bet.userId - 1, amountMinor: BigInt(bet.amountMinor) })),
    { model: 'differential', selfRebate: true },
  );
  assert.equal(point.lines, reference.lines.size);
  assert.equal(point.totalRebateMinor, reference.linesTotalMinor.toString());
  assert.ok(point.totalMs > 0 && point.floorMs > 0 && point.computeMs <= point.totalMs, JSON.stringify(point));
  // totalMs and floorMs are reported rounded to the millisecond; the ratio is of the exact times.
  const [ratioLow, ratioHigh] = [
    (point.totalMs - 0.5) / (point.floorMs + 0.5),
    (point.totalMs + 0.5) / (point.floorMs - 0.5),
  ];
  assert.ok(point.ratioToFloor >= ratioLow && point.ratioToFloor <= ratioHigh, JSON.stringify(point));
  assert.ok(point.peakRssMb > 20 && point.peakRssMb < 2_000, `peak RSS ${point.peakRssMb} MB`);
  assert.ok(messages.some((message) => message.includes(`${shape.users} users`)));

  const connection = await createConnection({ uri: mysqlServerUrl() });
  try {
    const [rows] = await connection.query('show databases like ?', [name]);
    assert.deepEqual(rows, [], 'the benchmark database is dropped');
  } finally {
    await connection.end();
  }
  assert.deepEqual(await keysUnderPrefix(`${name}:`), [], 'the benchmark Redis keys are deleted');
});
