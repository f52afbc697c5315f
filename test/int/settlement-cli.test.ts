// `tiernet settle` as an operator runs it (the real binary in a child process), on the
// embedded SQLite store and on MariaDB + Redis. Proves: it settles every closed period or the
// named ones and prints the settlement (human, or --json with the API's shape), with progress
// on stderr; exit 0 when settled or nothing is due (with skipped periods named), 2 for a bad
// --period, 3 while another runner holds the settlement lock, and --help documents the codes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settlementLockName } from '../../src/app/settlement/settlement-deps.ts';
import { runCli } from '../support/cli.ts';
import {
  openSettlementFixture,
  type SettlementBackend,
  type SettlementFixture,
} from '../support/settlement-fixture.ts';
import { redisUrl } from '../support/redis.ts';

const adminToken = 'settlement-cli-test-token';

for (const backend of ['sqlite+memory', 'mysql+redis'] as const satisfies readonly SettlementBackend[]) {
  describe(`tiernet settle: ${backend}`, () => {
    let fixture: SettlementFixture;
    let dataDir: string;
    let env: Record<string, string | undefined>;
    let args: string[];

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'tiernet-settle-cli-'));
      fixture = await openSettlementFixture(backend, 'settlement-cli');
      if (backend === 'mysql+redis') {
        env = {
          TIERNET_MYSQL_URL: fixture.mysqlUrl,
          TIERNET_REDIS_URL: redisUrl(),
          TIERNET_REDIS_KEY_PREFIX: fixture.redisKeyPrefix,
          TIERNET_ADMIN_TOKEN: adminToken,
          TIERNET_KAFKA_BROKERS: undefined,
        };
        args = ['--data-dir', dataDir];
      } else {
        // The embedded store is <data dir>/tiernet.db: point the CLI at the fixture's file.
        env = { TIERNET_MYSQL_URL: undefined, TIERNET_REDIS_URL: undefined, TIERNET_KAFKA_BROKERS: undefined };
        args = ['--data-dir', join(fixture.sqlitePath ?? '', '..')];
      }
      await fixture.seedUsers([
        { userId: '1', parentId: null, ratePpm: 100_000 },
        { userId: '2', parentId: '1', ratePpm: 50_000 },
      ]);
      await fixture.seedBets([
        { betId: '1', userId: '2', gameId: 'ssc', periodId: 'p1', amountMinor: 1_000_000n },
        { betId: '2', userId: '2', gameId: 'ssc', periodId: 'p2', amountMinor: 2_000_000n },
      ]);
      await fixture.closePeriods([
        { gameId: 'ssc', periodId: 'p1' },
        { gameId: 'ssc', periodId: 'p2' },
      ]);
    });
    after(async () => {
      await fixture.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('--help documents the exit codes', async () => {
      const result = await runCli(['settle', '--help'], env);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /--period <gameId:periodId>/);
      assert.match(result.stdout.replace(/\s+/g, ' '), /3 another runner holds the settlement lock/);
    });

    test('a named period, then the rest with --json; then nothing is due', async () => {
      const named = await runCli(['settle', ...args, '--period', 'ssc:p1'], env);
      assert.equal(named.code, 0, named.stderr);
      assert.match(
        named.stdout,
        /^settled stl-[0-9a-z-]+: committed, 1 period\(s\), 0 adjustment\(s\), 2 beneficiaries, total rebate 10\.0000 \(residue 0\.0000000000, capped 0\.0000000000\)/,
      );
      assert.match(named.stderr, /settle: claim/);
      assert.match(named.stderr, /settle: commit/);

      const rest = await runCli(['settle', ...args, '--json'], env);
      assert.equal(rest.code, 0, rest.stderr);
      const report = JSON.parse(rest.stdout) as { outcome: string; settlement: Record<string, unknown> };
      assert.equal(report.outcome, 'settled');
      assert.equal(report.settlement['status'], 'committed');
      assert.deepEqual(report.settlement['periods'], [{ gameId: 'ssc', periodId: 'p2' }]);
      assert.equal(report.settlement['totalRebate'], '20.0000');
      assert.equal(rest.stderr, '', '--json prints no progress');

      const nothing = await runCli(['settle', ...args, '--period', 'ssc/p1', '--period', 'ssc:p9'], env);
      assert.equal(nothing.code, 0, nothing.stderr);
      assert.match(nothing.stdout, /nothing due/);
      assert.match(nothing.stdout, /skipped ssc:p1 \(already_settled\)/);
      assert.match(nothing.stdout, /skipped ssc:p9 \(not_closed\)/);
    });

    test('a bad --period is a usage error (2)', async () => {
      const result = await runCli(['settle', ...args, '--period', 'no-separator'], env);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /gameId:periodId/);
    });

    if (backend === 'mysql+redis') {
      test('exit 3 while another runner holds the settlement lock', async () => {
        const lock = await fixture.openLock();
        const lease = await lock.acquire(settlementLockName, 'another-runner', 60_000);
        assert.ok(lease !== null);
        try {
          const result = await runCli(['settle', ...args], env);
          assert.equal(result.code, 3, result.stderr);
          assert.match(result.stdout, /another runner holds the settlement lock/);
        } finally {
          await lock.release(lease);
        }
      });
    }
  });
}
