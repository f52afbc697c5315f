// Proves evaluateRule decides each op on each field type as DESIGN.md §4 means it (counts,
// money, rates, tags, downlineOf), that missing values are unknown under three-valued logic
// (never a member, and `not` does not turn them into members), and that all/any fold and
// short-circuit as Kleene logic says.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRule, evaluateRuleTruth, type RuleSubject } from './evaluate.ts';
import { validateRule, type Rule } from './rule.ts';
import { defaultWindowDays } from '../metric-names.ts';

function rule(json: unknown): Rule {
  const result = validateRule(json, { windowDays: defaultWindowDays });
  if (!result.ok) assert.fail(`${result.code} at ${result.path}: ${result.message}`);
  return result.value;
}

const member: RuleSubject = {
  vipLevel: 2,
  agentDepth: 3,
  directCount: 5,
  registeredDays: 10,
  rebateRatePpm: 65_000,
  tags: new Set(['whale', 'vip:gold']),
  metrics: new Map<string, bigint | number>([
    ['turnover30d', 1_000_000n], // 100.0000
    ['betCount7d', 4],
  ]),
  upline: new Set(['1000', '1']),
};

const placeholder: RuleSubject = { ...member, registeredDays: null, metrics: new Map() };

function holds(json: unknown, subject: RuleSubject = member): boolean {
  return evaluateRule(rule(json), subject);
}

void describe('order ops on a count field (vip.level = 2)', () => {
  const table: [string, number, boolean][] = [
    ['eq', 2, true],
    ['eq', 3, false],
    ['ne', 3, true],
    ['ne', 2, false],
    ['gt', 1, true],
    ['gt', 2, false],
    ['gte', 2, true],
    ['gte', 3, false],
    ['lt', 3, true],
    ['lt', 2, false],
    ['lte', 2, true],
    ['lte', 1, false],
  ];
  for (const [op, value, expected] of table) {
    void test(`${op} ${value} is ${expected}`, () => {
      assert.equal(holds({ field: 'vip.level', op, value }), expected);
    });
  }
});

void describe('each field reads its own value', () => {
  void test('agent.depth, agent.directCount, user.registeredDays', () => {
    assert.equal(holds({ field: 'agent.depth', op: 'eq', value: 3 }), true);
    assert.equal(holds({ field: 'agent.directCount', op: 'eq', value: 5 }), true);
    assert.equal(holds({ field: 'user.registeredDays', op: 'eq', value: 10 }), true);
    assert.equal(holds({ field: 'agent.depth', op: 'eq', value: 5 }), false);
  });

  void test('money metrics compare exactly in minor units', () => {
    assert.equal(holds({ field: 'metrics.turnover30d', op: 'gte', value: '100' }), true);
    assert.equal(holds({ field: 'metrics.turnover30d', op: 'gt', value: '99.9999' }), true);
    assert.equal(holds({ field: 'metrics.turnover30d', op: 'gt', value: '100.0000' }), false);
    assert.equal(holds({ field: 'metrics.turnover30d', op: 'lt', value: '100.0001' }), true);
  });

  void test('count metrics given as numbers or bigints', () => {
    assert.equal(holds({ field: 'metrics.betCount7d', op: 'eq', value: 4 }), true);
    const bigintCount: RuleSubject = { ...member, metrics: new Map([['betCount7d', 4n]]) };
    assert.equal(holds({ field: 'metrics.betCount7d', op: 'eq', value: 4 }, bigintCount), true);
  });

  void test('the rebate rate compares in ppm', () => {
    assert.equal(holds({ field: 'user.rebateRate', op: 'eq', value: '0.065' }), true);
    assert.equal(holds({ field: 'user.rebateRate', op: 'gt', value: '0.064999' }), true);
    assert.equal(holds({ field: 'user.rebateRate', op: 'gte', value: '0.065001' }), false);
  });
});

void describe('in and nin', () => {
  void test('in holds when the value is one of the list', () => {
    assert.equal(holds({ field: 'vip.level', op: 'in', value: [1, 2] }), true);
    assert.equal(holds({ field: 'vip.level', op: 'in', value: [0, 3] }), false);
    assert.equal(holds({ field: 'metrics.turnover30d', op: 'in', value: ['50', '100'] }), true);
  });

  void test('nin holds when the value is none of the list', () => {
    assert.equal(holds({ field: 'vip.level', op: 'nin', value: [0, 3] }), true);
    assert.equal(holds({ field: 'vip.level', op: 'nin', value: [2] }), false);
  });
});

void describe('user.tags', () => {
  void test('has one tag, case-sensitive', () => {
    assert.equal(holds({ field: 'user.tags', op: 'has', value: 'whale' }), true);
    assert.equal(holds({ field: 'user.tags', op: 'has', value: 'Whale' }), false);
  });

  void test('in: at least one of the tags', () => {
    assert.equal(holds({ field: 'user.tags', op: 'in', value: ['minnow', 'vip:gold'] }), true);
    assert.equal(holds({ field: 'user.tags', op: 'in', value: ['minnow', 'shark'] }), false);
  });

  void test('nin: none of the tags, so a user without tags is in', () => {
    assert.equal(holds({ field: 'user.tags', op: 'nin', value: ['minnow', 'shark'] }), true);
    assert.equal(holds({ field: 'user.tags', op: 'nin', value: ['minnow', 'whale'] }), false);
    assert.equal(holds({ field: 'user.tags', op: 'nin', value: ['whale'] }, { ...member, tags: new Set() }), true);
  });
});

void describe('downlineOf', () => {
  void test('holds for a strict ancestor only', () => {
    assert.equal(holds({ downlineOf: '1000' }), true);
    assert.equal(holds({ downlineOf: '1001' }), false);
  });

  void test('accepts any lookup, not only a Set', () => {
    const upline = { has: (userId: string) => userId === '42' };
    assert.equal(holds({ downlineOf: '42' }, { ...member, upline }), true);
  });
});

void describe('missing values are unknown', () => {
  void test('no comparison on a missing value holds, whatever the op', () => {
    for (const op of ['eq', 'ne', 'gt', 'gte', 'lt', 'lte']) {
      assert.equal(evaluateRuleTruth(rule({ field: 'user.registeredDays', op, value: 7 }), placeholder), 'unknown', op);
    }
    assert.equal(
      evaluateRuleTruth(rule({ field: 'metrics.turnover30d', op: 'nin', value: ['1'] }), placeholder),
      'unknown',
    );
  });

  void test('not of unknown is unknown, so not a member either', () => {
    assert.equal(holds({ not: { field: 'user.registeredDays', op: 'gte', value: 7 } }, placeholder), false);
    assert.equal(holds({ field: 'user.registeredDays', op: 'lt', value: 7 }, placeholder), false);
  });

  void test('all: false beats unknown, unknown beats true', () => {
    const unknownLeaf = { field: 'user.registeredDays', op: 'gte', value: 7 };
    assert.equal(evaluateRuleTruth(rule({ all: [unknownLeaf, { downlineOf: '1' }] }), placeholder), 'unknown');
    assert.equal(evaluateRuleTruth(rule({ all: [unknownLeaf, { downlineOf: '5' }] }), placeholder), 'false');
  });

  void test('any: true beats unknown, unknown beats false', () => {
    const unknownLeaf = { field: 'user.registeredDays', op: 'gte', value: 7 };
    assert.equal(evaluateRuleTruth(rule({ any: [unknownLeaf, { downlineOf: '1' }] }), placeholder), 'true');
    assert.equal(evaluateRuleTruth(rule({ any: [unknownLeaf, { downlineOf: '5' }] }), placeholder), 'unknown');
  });

  void test('a NaN from a broken loader is unknown, not a crash', () => {
    assert.equal(
      evaluateRuleTruth(rule({ field: 'vip.level', op: 'ne', value: 1 }), { ...member, vipLevel: Number.NaN }),
      'unknown',
    );
  });
});

void describe('all, any, not', () => {
  void test('fold their children', () => {
    const yes = { downlineOf: '1' };
    const no = { downlineOf: '5' };
    assert.equal(holds({ all: [yes, yes, yes] }), true);
    assert.equal(holds({ all: [yes, no, yes] }), false);
    assert.equal(holds({ any: [no, no, yes] }), true);
    assert.equal(holds({ any: [no, no] }), false);
    assert.equal(holds({ not: no }), true);
    assert.equal(holds({ not: { not: yes } }), true);
  });

  void test('short-circuit: children after the deciding one are not read', () => {
    const reads: string[] = [];
    const upline = {
      has: (userId: string) => {
        reads.push(userId);
        return userId === '1';
      },
    };
    evaluateRule(rule({ any: [{ downlineOf: '1' }, { downlineOf: '2' }] }), { ...member, upline });
    evaluateRule(rule({ all: [{ downlineOf: '3' }, { downlineOf: '4' }] }), { ...member, upline });
    assert.deepEqual(reads, ['1', '3']);
  });

  void test('a 32-level rule evaluates', () => {
    let json: unknown = { downlineOf: '1' };
    for (let level = 1; level < 32; level += 1) json = level % 2 === 0 ? { all: [json] } : { not: json };
    // 16 nots around a true leaf (levels 1, 3, ... 31).
    assert.equal(holds(json), true);
  });
});
