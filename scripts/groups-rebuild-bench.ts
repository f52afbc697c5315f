// Rule-edit diff over a large population on MariaDB, in bounded memory (DESIGN.md §4: "a rule
// edit runs a diff over all users in bounded batches"). Builds N users with VIP levels, tags,
// registration times, lifetime totals and day buckets in a database of its own (generated
// inside MariaDB from its sequence engine, so the setup costs this process no memory), then
// times two full diffs through the real use cases: the first fill of a new dynamic group and
// a rule edit that both adds and removes members. RSS is sampled every 20 ms while each diff
// runs; the process peak (getrusage maxRSS) is reported too. Prints one JSON object.
//
//   node --import tsx scripts/groups-rebuild-bench.ts [--users 100000] [--batch 1000]
//
// Needs MariaDB at TIERNET_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306); the database
// is dropped at the end.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { sql } from 'kysely';
import { openMysqlDatabase } from '../src/adapters/mysql/connect.ts';
import { migrate } from '../src/adapters/sql/migrate.ts';
import { createSqlStore } from '../src/adapters/sql/store.ts';
import { GroupCatalog } from '../src/app/groups/group-catalog.ts';
import { createGroup, replaceGroup } from '../src/app/groups/groups-admin.ts';
import type { GroupsDependencies } from '../src/app/groups/groups-deps.ts';
import { LadderSource } from '../src/app/vip/ladder-source.ts';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} takes a positive integer`);
  return value;
}

const users = option('users', 100_000);
const batchSize = option('batch', 1_000);
const dayMs = 86_400_000;
const nowMs = Date.UTC(2026, 10, 25, 12);
const today = Math.floor(nowMs / dayMs);
const windowDays = [1, 7, 30, 90];
const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function measured<T>(
  work: () => Promise<T>,
): Promise<{ result: T; elapsedMs: number; rssBeforeMiB: number; rssPeakMiB: number; heapPeakMiB: number }> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let heapPeak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    rssPeak = Math.max(rssPeak, usage.rss);
    heapPeak = Math.max(heapPeak, usage.heapUsed);
  }, 20);
  const startedMs = performance.now();
  try {
    const result = await work();
    const usage = process.memoryUsage();
    rssPeak = Math.max(rssPeak, usage.rss);
    heapPeak = Math.max(heapPeak, usage.heapUsed);
    return {
      result,
      elapsedMs: Math.round(performance.now() - startedMs),
      rssBeforeMiB: mib(rssBefore),
      rssPeakMiB: mib(rssPeak),
      heapPeakMiB: mib(heapPeak),
    };
  } finally {
    clearInterval(sampler);
  }
}

async function main(): Promise<void> {
  const serverUrl = (process.env.TIERNET_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');
  const name = `bench_groups_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({ uri: serverUrl });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const database = openMysqlDatabase({ url: `${serverUrl}/${name}` });
  try {
    await migrate(database, nowMs);
    const db = database.db;
    const setupStartedMs = performance.now();
    // A ten-way tree (parent = id div 10), every 7th user tagged vip, registrations over 400 days.
    await sql`INSERT INTO users (user_id, parent_id, rebate_rate_ppm, placeholder, registered_at_ms, tags, depth, direct_count, created_at_ms, updated_at_ms)
      SELECT seq, CASE WHEN seq < 10 THEN NULL ELSE seq DIV 10 END, 0, 0, ${nowMs} - (seq MOD 400) * ${dayMs},
        CASE WHEN seq MOD 7 = 0 THEN '["vip"]' ELSE NULL END, CHAR_LENGTH(seq) - 1, 0, ${nowMs}, ${nowMs}
      FROM ${sql.raw(`seq_1_to_${users}`)}`.execute(db);
    // Every 5th user has a VIP state, levels 0-2.
    await sql`INSERT INTO vip_states (user_id, level, level_since_ms, status, seq, changed_at_ms, ladder_version, updated_at_ms)
      SELECT seq, seq MOD 3, ${nowMs}, 'ok', 0, ${nowMs}, 0, ${nowMs} FROM ${sql.raw(`seq_1_to_${users}`)} WHERE seq MOD 5 = 0`.execute(
      db,
    );
    // Every 2nd user has bet: lifetime totals and one day bucket in the last 40 days.
    await sql`INSERT INTO user_totals (user_id, turnover_minor, bet_count)
      SELECT seq, (seq MOD 1000) * 10000, 1 FROM ${sql.raw(`seq_1_to_${users}`)} WHERE seq MOD 2 = 0`.execute(db);
    await sql`INSERT INTO metric_days (user_id, day, turnover_minor, bet_count)
      SELECT seq, ${today} - (seq MOD 40), (seq MOD 1000) * 10000, 1 FROM ${sql.raw(`seq_1_to_${users}`)} WHERE seq MOD 2 = 0`.execute(
      db,
    );
    const setupMs = Math.round(performance.now() - setupStartedMs);

    const store = createSqlStore(database);
    await store.ladders.insert({
      version: 1,
      document: JSON.stringify({
        timezone: 'UTC',
        levels: [
          { level: 0, name: 'M' },
          { level: 1, name: 'B', promote: { turnoverLifetime: '100' } },
          { level: 2, name: 'S', promote: { turnoverLifetime: '500' } },
        ],
      }),
      actor: 'bench',
      createdAtMs: nowMs,
    });
    const batches: number[] = [];
    const deps: GroupsDependencies = {
      store,
      clock: { nowMs: () => nowMs },
      ladders: new LadderSource(windowDays),
      windowDays,
      topic: 'tiernet.group-changes',
      catalog: new GroupCatalog(windowDays),
      batchSize,
      requestBatchesMax: Number.MAX_SAFE_INTEGER,
      onProgress: (progress) => {
        batches.push(progress.users);
        if (batches.length % 20 === 0)
          process.stderr.write(`  batch ${batches.length}: through user ${progress.afterUserId ?? 'end'}\n`);
      },
    };
    const ruleBefore = {
      any: [
        { field: 'vip.level', op: 'gte', value: 1 },
        {
          all: [
            { field: 'metrics.turnover30d', op: 'gte', value: '500' },
            { field: 'user.registeredDays', op: 'lt', value: 200 },
          ],
        },
      ],
    };
    const ruleAfter = {
      any: [
        { field: 'vip.level', op: 'gte', value: 2 },
        {
          all: [
            { field: 'metrics.turnover30d', op: 'gte', value: '300' },
            { field: 'user.tags', op: 'nin', value: ['vip'] },
          ],
        },
      ],
    };

    const fill = await measured(() => createGroup(deps, 'bench', { kind: 'dynamic', name: 'bench', rule: ruleBefore }));
    if (!fill.result.ok) throw new Error(fill.result.message);
    const edit = await measured(() => replaceGroup(deps, 'bench', { name: 'bench', rule: ruleAfter }));
    if (!edit.result.ok) throw new Error(edit.result.message);
    const members = await store.groups.memberCount('bench');
    const outbox = await store.outbox.count();
    const report = (phase: typeof fill) => {
      const membership = phase.result.ok ? phase.result.value.membership : null;
      return {
        elapsedMs: phase.elapsedMs,
        usersPerSecond: Math.round((users / phase.elapsedMs) * 1000),
        joined: membership?.joined,
        left: membership?.left,
        batches: membership?.batches,
        rssBeforeMiB: phase.rssBeforeMiB,
        rssPeakMiB: phase.rssPeakMiB,
        heapPeakMiB: phase.heapPeakMiB,
      };
    };
    console.log(
      JSON.stringify(
        {
          backend: 'mariadb',
          users,
          batchSize,
          setupMs,
          firstFill: report(fill),
          ruleEdit: report(edit),
          membersAfter: members,
          outboxRecords: outbox,
          processMaxRssMiB: mib(process.resourceUsage().maxRSS * 1024),
        },
        null,
        2,
      ),
    );
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

await main();
