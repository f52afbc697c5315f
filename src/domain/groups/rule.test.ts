// Proves validateRule accepts each field/op/value form of DESIGN.md §4 into the expected
// typed rule, and refuses every kind of fault with its code and exact JSON path: unknown
// field or op, wrong value type, bad list, extra or missing keys, empty all/any, depth 33,
// more than 1000 nodes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRule, type Rule } from './rule.ts';
import { defaultWindowDays } from '../metric-names.ts';

const options = { windowDays: defaultWindowDays };

function accepted(json: unknown): Rule {
  const result = validateRule(json, options);
  if (!result.ok) assert.fail(`expected acceptance, got ${result.code} at ${result.path}: ${result.message}`);
  return result.value;
}

function refusal(json: unknown, base?: string): { code: string; path: string | undefined } {
  const result = validateRule(json, base === undefined ? options : { ...options, path: base });
  assert.ok(!result.ok, 'expected a refusal');
  return { code: result.code, path: result.path };
}

function nestedNots(depth: number): unknown {
  // depth counts nodes from the top: `depth - 1` nots around one comparison.
  let json: unknown = { field: 'vip.level', op: 'eq', value: 1 };
  for (let level = 1; level < depth; level += 1) json = { not: json };
  return json;
}

void describe('validateRule accepts', () => {
  void test('count fields as bigint operands', () => {
    for (const field of ['vip.level', 'agent.depth', 'agent.directCount', 'user.registeredDays'] as const) {
      assert.deepEqual(accepted({ field, op: 'gte', value: 3 }), {
        kind: 'compare',
        field: { name: field, unit: 'count' },
        op: 'gte',
        value: 3n,
      });
    }
  });

  void test('money metrics as minor units from amount strings, zero allowed', () => {
    assert.deepEqual(accepted({ field: 'metrics.turnover30d', op: 'gt', value: '100.5' }), {
      kind: 'compare',
      field: { name: 'metrics', metric: { name: 'turnover30d', kind: 'turnover', windowDays: 30 }, unit: 'minor' },
      op: 'gt',
      value: 1_005_000n,
    });
    const zero = accepted({ field: 'metrics.turnoverLifetime', op: 'eq', value: '0' });
    assert.equal(zero.kind === 'compare' && zero.value, 0n);
  });

  void test('count metrics as integers', () => {
    assert.deepEqual(accepted({ field: 'metrics.activeDays7d', op: 'lt', value: 2 }), {
      kind: 'compare',
      field: { name: 'metrics', metric: { name: 'activeDays7d', kind: 'activeDays', windowDays: 7 }, unit: 'count' },
      op: 'lt',
      value: 2n,
    });
  });

  void test('the rebate rate as ppm', () => {
    assert.deepEqual(accepted({ field: 'user.rebateRate', op: 'lte', value: '0.065' }), {
      kind: 'compare',
      field: { name: 'user.rebateRate', unit: 'ppm' },
      op: 'lte',
      value: 65_000n,
    });
  });

  void test('in and nin lists', () => {
    assert.deepEqual(accepted({ field: 'vip.level', op: 'nin', value: [0, 1] }), {
      kind: 'list',
      field: { name: 'vip.level', unit: 'count' },
      op: 'nin',
      values: [0n, 1n],
    });
  });

  void test('tags: has one tag, in/nin a list', () => {
    assert.deepEqual(accepted({ field: 'user.tags', op: 'has', value: 'vip:whale' }), {
      kind: 'tags',
      op: 'has',
      tag: 'vip:whale',
    });
    assert.deepEqual(accepted({ field: 'user.tags', op: 'in', value: ['a', 'b'] }), {
      kind: 'tags',
      op: 'in',
      tags: ['a', 'b'],
    });
  });

  void test('downlineOf with a canonical id, also from a JSON number', () => {
    assert.deepEqual(accepted({ downlineOf: '1000' }), { kind: 'downlineOf', ancestorId: '1000' });
    assert.deepEqual(accepted({ downlineOf: 1000 }), { kind: 'downlineOf', ancestorId: '1000' });
  });

  void test('all, any and not, children in document order', () => {
    const rule = accepted({ all: [{ downlineOf: '1' }, { not: { any: [{ downlineOf: '2' }, { downlineOf: '3' }] } }] });
    assert.deepEqual(rule, {
      kind: 'all',
      rules: [
        { kind: 'downlineOf', ancestorId: '1' },
        {
          kind: 'not',
          rule: {
            kind: 'any',
            rules: [
              { kind: 'downlineOf', ancestorId: '2' },
              { kind: 'downlineOf', ancestorId: '3' },
            ],
          },
        },
      ],
    });
  });

  void test('nesting of exactly 32 levels', () => {
    assert.equal(validateRule(nestedNots(32), options).ok, true);
  });

  void test('exactly 1000 nodes', () => {
    const leaves = Array.from({ length: 999 }, () => ({ downlineOf: '7' }));
    assert.equal(validateRule({ any: leaves }, options).ok, true);
  });
});

void describe('validateRule refuses', () => {
  void test('an unknown field at /field', () => {
    assert.deepEqual(refusal({ all: [{ downlineOf: '1' }, { field: 'user.age', op: 'eq', value: 1 }] }), {
      code: 'rule_field_unknown',
      path: '/all/1/field',
    });
  });

  void test('a metric outside the configured windows', () => {
    assert.deepEqual(refusal({ field: 'metrics.turnover5d', op: 'gt', value: '1' }), {
      code: 'rule_field_unknown',
      path: '/field',
    });
    assert.deepEqual(refusal({ field: 'metrics.activeDaysLifetime', op: 'gt', value: 1 }), {
      code: 'rule_field_unknown',
      path: '/field',
    });
  });

  void test('an unknown op at /op', () => {
    assert.deepEqual(refusal({ any: [{ not: { field: 'vip.level', op: 'between', value: 1 } }] }), {
      code: 'rule_op_unknown',
      path: '/any/0/not/op',
    });
  });

  void test('an op the field does not define', () => {
    assert.deepEqual(refusal({ field: 'vip.level', op: 'has', value: 1 }), { code: 'rule_op_unknown', path: '/op' });
    assert.deepEqual(refusal({ field: 'user.tags', op: 'eq', value: 'a' }), { code: 'rule_op_unknown', path: '/op' });
  });

  void test('wrong value types at /value', () => {
    const cases: [unknown, string][] = [
      [{ field: 'vip.level', op: 'eq', value: '2' }, '/value'],
      [{ field: 'vip.level', op: 'eq', value: 1.5 }, '/value'],
      [{ field: 'agent.depth', op: 'gt', value: -1 }, '/value'],
      [{ field: 'metrics.turnover7d', op: 'gt', value: '1.00001' }, '/value'],
      [{ field: 'metrics.turnover7d', op: 'gt', value: '-5' }, '/value'],
      [{ field: 'metrics.betCount30d', op: 'gt', value: '5' }, '/value'],
      [{ field: 'user.rebateRate', op: 'gt', value: '1.5' }, '/value'],
      [{ field: 'user.tags', op: 'has', value: 'two words' }, '/value'],
      [{ field: 'user.tags', op: 'has', value: ['a'] }, '/value'],
      [{ downlineOf: '0' }, '/downlineOf'],
      [{ downlineOf: 'abc' }, '/downlineOf'],
    ];
    for (const [json, path] of cases)
      assert.deepEqual(refusal(json), { code: 'rule_value_invalid', path }, JSON.stringify(json));
  });

  void test('a bad list element at its index', () => {
    assert.deepEqual(refusal({ field: 'metrics.turnover30d', op: 'in', value: ['1', 'x', '3'] }), {
      code: 'rule_value_invalid',
      path: '/value/1',
    });
  });

  void test('empty, scalar or over-long in/nin lists', () => {
    assert.deepEqual(refusal({ field: 'vip.level', op: 'in', value: [] }), {
      code: 'rule_value_invalid',
      path: '/value',
    });
    assert.deepEqual(refusal({ field: 'vip.level', op: 'nin', value: 1 }), {
      code: 'rule_value_invalid',
      path: '/value',
    });
    const tooMany = Array.from({ length: 101 }, (_, index) => index);
    assert.deepEqual(refusal({ field: 'vip.level', op: 'in', value: tooMany }), {
      code: 'rule_value_invalid',
      path: '/value',
    });
  });

  void test('an empty all or any', () => {
    assert.deepEqual(refusal({ all: [] }), { code: 'rule_invalid', path: '/all' });
    assert.deepEqual(refusal({ not: { any: [] } }), { code: 'rule_invalid', path: '/not/any' });
  });

  void test('all that is not an array', () => {
    assert.deepEqual(refusal({ all: { downlineOf: '1' } }), { code: 'rule_invalid', path: '/all' });
  });

  void test('extra keys, escaped in the path', () => {
    assert.deepEqual(refusal({ field: 'vip.level', op: 'eq', value: 1, note: 'x' }), {
      code: 'rule_invalid',
      path: '/note',
    });
    assert.deepEqual(refusal({ all: [{ downlineOf: '1', 'a/b~c': 1 }] }), {
      code: 'rule_invalid',
      path: '/all/0/a~1b~0c',
    });
    assert.deepEqual(refusal({ all: [{ downlineOf: '1' }], any: [{ downlineOf: '1' }] }), {
      code: 'rule_invalid',
      path: '/any',
    });
  });

  void test('missing op or value', () => {
    assert.deepEqual(refusal({ field: 'vip.level', value: 1 }), { code: 'rule_invalid', path: '/op' });
    assert.deepEqual(refusal({ field: 'vip.level', op: 'eq' }), { code: 'rule_invalid', path: '/value' });
  });

  void test('non-objects and shapeless objects', () => {
    assert.deepEqual(refusal(null), { code: 'rule_invalid', path: '' });
    assert.deepEqual(refusal([]), { code: 'rule_invalid', path: '' });
    assert.deepEqual(refusal({ all: [1] }), { code: 'rule_invalid', path: '/all/0' });
    assert.deepEqual(refusal({ op: 'eq', value: 1 }), { code: 'rule_invalid', path: '' });
  });

  void test('depth 33 at the node that is too deep', () => {
    const path = '/not'.repeat(32);
    assert.deepEqual(refusal(nestedNots(33)), { code: 'rule_too_deep', path });
  });

  void test('more than 1000 nodes at the list that goes over', () => {
    const leaves = Array.from({ length: 1000 }, () => ({ downlineOf: '7' }));
    assert.deepEqual(refusal({ all: [{ downlineOf: '1' }, { any: leaves }] }), {
      code: 'rule_too_large',
      path: '/all/1/any',
    });
  });

  void test('the first fault in document order', () => {
    const json = {
      all: [
        { field: 'vip.level', op: 'eq', value: 'x' },
        { field: 'nope', op: 'eq', value: 1 },
      ],
    };
    assert.deepEqual(refusal(json), { code: 'rule_value_invalid', path: '/all/0/value' });
  });

  void test('with paths under the base path given', () => {
    assert.deepEqual(refusal({ all: [{ field: 'nope', op: 'eq', value: 1 }] }, '/rule'), {
      code: 'rule_field_unknown',
      path: '/rule/all/0/field',
    });
  });
});
