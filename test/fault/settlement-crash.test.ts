// Proves, with a real settlement process killed by SIGKILL (kill -9) on SQLite+memory lock and
// MariaDB+Redis, that a crash anywhere before the commit leaves a `running` settlement without
// lines, and that the next holder's rerun produces a ledger identical, line for line (amount,
// exact rebate, capped, team turnover), to a clean run of the same input in a fresh database,
// which also equals the per-bet reference; and a crash after the commit leaves nothing to
// redo. Kill points: right after the claim, between compute and commit, and at moments
// spread over a larger run (wherever they fall: loading, computing, inside the commit
// transaction, or after it).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSettlement, type SettleOutcome } from '../../src/app/settlement/run-settlement.ts';
import {
  openSettlementFixture,
  settlementBackends,
  type SettlementBackend,
  type SettlementFixture,
} from '../support/settlement-fixture.ts';
import {
  buildWorld,
  ledgerFingerprint,
  seedWorld,
  worldPeriods,
  worldReference,
  worldUserId,
  type World,
  type WorldShape,
} from '../support/settlement-world.ts';
import { spawnSettlementChild } from './settlement-child-control.ts';

const idBase = 1_000_000;
const game = 'crash';
const childLockTtlMs = 1_500;

async function seeded(backend: SettlementBackend, world: World): Promise<SettlementFixture> {
  const fixture = await openSettlementFixture(backend, 'settlement-crash');
  await seedWorld(fixture, world, idBase, game);
  await fixture.closePeriods(worldPeriods(world, game));
  return fixture;
}

/** Runs settlements until one is not refused for a busy lock (a killed child's lease lives out its TTL). */
async function settleWhenFree(fixture: SettlementFixture): Promise<SettleOutcome & { kind: 'done' }> {
  const lock = await fixture.openLock();
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const outcome = await runSettlement(fixture.deps(lock), { periods: null, adjustmentsAlone: false });
    if (outcome.kind === 'done') return outcome;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the settlement lock never became free');
}

/** The one committed settlement of the fixture, its ledger fingerprint and totals. */
async function soleLedger(fixture: SettlementFixture): Promise<{ fingerprint: Map<string, string>; totals: string }> {
  const rows = await fixture.database.db.selectFrom('settlements').select(['settlement_id', 'status']).execute();
  assert.deepEqual(
    rows.map((row) => row.status),
    ['committed'],
    'exactly one settlement, committed',
  );
  const settlement = await fixture.settlements.get(rows[0]!.settlement_id);
  assert.ok(settlement !== null);
  const totals = [
    settlement.lineCount,
    settlement.beneficiaries,
    settlement.totalRebateMinor,
    settlement.exactTotalMinorPpm,
    settlement.residueMinorPpm,
    settlement.cappedMinorPpm,
    settlement.turnoverMinor,
  ].join(' ');
  return { fingerprint: ledgerFingerprint(await fixture.ledger(settlement.settlementId)), totals };
}

async function cleanRun(
  backend: SettlementBackend,
  world: World,
): Promise<{ fingerprint: Map<string, string>; totals: string; elapsedMs: number }> {
  const fixture = await seeded(backend, world);
  try {
    const startMs = performance.now();
    await settleWhenFree(fixture);
    const elapsedMs = performance.now() - startMs;
    const ledger = await soleLedger(fixture);
    // The clean run itself equals the per-bet reference.
    const reference = worldReference(world);
    assert.equal(ledger.fingerprint.size, reference.lines.size);
    for (const [node, line] of reference.lines) {
      const [amount, exact] = (ledger.fingerprint.get(worldUserId(idBase, node)) ?? '').split(' ');
      assert.equal(amount, String(line.amountMinor), `clean amount of node ${node}`);
      assert.equal(exact, String(line.exactMinorPpm), `clean exact of node ${node}`);
    }
    return { ...ledger, elapsedMs };
  } finally {
    await fixture.cleanup();
  }
}

for (const backend of settlementBackends) {
  describe(`kill -9 of a settlement process: ${backend}`, () => {
    const shape: WorldShape = { users: 2_000, bets: 6_000, periods: 5 };
    const world = buildWorld(31, shape);

    for (const stopAt of ['after_claim', 'before_commit'] as const) {
      test(`killed ${stopAt.replace('_', ' ')}: the rerun's ledger equals a clean run`, async () => {
        const clean = await cleanRun(backend, world);
        const fixture = await seeded(backend, world);
        try {
          const child = spawnSettlementChild(fixture, { stopAt, lockTtlMs: childLockTtlMs });
          const ready = await child.waitFor(`ready ${stopAt}`);
          child.process.kill('SIGKILL');
          assert.equal((await child.exited).signal, 'SIGKILL');
          const settlementId = ready.split(' ')[2]!;
          const left = await fixture.settlements.get(settlementId);
          assert.equal(left?.status, 'running', 'the crashed run is left running');
          assert.equal((await fixture.ledger(settlementId)).size, 0, 'with no line written');

          const rerun = await settleWhenFree(fixture);
          assert.deepEqual(
            rerun.resumed.map((report) => [report.settlement.settlementId, report.settlement.status]),
            [[settlementId, 'committed']],
            'the next holder finished it',
          );
          assert.equal(rerun.claimed, null, 'nothing else was due');
          assert.ok(rerun.resumed[0]!.settlement.fencingToken > left.fencingToken, 'under its own, higher token');
          const ledger = await soleLedger(fixture);
          assert.equal(ledger.totals, clean.totals, 'totals equal the clean run');
          assert.deepEqual(ledger.fingerprint, clean.fingerprint, 'every line equals the clean run');
        } finally {
          await fixture.cleanup();
        }
      });
    }

    test('killed at moments spread over a larger run: every rerun ledger equals a clean run', async () => {
      const largeWorld = buildWorld(47, { users: 20_000, bets: 50_000, periods: 4 });
      const clean = await cleanRun(backend, largeWorld);
      const outcomes: string[] = [];
      for (const share of [0.02, 0.25, 0.5, 0.75, 1.5]) {
        const fixture = await seeded(backend, largeWorld);
        try {
          const child = spawnSettlementChild(fixture, { lockTtlMs: childLockTtlMs });
          await child.waitFor('started');
          await new Promise((resolve) => setTimeout(resolve, Math.round(clean.elapsedMs * share)));
          child.process.kill('SIGKILL');
          await child.exited;
          const states = await fixture.database.db.selectFrom('settlements').select('status').execute();
          outcomes.push(states.length === 0 ? 'before claim' : states[0]!.status);
          await settleWhenFree(fixture);
          const ledger = await soleLedger(fixture);
          assert.equal(ledger.totals, clean.totals, `totals after a kill at ${share} of the run`);
          assert.deepEqual(ledger.fingerprint, clean.fingerprint, `lines after a kill at ${share} of the run`);
        } finally {
          await fixture.cleanup();
        }
      }
      // Which phase each kill hit depends on timing; the ledger must not.
      assert.equal(outcomes.length, 5, outcomes.join(', '));
    });
  });
}
