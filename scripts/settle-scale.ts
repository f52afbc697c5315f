// Settlement at scale on MariaDB + Redis (DESIGN §8): 1M users (a random forest plus a
// 100k-deep chain) and 1M bets, DB to committed ledger. Measures the total, each phase (load
// tree, aggregate bets, eligibility, compute, commit = insert lines), peak RSS of the
// settling process, and the I/O floor: streaming the same inputs (users; the claimed bets)
// and bulk-inserting as many ledger rows into a scratch table, with no work in between.
//
//   node --import tsx scripts/settle-scale.ts [--users 1000000] [--chain 100000] [--bets 1000000]
//        [--periods 10] [--mysql mysql://root@127.0.0.1:3306] [--redis redis://127.0.0.1:6379]
//        [--keep] [--classic]
//
// The data is generated with bulk inserts into a database of its own (dropped at the end
// unless --keep); the settlement then runs in a fresh child process, so its peak RSS is the
// settlement's alone. --classic also times the per-bet upline walk (the classic design) over
// the same tree in memory, for the ratio.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { createPool } from 'mysql2';
import { systemClock } from '../src/app/ports/clock.ts';
import { runSettlement } from '../src/app/settlement/run-settlement.ts';
import { everyoneEligible } from '../src/app/settlement/settlement-deps.ts';
import { openMysqlDatabase } from '../src/adapters/mysql/connect.ts';
import { createRedisClient, closeRedisClient } from '../src/adapters/redis/client.ts';
import { RedisLock } from '../src/adapters/redis/lock.ts';
import type { SqlDatabase } from '../src/adapters/sql/database.ts';
import { migrate } from '../src/adapters/sql/migrate.ts';
import { createSqlSettlementStore } from '../src/adapters/sql/settlement-repository.ts';
import { createSqlStore } from '../src/adapters/sql/store.ts';

interface Options {
  readonly users: number;
  readonly chain: number;
  readonly bets: number;
  readonly periods: number;
  readonly mysql: string;
  readonly redis: string;
  readonly keep: boolean;
  readonly classic: boolean;
  readonly role: 'main' | 'settle';
  readonly database: string;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string, fallback: string): string => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 && argv[index + 1] !== undefined ? argv[index + 1]! : fallback;
  };
  return {
    users: Number(value('users', '1000000')),
    chain: Number(value('chain', '100000')),
    bets: Number(value('bets', '1000000')),
    periods: Number(value('periods', '10')),
    mysql: value('mysql', process.env['TIERNET_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, ''),
    redis: value('redis', process.env['TIERNET_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379'),
    keep: argv.includes('--keep'),
    classic: argv.includes('--classic'),
    role: argv.includes('--role-settle') ? 'settle' : 'main',
    database: value('database', 'tiernet_settle_scale'),
  };
}

const log = (message: string): void => void process.stderr.write(`settle-scale: ${message}\n`);
const nowMs = Date.UTC(2026, 10, 25, 8);
const game = 'scale';

/** mulberry32: the same data for the same options. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Parent (0 = none) and rate of user i+1: ids 1..chain are the chain (1 the root), the rest a forest. */
function buildTree(options: Options): { parent: Int32Array; ratePpm: Int32Array } {
  const random = seededRandom(42);
  const parent = new Int32Array(options.users);
  const ratePpm = new Int32Array(options.users);
  for (let index = 0; index < options.users; index += 1) {
    if (index < options.chain) {
      parent[index] = index; // user index+1's parent is user index (0: a root)
      ratePpm[index] = 150_000 - index;
      continue;
    }
    // A forest over the non-chain users: 1% roots, else a uniformly random earlier user
    // (shallow, bushy trees), with rates falling by a random share per level.
    const isRoot = index === options.chain || random() < 0.01;
    const parentIndex = isRoot ? -1 : options.chain + Math.floor(random() * (index - options.chain));
    parent[index] = parentIndex + 1;
    ratePpm[index] = isRoot
      ? 100_000 + Math.floor(random() * 50_000)
      : Math.floor(ratePpm[parentIndex]! * (0.6 + random() * 0.4));
  }
  return { parent, ratePpm };
}

async function insertText(
  database: SqlDatabase,
  table: string,
  columns: string,
  rows: Iterable<string>,
  rowsPerStatement = 5_000,
): Promise<void> {
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await sql.raw(`insert into ${table} (${columns}) values ${batch.join(',')}`).execute(database.db);
    batch = [];
  };
  for (const row of rows) {
    batch.push(row);
    if (batch.length >= rowsPerStatement) await flush();
  }
  await flush();
}

async function generate(options: Options, database: SqlDatabase): Promise<void> {
  const startMs = performance.now();
  const { parent, ratePpm } = buildTree(options);
  await insertText(
    database,
    'users',
    'user_id, parent_id, rebate_rate_ppm, placeholder, registered_at_ms, tags, depth, direct_count, created_at_ms, updated_at_ms',
    (function* () {
      for (let index = 0; index < options.users; index += 1) {
        yield `(${index + 1},${parent[index] === 0 ? 'null' : parent[index]},${ratePpm[index]},0,${nowMs},null,0,0,${nowMs},${nowMs})`;
      }
    })(),
  );
  log(`${options.users} users inserted in ${((performance.now() - startMs) / 1000).toFixed(1)} s`);
  const betsStartMs = performance.now();
  const random = seededRandom(7);
  // The deepest chain user places 1% of the bets, so the whole chain is paid in every run.
  await insertText(
    database,
    'bets',
    'bet_id, user_id, game_id, period_id, amount_minor, placed_at_ms, day, voided_at_ms, ingested_at_ms',
    (function* () {
      for (let index = 0; index < options.bets; index += 1) {
        const bettor = random() < 0.01 && options.chain > 0 ? options.chain : 1 + Math.floor(random() * options.users);
        const amountMinor = 10_000 + Math.floor(random() * 9_990_000);
        const period = Math.floor(random() * options.periods);
        const voided = random() < 0.01 ? nowMs : 'null';
        yield `(${index + 1},${bettor},'${game}','p${period}',${amountMinor},${nowMs},0,${voided},${nowMs})`;
      }
    })(),
  );
  log(`${options.bets} bets inserted in ${((performance.now() - betsStartMs) / 1000).toFixed(1)} s`);
  await insertText(
    database,
    'periods',
    'game_id, period_id, closed_at_ms, received_at_ms, settlement_id',
    Array.from({ length: options.periods }, (_, period) => `('${game}','p${period}',${nowMs},${nowMs},null)`),
  );
  await sql.raw('analyze table users, bets, periods').execute(database.db);
}

/** The I/O floor: stream the inputs with nothing done per row, and bulk-insert as many ledger rows. */
async function measureFloor(
  options: Options,
  url: string,
  settlementId: string,
  lineCount: number,
): Promise<Record<string, number>> {
  const pool = createPool({ uri: url, supportBigNumbers: true, bigNumberStrings: true, connectionLimit: 1 });
  const stream = (query: string, parameters: unknown[]): Promise<number> =>
    new Promise((resolve, reject) => {
      let rows = 0;
      pool
        .query(query, parameters)
        .on('result', () => void (rows += 1))
        .on('error', reject)
        .on('end', () => resolve(rows));
    });
  const scanUsersStart = performance.now();
  const users = await stream('select user_id, parent_id, rebate_rate_ppm, placeholder from users', []);
  const scanUsersMs = performance.now() - scanUsersStart;
  const scanBetsStart = performance.now();
  const bets = await stream(
    'select b.user_id, b.amount_minor from settlement_periods sp join bets b on b.game_id = sp.game_id and b.period_id = sp.period_id where sp.settlement_id = ?',
    [settlementId],
  );
  const scanBetsMs = performance.now() - scanBetsStart;
  const connection = await createConnection({ uri: url });
  await connection.query('drop table if exists floor_lines');
  await connection.query('create table floor_lines like settlement_lines');
  const insertStart = performance.now();
  await connection.query('start transaction');
  for (let start = 0; start < lineCount; start += 4_000) {
    const rows: string[] = [];
    for (let line = start; line < Math.min(lineCount, start + 4_000); line += 1)
      rows.push(`('floor',${line + 1},${line},'${line}000000','0',${line * 3})`);
    await connection.query(
      `insert into floor_lines (settlement_id, beneficiary_id, amount_minor, exact_minor_ppm, capped_minor_ppm, team_turnover_minor) values ${rows.join(',')}`,
    );
  }
  await connection.query('commit');
  const insertLinesMs = performance.now() - insertStart;
  await connection.query('drop table floor_lines');
  await connection.end();
  await new Promise<void>((resolve) => pool.end(() => resolve()));
  log(`floor: scanned ${users} users and ${bets} bets, inserted ${lineCount} rows`);
  void options;
  return { scanUsersMs, scanBetsMs, insertLinesMs, totalMs: scanUsersMs + scanBetsMs + insertLinesMs };
}

/** The classic design, for the ratio: walk each bet's upline one node at a time (differential, self rebate). */
function classicWalkMs(options: Options): { elapsedMs: number; steps: number } {
  const { parent, ratePpm } = buildTree(options);
  const random = seededRandom(7);
  const earnedMinorPpm = new Float64Array(options.users);
  const startMs = performance.now();
  let steps = 0;
  for (let index = 0; index < options.bets; index += 1) {
    const bettor = random() < 0.01 && options.chain > 0 ? options.chain : 1 + Math.floor(random() * options.users);
    const amountMinor = 10_000 + Math.floor(random() * 9_990_000);
    random();
    if (random() < 0.01) continue;
    let node = bettor - 1;
    earnedMinorPpm[node] = earnedMinorPpm[node]! + ratePpm[node]! * amountMinor;
    for (let up = parent[node]! - 1; up >= 0; up = parent[up]! - 1) {
      earnedMinorPpm[up] = earnedMinorPpm[up]! + (ratePpm[up]! - ratePpm[node]!) * amountMinor;
      node = up;
      steps += 1;
    }
  }
  return { elapsedMs: performance.now() - startMs, steps };
}

async function settleRole(options: Options): Promise<void> {
  const url = `${options.mysql}/${options.database}`;
  const database = openMysqlDatabase({ url });
  const redis = await createRedisClient(options.redis, { keyPrefix: `settle-scale:${process.pid}:` });
  const lock = new RedisLock(redis);
  try {
    const startMs = performance.now();
    let lastPhase = '';
    const outcome = await runSettlement(
      {
        settlements: createSqlSettlementStore(database),
        store: createSqlStore(database),
        lock,
        clock: systemClock,
        eligibility: everyoneEligible,
        topic: 'tiernet.settlements',
        lockTtlMs: 30_000,
        runnerName: 'settle-scale',
      },
      {
        periods: null,
        adjustmentsAlone: false,
        onProgress: (progress) => {
          if (progress.phase !== lastPhase)
            log(`${((performance.now() - startMs) / 1000).toFixed(2)} s: ${progress.phase}`);
          lastPhase = progress.phase;
        },
      },
    );
    const wallMs = performance.now() - startMs;
    if (outcome.kind !== 'done' || outcome.claimed === null)
      throw new Error(`nothing settled: ${JSON.stringify(outcome.kind)}`);
    const report = outcome.claimed;
    const rssMaxMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
      `${JSON.stringify({
        settlementId: report.settlement.settlementId,
        status: report.settlement.status,
        users: report.users,
        bettors: report.bettors,
        lines: report.settlement.lineCount,
        beneficiaries: report.settlement.beneficiaries,
        totalRebateMinor: report.settlement.totalRebateMinor.toString(),
        arithmetic: report.arithmetic,
        timings: report.timings,
        wallMs,
        rssMaxMb,
      })}\n`,
    );
  } finally {
    await closeRedisClient(redis);
    await database.close();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.role === 'settle') return settleRole(options);

  const admin = await createConnection({ uri: options.mysql });
  await admin.query(`drop database if exists \`${options.database}\``);
  await admin.query(`create database \`${options.database}\` character set utf8mb4 collate utf8mb4_bin`);
  const url = `${options.mysql}/${options.database}`;
  const database = openMysqlDatabase({ url });
  try {
    await migrate(database, nowMs);
    log(
      `generating ${options.users} users (${options.chain}-deep chain) and ${options.bets} bets over ${options.periods} periods`,
    );
    await generate(options, database);

    log('settling in a fresh process');
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        ...process.argv.slice(2),
        '--role-settle',
        '--database',
        options.database,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    if (child.status !== 0) throw new Error(`the settling process failed with ${child.status}`);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as {
      settlementId: string;
      lines: number;
      wallMs: number;
      timings: Record<string, number>;
    };
    const floor = await measureFloor(options, url, result.settlementId, result.lines);
    const classic = options.classic ? classicWalkMs(options) : null;
    const summary = {
      settlement: result,
      floor,
      ratioToFloor: result.timings['totalMs']! / floor['totalMs']!,
      ...(classic === null
        ? {}
        : { classic, computeRatioClassicToEngine: classic.elapsedMs / result.timings['computeMs']! }),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await database.close();
    if (!options.keep) await admin.query(`drop database if exists \`${options.database}\``);
    await admin.end();
  }
}

await main();
