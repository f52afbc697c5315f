// Property tests over generated rules and subjects. They prove: the stack evaluator agrees
// with a plain recursive statement of the three-valued semantics; not(not r) ≡ r,
// all:[r] ≡ r, any:[r] ≡ r and both De Morgan laws hold on the three-valued result; a negated
// comparison equals the complementary op, also on missing values; evaluation never throws on
// a validated rule, whatever the subject holds; validation never throws on arbitrary JSON;
// and validateRule accepts every generated rule's wire form and gives the same rule back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluateRuleTruth, type RuleSubject, type Truth } from './evaluate.ts';
import {
  countFieldNames,
  orderOps,
  validateRule,
  type ListOp,
  type NumericField,
  type OrderOp,
  type Rule,
} from './rule.ts';
import { ruleToJson } from './rule-json.ts';
import { allMetricNames, defaultWindowDays, parseMetricName } from '../metric-names.ts';
import { amountMaxMinor } from '../money.ts';

const windowDays = defaultWindowDays;
// Validated rules are plain objects, so generated ones must be too for deepEqual to compare.
const plain = { noNullPrototype: true } as const;
const tagPool = ['a', 'b', 'vip:gold', 'x-1'];
const idPool = ['1', '2', '1000', '9223372036854775807'];
const ppmPool = [0, 1, 65_000, 999_999, 1_000_000];

const metricFields: NumericField[] = allMetricNames(windowDays).map((name) => {
  const metric = parseMetricName(name, windowDays);
  assert.ok(metric !== null, `${name} is a metric`);
  return { name: 'metrics', metric, unit: metric.kind === 'turnover' ? 'minor' : 'count' };
});
const numericFields: NumericField[] = [
  ...countFieldNames.map((name): NumericField => ({ name, unit: 'count' })),
  { name: 'user.rebateRate', unit: 'ppm' },
  ...metricFields,
];

// Small domains on both sides make equality and the order ops' edges common.
function operandFor(field: NumericField): fc.Arbitrary<bigint> {
  switch (field.unit) {
    case 'count':
      return fc.oneof(fc.bigInt(0n, 4n), fc.bigInt(0n, BigInt(Number.MAX_SAFE_INTEGER)));
    case 'minor':
      return fc.oneof(fc.constantFrom(0n, 10_000n, 20_000n), fc.bigInt(0n, amountMaxMinor));
    case 'ppm':
      return fc.oneof(fc.constantFrom(...ppmPool.map(BigInt)), fc.bigInt(0n, 1_000_000n));
  }
}

const compareArbitrary: fc.Arbitrary<Rule> = fc.constantFrom(...numericFields).chain((field) =>
  fc.record(
    {
      kind: fc.constant('compare' as const),
      field: fc.constant(field),
      op: fc.constantFrom<OrderOp>(...orderOps),
      value: operandFor(field),
    },
    plain,
  ),
);
const listArbitrary: fc.Arbitrary<Rule> = fc.constantFrom(...numericFields).chain((field) =>
  fc.record(
    {
      kind: fc.constant('list' as const),
      field: fc.constant(field),
      op: fc.constantFrom<ListOp>('in', 'nin'),
      values: fc.array(operandFor(field), { minLength: 1, maxLength: 4 }),
    },
    plain,
  ),
);
const tagsArbitrary: fc.Arbitrary<Rule> = fc.oneof(
  fc.record(
    { kind: fc.constant('tags' as const), op: fc.constant('has' as const), tag: fc.constantFrom(...tagPool) },
    plain,
  ),
  fc.record(
    {
      kind: fc.constant('tags' as const),
      op: fc.constantFrom<ListOp>('in', 'nin'),
      tags: fc.array(fc.constantFrom(...tagPool), { minLength: 1, maxLength: 3 }),
    },
    plain,
  ),
);
const downlineArbitrary: fc.Arbitrary<Rule> = fc.record(
  { kind: fc.constant('downlineOf' as const), ancestorId: fc.constantFrom(...idPool) },
  plain,
);
const leafArbitrary: fc.Arbitrary<Rule> = fc.oneof(compareArbitrary, listArbitrary, tagsArbitrary, downlineArbitrary);

const ruleArbitrary: fc.Arbitrary<Rule> = fc.letrec<{ rule: Rule }>((tie) => ({
  rule: fc.oneof(
    { maxDepth: 4, depthSize: 'small', withCrossShrink: true },
    leafArbitrary,
    fc.record(
      { kind: fc.constant('all' as const), rules: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) },
      plain,
    ),
    fc.record(
      { kind: fc.constant('any' as const), rules: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) },
      plain,
    ),
    fc.record({ kind: fc.constant('not' as const), rule: tie('rule') }, plain),
  ),
})).rule;

function metricValueFor(field: NumericField): fc.Arbitrary<bigint | number> {
  return field.unit === 'minor' ? operandFor(field) : operandFor(field).map(Number);
}

/** Well-typed subjects, with missing registeredDays and metrics. */
const subjectArbitrary: fc.Arbitrary<RuleSubject> = fc.record({
  vipLevel: fc.integer({ min: 0, max: 4 }),
  agentDepth: fc.integer({ min: 0, max: 4 }),
  directCount: fc.integer({ min: 0, max: 4 }),
  registeredDays: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  rebateRatePpm: fc.constantFrom(...ppmPool),
  tags: fc.subarray(tagPool).map((tags) => new Set(tags)),
  metrics: fc
    .tuple(...metricFields.map((field) => fc.option(metricValueFor(field), { nil: undefined })))
    .map((values) => {
      const metrics = new Map<string, bigint | number>();
      values.forEach((value, index) => {
        const field = metricFields[index];
        if (value !== undefined && field?.name === 'metrics') metrics.set(field.metric.name, value);
      });
      return metrics;
    }),
  upline: fc.subarray(idPool).map((ids) => new Set(ids)),
});

/** Subjects a buggy loader might build: any double, any bigint, in every slot. */
const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.bigInt().map(Number));
const wildSubjectArbitrary: fc.Arbitrary<RuleSubject> = fc.record({
  vipLevel: anyNumber,
  agentDepth: anyNumber,
  directCount: anyNumber,
  registeredDays: fc.option(anyNumber, { nil: null }),
  rebateRatePpm: anyNumber,
  tags: fc.array(fc.string()).map((tags) => new Set(tags)),
  metrics: fc
    .dictionary(fc.constantFrom(...allMetricNames(windowDays)), fc.oneof(fc.double(), fc.bigInt()))
    .map((entries) => new Map(Object.entries(entries))),
  upline: fc.array(fc.string()).map((ids) => new Set(ids)),
});

// The oracle is recursive on purpose: it is the plainest statement of Kleene logic, run only
// on generated rules at most five levels deep. The code under test uses an explicit stack.
function oracle(rule: Rule, subject: RuleSubject): Truth {
  switch (rule.kind) {
    case 'all': {
      const results = rule.rules.map((child) => oracle(child, subject));
      return results.includes('false') ? 'false' : results.includes('unknown') ? 'unknown' : 'true';
    }
    case 'any': {
      const results = rule.rules.map((child) => oracle(child, subject));
      return results.includes('true') ? 'true' : results.includes('unknown') ? 'unknown' : 'false';
    }
    case 'not': {
      const inner = oracle(rule.rule, subject);
      return inner === 'unknown' ? 'unknown' : inner === 'true' ? 'false' : 'true';
    }
    case 'compare':
    case 'list': {
      const actual = oracleRead(rule.field, subject);
      if (actual === undefined) return 'unknown';
      const holds =
        rule.kind === 'list'
          ? rule.values.includes(actual) === (rule.op === 'in')
          : {
              eq: actual === rule.value,
              ne: actual !== rule.value,
              gt: actual > rule.value,
              gte: actual >= rule.value,
              lt: actual < rule.value,
              lte: actual <= rule.value,
            }[rule.op];
      return holds ? 'true' : 'false';
    }
    case 'tags': {
      const tags = rule.op === 'has' ? [rule.tag] : rule.tags;
      const hasAny = tags.some((tag) => subject.tags.has(tag));
      return (rule.op === 'nin' ? !hasAny : hasAny) ? 'true' : 'false';
    }
    case 'downlineOf':
      return subject.upline.has(rule.ancestorId) ? 'true' : 'false';
  }
}

function oracleRead(field: NumericField, subject: RuleSubject): bigint | undefined {
  const values: Record<string, number | null> = {
    'vip.level': subject.vipLevel,
    'agent.depth': subject.agentDepth,
    'agent.directCount': subject.directCount,
    'user.registeredDays': subject.registeredDays,
    'user.rebateRate': subject.rebateRatePpm,
  };
  const value = field.name === 'metrics' ? subject.metrics.get(field.metric.name) : values[field.name];
  return value === undefined || value === null ? undefined : BigInt(value);
}

const complement: Record<OrderOp | ListOp, OrderOp | ListOp> = {
  eq: 'ne',
  ne: 'eq',
  gt: 'lte',
  lte: 'gt',
  gte: 'lt',
  lt: 'gte',
  in: 'nin',
  nin: 'in',
};
const not = (rule: Rule): Rule => ({ kind: 'not', rule });

void test('the stack evaluator agrees with the recursive oracle', () => {
  fc.assert(
    fc.property(
      ruleArbitrary,
      subjectArbitrary,
      (rule, subject) => evaluateRuleTruth(rule, subject) === oracle(rule, subject),
    ),
    { numRuns: 2000 },
  );
});

void test('not(not r) ≡ r, all:[r] ≡ r, any:[r] ≡ r', () => {
  fc.assert(
    fc.property(ruleArbitrary, subjectArbitrary, (rule, subject) => {
      const truth = evaluateRuleTruth(rule, subject);
      assert.equal(evaluateRuleTruth(not(not(rule)), subject), truth);
      assert.equal(evaluateRuleTruth({ kind: 'all', rules: [rule] }, subject), truth);
      assert.equal(evaluateRuleTruth({ kind: 'any', rules: [rule] }, subject), truth);
    }),
    { numRuns: 1000 },
  );
});

void test('De Morgan: not all ≡ any not, not any ≡ all not', () => {
  fc.assert(
    fc.property(fc.array(ruleArbitrary, { minLength: 1, maxLength: 4 }), subjectArbitrary, (rules, subject) => {
      const negated = rules.map(not);
      assert.equal(
        evaluateRuleTruth(not({ kind: 'all', rules }), subject),
        evaluateRuleTruth({ kind: 'any', rules: negated }, subject),
      );
      assert.equal(
        evaluateRuleTruth(not({ kind: 'any', rules }), subject),
        evaluateRuleTruth({ kind: 'all', rules: negated }, subject),
      );
    }),
    { numRuns: 1000 },
  );
});

void test('a negated comparison equals the complementary op, missing values included', () => {
  fc.assert(
    fc.property(fc.oneof(compareArbitrary, listArbitrary), subjectArbitrary, (leaf, subject) => {
      assert.ok(leaf.kind === 'compare' || leaf.kind === 'list', 'a comparison leaf');
      const flipped = { ...leaf, op: complement[leaf.op] } as Rule;
      assert.equal(evaluateRuleTruth(not(leaf), subject), evaluateRuleTruth(flipped, subject));
    }),
    { numRuns: 1000 },
  );
});

void test('evaluation never throws on a validated rule, whatever the subject holds', () => {
  fc.assert(
    fc.property(ruleArbitrary, fc.oneof(subjectArbitrary, wildSubjectArbitrary), (rule, subject) => {
      const validated = validateRule(ruleToJson(rule), { windowDays });
      assert.ok(validated.ok, 'a generated rule validates');
      assert.ok(['true', 'false', 'unknown'].includes(evaluateRuleTruth(validated.value, subject)), 'a truth value');
    }),
    { numRuns: 1000 },
  );
});

void test('validation never throws on arbitrary JSON', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (json) => {
      const result = validateRule(json, { windowDays });
      assert.equal(typeof result.ok, 'boolean');
    }),
    { numRuns: 1000 },
  );
});

void test('validateRule accepts every generated rule on the wire and round-trips it', () => {
  fc.assert(
    fc.property(ruleArbitrary, (rule) => {
      const wire: unknown = JSON.parse(JSON.stringify(ruleToJson(rule)));
      const validated = validateRule(wire, { windowDays });
      if (!validated.ok) assert.fail(`${validated.code} at ${validated.path}: ${validated.message}`);
      assert.deepEqual(validated.value, rule);
      assert.deepEqual(ruleToJson(validated.value), wire);
    }),
    { numRuns: 1000 },
  );
});
