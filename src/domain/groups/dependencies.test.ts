// Proves the dependency analysis a change-driven re-evaluation relies on: fieldsReadBy names
// every field a rule reads (under not, all, any), metricsReadBy names the metrics to load,
// isTimeRelative flags registeredDays and windowed metrics only, and GroupDependencyIndex
// returns exactly the groups reading a changed field, sorted and once each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldsReadBy, GroupDependencyIndex, isTimeRelative, metricsReadBy } from './dependencies.ts';
import { validateRule, type Rule } from './rule.ts';
import { defaultWindowDays } from '../metric-names.ts';

function rule(json: unknown): Rule {
  const result = validateRule(json, { windowDays: defaultWindowDays });
  if (!result.ok) assert.fail(`${result.code} at ${result.path}: ${result.message}`);
  return result.value;
}

void describe('fieldsReadBy', () => {
  void test('maps each field to its coarse key, through every combinator', () => {
    const read = fieldsReadBy(
      rule({
        all: [
          { field: 'vip.level', op: 'gte', value: 1 },
          { not: { field: 'agent.directCount', op: 'gt', value: 3 } },
          { any: [{ field: 'user.tags', op: 'has', value: 'x' }, { downlineOf: '9' }] },
          { field: 'metrics.betCountLifetime', op: 'in', value: [1, 2] },
        ],
      }),
    );
    assert.deepEqual([...read].sort(), ['agent', 'downline', 'metrics', 'user.tags', 'vip.level']);
  });

  void test('agent.depth is agent; rate and registeredDays are their own keys', () => {
    assert.deepEqual([...fieldsReadBy(rule({ field: 'agent.depth', op: 'eq', value: 0 }))], ['agent']);
    assert.deepEqual([...fieldsReadBy(rule({ field: 'user.rebateRate', op: 'gt', value: '0' }))], ['user.rebateRate']);
    assert.deepEqual(
      [...fieldsReadBy(rule({ field: 'user.registeredDays', op: 'lt', value: 7 }))],
      ['user.registeredDays'],
    );
  });
});

void test('metricsReadBy lists each metric once', () => {
  const read = metricsReadBy(
    rule({
      any: [
        { field: 'metrics.turnover7d', op: 'gt', value: '1' },
        { field: 'metrics.turnover7d', op: 'lt', value: '9' },
        { not: { field: 'metrics.activeDays30d', op: 'gte', value: 3 } },
        { field: 'vip.level', op: 'eq', value: 1 },
      ],
    }),
  );
  assert.deepEqual([...read].sort(), ['activeDays30d', 'turnover7d']);
});

void describe('isTimeRelative', () => {
  void test('true for registeredDays and windowed metrics, even deep inside', () => {
    assert.equal(isTimeRelative(rule({ not: { field: 'user.registeredDays', op: 'lt', value: 7 } })), true);
    assert.equal(
      isTimeRelative(rule({ all: [{ downlineOf: '1' }, { field: 'metrics.betCount1d', op: 'gt', value: 0 }] })),
      true,
    );
  });

  void test('false for lifetime metrics and fields that only events change', () => {
    const json = {
      all: [
        { field: 'metrics.turnoverLifetime', op: 'gt', value: '1' },
        { field: 'vip.level', op: 'eq', value: 1 },
        { field: 'agent.depth', op: 'eq', value: 1 },
        { field: 'user.tags', op: 'nin', value: ['x'] },
        { downlineOf: '1' },
      ],
    };
    assert.equal(isTimeRelative(rule(json)), false);
  });
});

void describe('GroupDependencyIndex', () => {
  const index = new GroupDependencyIndex([
    { groupId: 'whales', rule: rule({ field: 'metrics.turnover30d', op: 'gte', value: '10000' }) },
    { groupId: 'new-users', rule: rule({ field: 'user.registeredDays', op: 'lt', value: 7 }) },
    {
      groupId: 'gold-team',
      rule: rule({ all: [{ field: 'vip.level', op: 'gte', value: 3 }, { downlineOf: '1000' }] }),
    },
    { groupId: 'agents', rule: rule({ field: 'agent.directCount', op: 'gt', value: 0 }) },
    {
      groupId: 'big-gold',
      rule: rule({
        all: [
          { field: 'vip.level', op: 'gte', value: 3 },
          { field: 'metrics.betCountLifetime', op: 'gt', value: 100 },
        ],
      }),
    },
  ]);

  void test('a bet re-evaluates only the metric groups', () => {
    assert.deepEqual(index.groupsAffectedBy(['metrics']), ['big-gold', 'whales']);
  });

  void test('a tier change re-evaluates only the groups reading vip.level', () => {
    assert.deepEqual(index.groupsAffectedBy(['vip.level']), ['big-gold', 'gold-team']);
  });

  void test('several changes give the union, sorted, once each', () => {
    assert.deepEqual(index.groupsAffectedBy(['vip.level', 'downline', 'agent', 'vip.level']), [
      'agents',
      'big-gold',
      'gold-team',
    ]);
  });

  void test('a change nobody reads affects nothing', () => {
    assert.deepEqual(index.groupsAffectedBy(['user.tags', 'user.rebateRate']), []);
    assert.deepEqual(index.groupsAffectedBy([]), []);
  });

  void test('the day tick list holds exactly the time-relative groups', () => {
    assert.deepEqual(index.timeRelativeGroups(), ['new-users', 'whales']);
  });

  void test('a group id given twice is a broken invariant', () => {
    const only = rule({ downlineOf: '1' });
    assert.throws(
      () =>
        new GroupDependencyIndex([
          { groupId: 'a', rule: only },
          { groupId: 'a', rule: only },
        ]),
      { name: 'InvariantViolation' },
    );
  });
});
