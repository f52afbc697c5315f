import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithBaseline } from './run-bench.ts';
import type { BenchReport } from './report.ts';
import { classicUplineWalk, fittedExponent } from './settle-bench.ts';
import { buildSettleTree, settleBets } from './settle-world.ts';

function report(figures: {
  ingestFloor?: number;
  ingestPerEvent?: number;
  p99?: number;
  settleFloor?: number;
  settleRss?: number;
}): BenchReport {
  const base = {
    tool: 'tiernet bench',
    preset: 'small',
    startedAt: '2026-11-25T00:00:00.000Z',
    durationS: 1,
    machine: {
      platform: 'test',
      cpuModel: 'test',
      cpuCount: 2,
      memoryGb: 1,
      freeMemoryGb: 1,
      loadAverage1m: 0,
      node: 'v20',
    },
  } as const;
  return {
    ...base,
    ...(figures.ingestFloor === undefined
      ? {}
      : { ingest: { ratioToFloor: figures.ingestFloor, ratioToPerEvent: figures.ingestPerEvent ?? 50 } }),
    ...(figures.p99 === undefined ? {} : { latency: { p99Ms: figures.p99 } }),
    ...(figures.settleFloor === undefined
      ? {}
      : { settle: { ratioToFloor: figures.settleFloor, peakRssMb: figures.settleRss ?? 100 } }),
  } as unknown as BenchReport;
}

test('the baseline check passes noise and fails regressions by multiples, naming the figure', () => {
  const baseline = report({ ingestFloor: 0.5, ingestPerEvent: 60, p99: 200, settleFloor: 1.5, settleRss: 150 });
  assert.deepEqual(
    compareWithBaseline(
      report({ ingestFloor: 0.3, ingestPerEvent: 35, p99: 950, settleFloor: 2.9, settleRss: 290 }),
      baseline,
    ),
    [],
  );
  const findings = compareWithBaseline(
    report({ ingestFloor: 0.1, ingestPerEvent: 15, p99: 1_200, settleFloor: 3.2, settleRss: 520 }),
    baseline,
  );
  assert.deepEqual(
    findings.map((finding) => [finding.figure, finding.allowed]),
    [
      ['ingest.ratioToFloor', 0.5 / 3],
      ['ingest.ratioToPerEvent', 20],
      ['latency.p99Ms', 1_000],
      ['settle.ratioToFloor', 3],
      ['settle.peakRssMb', 500],
    ],
  );
});

test('figures a run did not measure (--only) are not compared', () => {
  const baseline = report({ ingestFloor: 0.5, p99: 200, settleFloor: 1.5 });
  assert.deepEqual(
    compareWithBaseline(report({ settleFloor: 10 }), baseline).map((finding) => finding.figure),
    ['settle.ratioToFloor'],
  );
  assert.deepEqual(compareWithBaseline(report({ ingestFloor: 0.01 }), report({ settleFloor: 1 })), []);
});

test('the fitted exponent is 1 for linear growth, 2 for quadratic, and undefined without spread', () => {
  const sizes = [10_000, 100_000, 1_000_000];
  assert.ok(Math.abs(fittedExponent(sizes.map((x) => ({ x, y: 3 * x + 0.001 * x }))) - 1) < 1e-9);
  assert.ok(Math.abs(fittedExponent(sizes.map((x) => ({ x, y: x * x }))) - 2) < 1e-9);
  assert.ok(Number.isNaN(fittedExponent([{ x: 5, y: 1 }])));
  assert.ok(Number.isNaN(fittedExponent([5, 5].map((x) => ({ x, y: 2 })))));
});

test('the settlement world is the same in every process and has the promised chain', () => {
  const shape = { users: 5_000, chain: 300, bets: 4_000, periods: 3 };
  const tree = buildSettleTree(shape);
  assert.deepEqual(buildSettleTree(shape), tree);
  assert.deepEqual([...settleBets(shape)], [...settleBets(shape)]);
  // Walking up from the deepest chain user takes exactly chain-1 steps to a root.
  let steps = 0;
  for (let node = shape.chain - 1; tree.parent[node]! !== 0; node = tree.parent[node]! - 1) steps += 1;
  assert.equal(steps, shape.chain - 1);
  // Rates never rise going down: every child's rate is at most its parent's.
  for (let index = 0; index < shape.users; index += 1) {
    const parent = tree.parent[index]!;
    if (parent !== 0) assert.ok(tree.ratePpm[index]! <= tree.ratePpm[parent - 1]!);
  }
});

test('the classic walk counts every upline step, and a time box cuts it short and extrapolates', () => {
  const shape = { users: 3_000, chain: 200, bets: 20_000, periods: 2 };
  const tree = buildSettleTree(shape);
  let expectedSteps = 0;
  for (const bet of settleBets(shape)) {
    if (bet.voided) continue;
    for (let node = bet.userId - 1; tree.parent[node]! !== 0; node = tree.parent[node]! - 1) expectedSteps += 1;
  }
  const whole = classicUplineWalk(shape, 60_000);
  assert.equal(whole.betsWalked, shape.bets);
  assert.equal(whole.stepsWalked, expectedSteps);
  const cut = classicUplineWalk(shape, -1);
  assert.equal(cut.betsWalked, 0);
  const partial = classicUplineWalk({ ...shape, bets: 2_000_000 }, 1);
  assert.ok(partial.betsWalked > 0 && partial.betsWalked < 2_000_000, `walked ${partial.betsWalked}`);
  // elapsedMs is rounded to the millisecond in the report; the extrapolation uses the exact time.
  const scale = 2_000_000 / partial.betsWalked;
  assert.ok(Math.abs(partial.extrapolatedMs - partial.elapsedMs * scale) <= scale, JSON.stringify(partial));
});
