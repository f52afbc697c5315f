// Proves the explanation: it names why the user holds the level (requirement, override,
// protection, pending review), shows each keep metric against its threshold with the gap and
// the deadline, what missing it would do, and the next level's gaps and blockers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { explainVip } from './explain.ts';
import { decideOverride } from './override.ts';
import {
  dayMs,
  ladderFrom,
  metricsWith,
  promotedState,
  referenceLadderJson,
  referenceMetrics,
  units,
} from './test-support.ts';
import { initialVipState } from './vip-state.ts';

const ladder = ladderFrom(referenceLadderJson());
const promotedAtMs = Date.UTC(2026, 0, 10, 15);
const nowMs = promotedAtMs + 5 * dayMs;
const boundaryMs = Date.UTC(2026, 0, 40);

void describe('explainVip', () => {
  void test('given a Silver user short of the keep, when explained, then keep shows current, required, gap and deadline, and rise shows Gold gaps', () => {
    const state = promotedState(ladder, 2, promotedAtMs);
    const metrics = metricsWith({ turnoverLifetime: units(6000), turnover30d: units(500) });
    const explanation = explainVip(state, metrics, ladder, nowMs);
    assert.equal(explanation.name, 'Silver');
    assert.equal(explanation.basis, 'promote_met');
    assert.deepEqual(explanation.keep, {
      deadlineMs: boundaryMs,
      deadlineKind: 'cycle',
      met: false,
      metrics: [
        {
          metric: 'turnover30d',
          kind: 'turnover',
          current: units(500),
          required: units(800),
          met: false,
          gap: units(300),
        },
      ],
      ifJudgedNow: { reason: 'demotion', toLevel: 1, detail: 'one_down' },
    });
    assert.deepEqual(explanation.rise, {
      level: 3,
      name: 'Gold',
      metrics: [
        {
          metric: 'turnoverLifetime',
          kind: 'turnover',
          current: units(6000),
          required: units(20000),
          met: false,
          gap: units(14000),
        },
      ],
      met: false,
      targetLevel: 2,
      blockedBy: null,
    });
  });

  void test('given a Silver user whose metrics fell below promote and keep, when explained, then the level stands until the review', () => {
    const state = promotedState(ladder, 2, promotedAtMs);
    assert.equal(explainVip(state, referenceMetrics(1, 0), ladder, nowMs).basis, 'until_review');
    assert.equal(explainVip(state, referenceMetrics(1, 2), ladder, nowMs).basis, 'keep_met');
  });

  void test('given new-tier protection over the next boundary, when the keep is missed, then the basis is protection and a miss would hold', () => {
    const protecting = ladderFrom(referenceLadderJson({ newTierProtectionDays: 30 }));
    const explanation = explainVip(
      promotedState(protecting, 2, promotedAtMs),
      referenceMetrics(1, 0),
      protecting,
      nowMs,
    );
    assert.equal(explanation.basis, 'protected');
    assert.deepEqual(explanation.keep?.ifJudgedNow, { reason: 'held', toLevel: 2, detail: 'protection' });
  });

  void test('given a set override, when explained, then the override is the basis, no keep runs and the rise is blocked', () => {
    const placed = decideOverride(
      promotedState(ladder, 1, promotedAtMs),
      { kind: 'set', level: 3, reason: 'host', actor: 'ops', expiresAtMs: null },
      referenceMetrics(0, 0),
      ladder,
      nowMs,
    );
    assert.ok(placed.ok);
    const explanation = explainVip(placed.value.state, referenceMetrics(4, 4), ladder, nowMs);
    assert.equal(explanation.basis, 'override');
    assert.equal(explanation.keep, null);
    assert.equal(explanation.rise?.blockedBy, 'set');
    assert.equal(explanation.rise?.met, true);
  });

  void test('given a member and a Platinum user, when explained, then the member is at base with Bronze ahead and Platinum has no rise', () => {
    const member = explainVip(initialVipState(promotedAtMs), referenceMetrics(0, 0), ladder, nowMs);
    assert.equal(member.basis, 'base');
    assert.equal(member.keep, null);
    assert.equal(member.rise?.name, 'Bronze');
    assert.equal(explainVip(promotedState(ladder, 4, promotedAtMs), referenceMetrics(4, 4), ladder, nowMs).rise, null);
  });
});
