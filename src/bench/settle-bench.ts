// Settlement benchmark (DESIGN §8): a world of users (a random forest plus one deep chain) and
// bets in closed periods, settled from MariaDB to a committed ledger by a fresh process. In
// the same run it measures
//   - the I/O floor: streaming the same inputs (users; the claimed periods' bets) with no work
//     per row, and bulk-inserting as many ledger rows the same way the settlement does;
//   - the classic design: a per-bet upline walk over the same tree, in memory (generous to
//     it: no database round trip per level), time-boxed and extrapolated to every bet;
//   - with scaling points: the same at other sizes and chain depths, with the fitted
//     exponent of time against size (1 = linear).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { createPool } from 'mysql2';
import { openMysqlDatabase } from '../adapters/mysql/connect.ts';
import { deleteRedisKeys } from './bench-env.ts';
import type { SqlDatabase } from '../adapters/sql/database.ts';
import { migrate } from '../adapters/sql/migrate.ts';
import { lineRowsPerStatement } from '../adapters/sql/settlement-lines-insert.ts';
import type { BenchServices } from './bench-env.ts';
import type { SettleChildResult } from './settle-child.ts';
import { runJsonChild } from './json-child.ts';
import { buildSettleTree, settleBets, type SettleWorldShape } from './settle-world.ts';

export interface SettleBenchOptions {
  readonly main: SettleWorldShape;
  readonly classicTimeBoxMs: number;
  /** Extra points for the scaling curve; the main point joins the size curve. */
  readonly scaling?: {
    readonly bySize: readonly SettleWorldShape[];
    readonly byChain: readonly SettleWorldShape[];
  };
}

export interface SettlePointResult extends SettleWorldShape {
  readonly lines: number;
  /** The ledger's total, exact: the same world gives the same figure in every run. */
  readonly totalRebateMinor: string;
  readonly totalMs: number;
  readonly computeMs: number;
  readonly phasesMs: Omit<SettleChildResult['timings'], 'totalMs'>;
  readonly peakRssMb: number;
  readonly floorMs: number;
  readonly floorPhasesMs: { readonly scanUsersMs: number; readonly scanBetsMs: number; readonly insertLinesMs: number };
  readonly ratioToFloor: number;
}

export interface ClassicWalkResult {
  readonly timeBoxMs: number;
  readonly betsWalked: number;
  readonly betsTotal: number;
  readonly stepsWalked: number;
  readonly elapsedMs: number;
  /** elapsedMs × betsTotal / betsWalked: bets are in random order, so the rate holds. */
  readonly extrapolatedMs: number;
  readonly ratioToEngineCompute: number;
}

export interface ScalingCurve {
  readonly points: readonly SettlePointResult[];
  /** Least-squares slope of log(totalMs) on log(size): 1 is linear, 2 quadratic. */
  readonly timeExponent: number;
  readonly computeExponent: number;
}

export interface SettleBenchResult extends SettlePointResult {
  readonly classic: ClassicWalkResult;
  readonly scaling?: {
    readonly byUsers: ScalingCurve;
    readonly byChainDepth: ScalingCurve;
  };
}

export const settleTargets = { ratioToFloor: 3, computeMs: 1_000, peakRssMb: 500 } as const;

const nowMs = Date.UTC(2026, 10, 25, 8);
const game = 'bench';
/** Rows per generated INSERT; values are numbers made here, never outside text. */
const generateRowsPerStatement = 5_000;

async function insertGenerated(
  database: SqlDatabase,
  table: string,
  columns: string,
  rows: Iterable<string>,
): Promise<void> {
  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await sql.raw(`insert into ${table} (${columns}) values ${batch.join(',')}`).execute(database.db);
    batch = [];
  };
  for (const row of rows) {
    batch.push(row);
    if (batch.length >= generateRowsPerStatement) await flush();
  }
  await flush();
}

async function generate(database: SqlDatabase, shape: SettleWorldShape): Promise<void> {
  const { parent, ratePpm } = buildSettleTree(shape);
  await insertGenerated(
    database,
    'users',
    'user_id, parent_id, rebate_rate_ppm, placeholder, registered_at_ms, tags, depth, direct_count, created_at_ms, updated_at_ms',
    (function* () {
      for (let index = 0; index < shape.users; index += 1) {
        const parentId = parent[index] === 0 ? 'null' : String(parent[index]);
        yield `(${index + 1},${parentId},${ratePpm[index]},0,${nowMs},null,0,0,${nowMs},${nowMs})`;
      }
    })(),
  );
  let betId = 0;
  await insertGenerated(
    database,
    'bets',
    'bet_id, user_id, game_id, period_id, amount_minor, placed_at_ms, day, voided_at_ms, ingested_at_ms',
    (function* () {
      for (const bet of settleBets(shape)) {
        betId += 1;
        const voided = bet.voided ? String(nowMs) : 'null';
        yield `(${betId},${bet.userId},'${game}','p${bet.period}',${bet.amountMinor},${nowMs},0,${voided},${nowMs})`;
      }
    })(),
  );
  await insertGenerated(
    database,
    'periods',
    'game_id, period_id, closed_at_ms, received_at_ms, settlement_id',
    Array.from({ length: shape.periods }, (_, period) => `('${game}','p${period}',${nowMs},${nowMs},null)`),
  );
  await sql.raw('analyze table users, bets, periods').execute(database.db);
}

function runChild(databaseUrl: string, redisUrl: string, keyPrefix: string): Promise<SettleChildResult> {
  return runJsonChild<SettleChildResult>(
    new URL('./settle-child.ts', import.meta.url),
    [databaseUrl, redisUrl, keyPrefix],
    'the settling process',
  );
}

/** Streams the inputs with nothing done per row, then bulk-inserts `lineCount` rows into a copy of the ledger table. */
async function measureFloor(
  databaseUrl: string,
  settlementId: string,
  lineCount: number,
): Promise<SettlePointResult['floorPhasesMs'] & { totalMs: number }> {
  const pool = createPool({ uri: databaseUrl, supportBigNumbers: true, bigNumberStrings: true, connectionLimit: 1 });
  const stream = (query: string, parameters: unknown[]): Promise<number> =>
    new Promise((resolve, reject) => {
      let rows = 0;
      pool
        .query(query, parameters)
        .on('result', () => void (rows += 1))
        .on('error', reject)
        .on('end', () => resolve(rows));
    });
  let scanUsersMs: number;
  let scanBetsMs: number;
  try {
    const usersStart = performance.now();
    await stream('select user_id, parent_id, rebate_rate_ppm, placeholder from users', []);
    scanUsersMs = performance.now() - usersStart;
    const betsStart = performance.now();
    await stream(
      'select b.user_id, b.amount_minor from settlement_periods sp join bets b on b.game_id = sp.game_id and b.period_id = sp.period_id where sp.settlement_id = ?',
      [settlementId],
    );
    scanBetsMs = performance.now() - betsStart;
  } finally {
    await new Promise<void>((resolve) => pool.end(() => resolve()));
  }
  const connection = await createConnection({ uri: databaseUrl });
  try {
    await connection.query('drop table if exists floor_lines');
    await connection.query('create table floor_lines like settlement_lines');
    const insertStart = performance.now();
    await connection.query('start transaction');
    for (let start = 0; start < lineCount; start += lineRowsPerStatement) {
      const rows: string[] = [];
      for (let line = start; line < Math.min(lineCount, start + lineRowsPerStatement); line += 1)
        rows.push(`('floor',${line + 1},${line},'${line}000000','0',${line * 3})`);
      await connection.query(
        `insert into floor_lines (settlement_id, beneficiary_id, amount_minor, exact_minor_ppm, capped_minor_ppm, team_turnover_minor) values ${rows.join(',')}`,
      );
    }
    await connection.query('commit');
    const insertLinesMs = performance.now() - insertStart;
    await connection.query('drop table floor_lines');
    return { scanUsersMs, scanBetsMs, insertLinesMs, totalMs: scanUsersMs + scanBetsMs + insertLinesMs };
  } finally {
    await connection.end();
  }
}

/**
 * One point: its own database `name` (and Redis prefix `name:`), generated data, a settling
 * process, then the floor on the same data. The database and keys are removed afterwards.
 */
export async function runSettlePoint(
  services: BenchServices,
  shape: SettleWorldShape,
  log: (message: string) => void,
  name = `bench_settle_${randomBytes(3).toString('hex')}`,
): Promise<SettlePointResult> {
  const serverUrl = services.mysqlServerUrl.replace(/\/$/, '');
  const databaseUrl = `${serverUrl}/${name}`;
  const keyPrefix = `${name}:`;
  const admin = await createConnection({ uri: serverUrl });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const database = openMysqlDatabase({ url: databaseUrl });
    try {
      await migrate(database, nowMs);
      const generateStart = performance.now();
      await generate(database, shape);
      log(
        `settle: ${shape.users} users (${shape.chain}-deep chain), ${shape.bets} bets generated in ${((performance.now() - generateStart) / 1000).toFixed(1)} s`,
      );
    } finally {
      await database.close();
    }
    const settled = await runChild(databaseUrl, services.redisUrl, keyPrefix);
    const floor = await measureFloor(databaseUrl, settled.settlementId, settled.lines);
    const { totalMs, ...phasesMs } = settled.timings;
    log(
      `settle: ${(totalMs / 1000).toFixed(2)} s to a committed ledger of ${settled.lines} lines (compute ${phasesMs.computeMs.toFixed(0)} ms, peak RSS ${settled.peakRssMb} MB); floor ${(floor.totalMs / 1000).toFixed(2)} s`,
    );
    return {
      ...shape,
      lines: settled.lines,
      totalRebateMinor: settled.totalRebateMinor,
      totalMs: Math.round(totalMs),
      computeMs: Math.round(phasesMs.computeMs),
      phasesMs: {
        loadTreeMs: Math.round(phasesMs.loadTreeMs),
        aggregateBetsMs: Math.round(phasesMs.aggregateBetsMs),
        eligibilityMs: Math.round(phasesMs.eligibilityMs),
        computeMs: Math.round(phasesMs.computeMs),
        commitMs: Math.round(phasesMs.commitMs),
      },
      peakRssMb: settled.peakRssMb,
      floorMs: Math.round(floor.totalMs),
      floorPhasesMs: {
        scanUsersMs: Math.round(floor.scanUsersMs),
        scanBetsMs: Math.round(floor.scanBetsMs),
        insertLinesMs: Math.round(floor.insertLinesMs),
      },
      ratioToFloor: totalMs / floor.totalMs,
    };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
    await deleteRedisKeys(services.redisUrl, keyPrefix);
  }
}

/**
 * The classic design: for each bet, walk the upline one node at a time and pay each agent the
 * difference between its rate and the rate below it. Stops at the time box; the bets are in
 * random order, so the rate so far extrapolates to all of them.
 */
export function classicUplineWalk(
  shape: SettleWorldShape,
  timeBoxMs: number,
): Omit<ClassicWalkResult, 'ratioToEngineCompute'> {
  const { parent, ratePpm } = buildSettleTree(shape);
  const earnedMinorPpm = new Float64Array(shape.users);
  const startMs = performance.now();
  let betsWalked = 0;
  let stepsWalked = 0;
  for (const bet of settleBets(shape)) {
    if ((betsWalked & 1023) === 0 && performance.now() - startMs > timeBoxMs) break;
    betsWalked += 1;
    if (bet.voided) continue;
    let node = bet.userId - 1;
    earnedMinorPpm[node] = earnedMinorPpm[node]! + ratePpm[node]! * bet.amountMinor;
    for (let up = parent[node]! - 1; up >= 0; up = parent[up]! - 1) {
      earnedMinorPpm[up] = earnedMinorPpm[up]! + (ratePpm[up]! - ratePpm[node]!) * bet.amountMinor;
      node = up;
      stepsWalked += 1;
    }
  }
  const elapsedMs = performance.now() - startMs;
  return {
    timeBoxMs,
    betsWalked,
    betsTotal: shape.bets,
    stepsWalked,
    elapsedMs: Math.round(elapsedMs),
    extrapolatedMs: Math.round((elapsedMs * shape.bets) / Math.max(1, betsWalked)),
  };
}

/** Least-squares slope of log(y) on log(x). */
export function fittedExponent(points: readonly { x: number; y: number }[]): number {
  const usable = points.filter((point) => point.x > 0 && point.y > 0);
  if (usable.length < 2) return Number.NaN;
  const xs = usable.map((point) => Math.log(point.x));
  const ys = usable.map((point) => Math.log(point.y));
  const meanX = xs.reduce((sum, value) => sum + value, 0) / xs.length;
  const meanY = ys.reduce((sum, value) => sum + value, 0) / ys.length;
  let covariance = 0;
  let variance = 0;
  for (let index = 0; index < xs.length; index += 1) {
    covariance += (xs[index]! - meanX) * (ys[index]! - meanY);
    variance += (xs[index]! - meanX) ** 2;
  }
  return variance === 0 ? Number.NaN : covariance / variance;
}

function curve(points: readonly SettlePointResult[], size: (point: SettlePointResult) => number): ScalingCurve {
  const sorted = [...points].sort((a, b) => size(a) - size(b));
  return {
    points: sorted,
    timeExponent: fittedExponent(sorted.map((point) => ({ x: size(point), y: point.totalMs }))),
    computeExponent: fittedExponent(sorted.map((point) => ({ x: size(point), y: point.computeMs }))),
  };
}

export async function runSettleBench(
  services: BenchServices,
  options: SettleBenchOptions,
  log: (message: string) => void,
): Promise<SettleBenchResult> {
  log(`settle: main point, ${options.main.users} users, ${options.main.bets} bets`);
  const main = await runSettlePoint(services, options.main, log);
  log(`settle: classic per-bet upline walk, time-boxed to ${options.classicTimeBoxMs} ms`);
  const walk = classicUplineWalk(options.main, options.classicTimeBoxMs);
  const classic: ClassicWalkResult = {
    ...walk,
    ratioToEngineCompute: walk.extrapolatedMs / Math.max(1, main.computeMs),
  };
  if (options.scaling === undefined) return { ...main, classic };
  const bySize: SettlePointResult[] = [main];
  for (const shape of options.scaling.bySize) bySize.push(await runSettlePoint(services, shape, log));
  const byChain: SettlePointResult[] = [];
  for (const shape of options.scaling.byChain) byChain.push(await runSettlePoint(services, shape, log));
  return {
    ...main,
    classic,
    scaling: {
      byUsers: curve(bySize, (point) => point.users),
      byChainDepth: curve(byChain, (point) => point.chain),
    },
  };
}
