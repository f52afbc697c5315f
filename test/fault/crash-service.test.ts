// Proves, on the real Kafka, MariaDB and Redis, that `tiernet serve` killed with SIGKILL
// (kill -9) at random moments while it ingests and while it settles, and started again each
// time, ends in exactly the state of a run that was never killed, fed the same input:
// users and the agent tree, user metrics and day buckets, VIP levels and history, group
// memberships, bets and voids, adjustments, periods, settlements (status, totals) and every
// ledger line, and the consumed offsets; the outbox is drained; and on the out-topics every
// event carries its tiernet-event-id, copies under one id are identical, and after dedupe by
// that id the events equal the clean run's (at-least-once: copies allowed, losses not).
//
// The input (test/support/crash-input.ts) is an agent tree of four levels, bets of
// registered and placeholder users over four periods, voids before and after settlement,
// malformed events (to the DLQ) and period closes that trigger the automatic settlement.
// Each trial draws its kill moments from its seed: a random delay or a share of the bets
// applied, then a settlement seen running or the quiet time after a close, sometimes a third.
//
// Trials: TIERNET_CRASH_TRIALS (default 3; the full run is
//   TIERNET_CRASH_TRIALS=20 node --import tsx --test test/fault/crash-service.test.ts
// ). TIERNET_CRASH_SEED replays a failing run: trial i uses seed + i; the seed is printed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCrashInput, crashTimeBaseMs, type CrashInput } from '../support/crash-input.ts';
import { describePlan, killPlansOf, runCrashRun, type CrashRunResult } from '../support/crash-harness.ts';
import { describeEventDifference, describeStateDifference } from '../support/crash-state.ts';
import { requireKafka } from '../support/kafka.ts';

const trialsDefault = 3;
const fullRunTrialsMin = 10;
const inputSeed = 20_261_125;
const trials = Number(process.env['TIERNET_CRASH_TRIALS'] ?? trialsDefault);
const baseSeed = Number(process.env['TIERNET_CRASH_SEED'] ?? Math.floor(Math.random() * 1_000_000));
if (!Number.isInteger(trials) || trials < 1) throw new Error(`TIERNET_CRASH_TRIALS must be a positive integer`);
if (!Number.isInteger(baseSeed)) throw new Error(`TIERNET_CRASH_SEED must be an integer`);

const log = (line: string): void => console.log(`# crash: ${line}`);

describe('kill -9 of tiernet serve on Kafka + MariaDB + Redis, while ingesting and settling', () => {
  let input: CrashInput;
  let clean: CrashRunResult;
  const outcomes: string[] = [];

  before(async () => {
    await requireKafka();
    log(`seed ${baseSeed}, ${trials} trials (replay: TIERNET_CRASH_SEED=${baseSeed} TIERNET_CRASH_TRIALS=${trials})`);
    input = buildCrashInput(inputSeed, crashTimeBaseMs(Date.now()));
    clean = await runCrashRun({ label: 'clean', input, kills: [], log });
    log(`clean run: ${clean.elapsedMs} ms, digest ${clean.digest.slice(0, 16)}`);
  });

  after(() => {
    for (const outcome of outcomes) log(outcome);
  });

  test('the clean run settled every period once, turned each settled void into an adjustment and dead-lettered the malformed events', () => {
    const rows = (table: string) => clean.state[table]?.rows ?? [];
    const statusColumn = clean.state['settlements']!.columns.indexOf('status');
    assert.deepEqual(
      rows('settlements').map((row) => row[statusColumn]),
      input.periodIds.map(() => 'committed'),
      'one committed settlement per period',
    );
    assert.equal(rows('bet_adjustments').length, input.settledVoidCount, 'one adjustment per void of a settled bet');
    assert.ok(
      rows('bet_adjustments').every((row) => row[row.length - 1]?.startsWith('settlement[crash:p') === true),
      'every adjustment paid in a later settlement',
    );
    assert.equal(rows('bets').length, input.betCount);
    assert.equal(rows('users').length, input.userCount);
    assert.ok(
      rows('settlement_lines').length > 0 && rows('vip_history').length > 0 && rows('group_members').length > 0,
    );
    assert.equal(rows('outbox').length, 0, 'the outbox is drained');
    const dlq = clean.outEvents.events.filter((event) => event.startsWith('<run>dlq '));
    assert.equal(dlq.length, input.malformedCount, 'each malformed event dead-lettered once');
    assert.deepEqual(clean.outEvents.faults, []);
    assert.equal(
      clean.outEvents.events.filter((event) => event.startsWith('<run>settlements ')).length,
      input.periodIds.length,
      'one settlement.committed per settlement',
    );
  });

  // The harness's own check, in the full run only (it costs a run): two runs without a kill
  // agree, so what the trials compare depends on crashes, not on timing.
  if (trials >= fullRunTrialsMin) {
    test('a second clean run equals the first (the comparison does not depend on timing)', async () => {
      const again = await runCrashRun({ label: 'clean again', input, kills: [], log });
      assert.deepEqual(describeStateDifference(clean.state, again.state), []);
      assert.equal(again.digest, clean.digest);
      assert.deepEqual(describeEventDifference(clean.outEvents.events, again.outEvents.events), []);
    });
  }

  for (let trial = 0; trial < trials; trial += 1) {
    const seed = baseSeed + trial;
    test(`trial ${trial + 1} of ${trials} (seed ${seed}): the state and the deduplicated out-events equal the clean run's`, async () => {
      const kills = killPlansOf(seed);
      const result = await runCrashRun({ label: `trial ${trial + 1} (seed ${seed})`, input, kills, log });
      const fired = result.kills.filter((kill) => kill.fired);
      outcomes.push(
        `trial ${trial + 1} seed ${seed}: ${result.elapsedMs} ms, ${fired.length} kills ` +
          `[${result.kills.map((kill) => `${kill.plan}${kill.fired ? '' : ' (not reached)'}`).join('; ')}], ` +
          `${result.outEvents.duplicates} duplicate out-events, ` +
          (result.startsRetried > 0 ? `${result.startsRetried} starts retried (Kafka unreachable), ` : '') +
          `digest ${result.digest === clean.digest ? 'equal' : 'DIFFERENT'}`,
      );
      assert.ok(fired.length > 0, `at least one kill fired: ${kills.map(describePlan).join('; ')}`);
      if (result.digest !== clean.digest) {
        assert.fail(
          `state after kills differs from the clean run (seed ${seed}):\n${describeStateDifference(clean.state, result.state).join('\n')}`,
        );
      }
      assert.deepEqual(result.outEvents.faults, [], 'every out-event has its id; copies under one id are identical');
      const difference = describeEventDifference(clean.outEvents.events, result.outEvents.events);
      assert.deepEqual(difference, [], `out-events after dedupe differ from the clean run (seed ${seed})`);
    });
  }
});
