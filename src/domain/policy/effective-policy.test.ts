// Proves each key's declared merge rule (false wins, lowest wins, highest-precedence source
// wins for attributes), the defaults when nobody sets a key, that groups outrank the VIP
// level, that the explanation names the winner and every contributor, and (property) that
// mergePolicies does not depend on the order of its sources.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  comparePolicySources,
  effectivePolicyToJson,
  mergePolicies,
  type PolicySource,
  type SourcedPolicy,
} from './effective-policy.ts';
import { emptyPolicy, type AttributeValue, type Policy } from './policy.ts';

function group(id: string, priority: number, policy: Partial<Policy>): SourcedPolicy {
  return { source: { kind: 'group', id, priority }, policy: { ...emptyPolicy, ...policy } };
}

function vipLevel(level: number, policy: Partial<Policy>): SourcedPolicy {
  return { source: { kind: 'vip_level', id: String(level), priority: 0 }, policy: { ...emptyPolicy, ...policy } };
}

const attributes = (entries: [string, AttributeValue][]): Map<string, AttributeValue> => new Map(entries);

void describe('defaults', () => {
  void test('with no sources: rebates on, no caps, no attributes', () => {
    const effective = mergePolicies([]);
    assert.deepEqual(effective.rebateEnabled, {
      value: true,
      mergeRule: 'false_wins',
      source: null,
      contributions: [],
    });
    assert.equal(effective.rebateMaxPerSettlementMinor, null);
    assert.equal(effective.betMaxAmountMinor, null);
    assert.equal(effective.attributes.size, 0);
  });

  void test('sources that set nothing change nothing', () => {
    const effective = mergePolicies([group('g', 1, {}), vipLevel(2, {})]);
    assert.equal(effective.rebateEnabled.value, true);
    assert.equal(effective.rebateEnabled.source, null);
    assert.equal(effective.betMaxAmountMinor, null);
  });
});

void describe('rebate.enabled: false wins', () => {
  void test('one false among trues disables, whatever its priority', () => {
    const effective = mergePolicies([
      group('a', 100, { rebateEnabled: true }),
      group('b', 1, { rebateEnabled: false }),
      vipLevel(3, { rebateEnabled: true }),
    ]);
    assert.equal(effective.rebateEnabled.value, false);
    assert.deepEqual(effective.rebateEnabled.source, { kind: 'group', id: 'b', priority: 1 });
    assert.deepEqual(
      effective.rebateEnabled.contributions.map(({ source, value }) => [source.id, value]),
      [
        ['a', true],
        ['b', false],
        ['3', true],
      ],
    );
  });

  void test('a false from the VIP level alone disables too', () => {
    const effective = mergePolicies([group('a', 9, { rebateEnabled: true }), vipLevel(0, { rebateEnabled: false })]);
    assert.equal(effective.rebateEnabled.value, false);
    assert.equal(effective.rebateEnabled.source?.kind, 'vip_level');
  });

  void test('all true: true, from the highest-precedence source', () => {
    const effective = mergePolicies([group('a', 1, { rebateEnabled: true }), group('b', 5, { rebateEnabled: true })]);
    assert.equal(effective.rebateEnabled.value, true);
    assert.equal(effective.rebateEnabled.source?.id, 'b');
  });
});

void describe('lowest wins: rebate.maxPerSettlement and bet.maxAmount', () => {
  void test('the smallest cap applies, named by its source', () => {
    const effective = mergePolicies([
      group('a', 10, { rebateMaxPerSettlementMinor: 5_000_000n, betMaxAmountMinor: 100n }),
      group('b', 0, { rebateMaxPerSettlementMinor: 1_000_000n }),
      vipLevel(4, { rebateMaxPerSettlementMinor: 2_000_000n, betMaxAmountMinor: 50n }),
    ]);
    assert.equal(effective.rebateMaxPerSettlementMinor?.value, 1_000_000n);
    assert.equal(effective.rebateMaxPerSettlementMinor.source?.id, 'b');
    assert.equal(effective.rebateMaxPerSettlementMinor.contributions.length, 3);
    assert.equal(effective.betMaxAmountMinor?.value, 50n);
    assert.equal(effective.betMaxAmountMinor.source?.kind, 'vip_level');
  });

  void test('zero is a cap like any other and wins', () => {
    const effective = mergePolicies([
      group('a', 0, { betMaxAmountMinor: 0n }),
      group('b', 0, { betMaxAmountMinor: 1n }),
    ]);
    assert.equal(effective.betMaxAmountMinor?.value, 0n);
  });

  void test('equal lowest values: the higher-precedence source is named', () => {
    const effective = mergePolicies([
      group('z', 0, { betMaxAmountMinor: 7n }),
      group('y', 3, { betMaxAmountMinor: 7n }),
    ]);
    assert.equal(effective.betMaxAmountMinor?.source?.id, 'y');
  });
});

void describe('attributes: the highest-precedence source wins', () => {
  void test('higher group priority wins', () => {
    const effective = mergePolicies([
      group('low', 1, { attributes: attributes([['lounge', 'silver']]) }),
      group('high', 2, { attributes: attributes([['lounge', 'gold']]) }),
    ]);
    assert.equal(effective.attributes.get('lounge')?.value, 'gold');
    assert.equal(effective.attributes.get('lounge')?.source?.id, 'high');
    assert.equal(effective.attributes.get('lounge')?.mergeRule, 'highest_priority_wins');
  });

  void test('equal priority: the smaller source id wins', () => {
    const effective = mergePolicies([
      group('beta', 1, { attributes: attributes([['x', 2]]) }),
      group('alpha', 1, { attributes: attributes([['x', 1]]) }),
    ]);
    assert.equal(effective.attributes.get('x')?.value, 1);
  });

  void test('any group outranks the VIP level, whatever the numbers', () => {
    const effective = mergePolicies([
      {
        source: { kind: 'vip_level', id: '5', priority: 1_000_000 },
        policy: { ...emptyPolicy, attributes: attributes([['x', 'tier']]) },
      },
      group('g', -5, { attributes: attributes([['x', 'group']]) }),
    ]);
    assert.equal(effective.attributes.get('x')?.value, 'group');
  });

  void test('the VIP level fills attributes no group sets; each attribute merges on its own', () => {
    const effective = mergePolicies([
      group('g', 0, { attributes: attributes([['a', true]]) }),
      vipLevel(2, {
        attributes: attributes([
          ['a', false],
          ['b', 'tier'],
        ]),
      }),
    ]);
    assert.deepEqual(
      [...effective.attributes].map(([name, value]) => [name, value.value, value.source?.kind]),
      [
        ['a', true, 'group'],
        ['b', 'tier', 'vip_level'],
      ],
    );
  });
});

void test('comparePolicySources orders groups, then priority descending, then id', () => {
  const sources: PolicySource[] = [
    { kind: 'vip_level', id: '1', priority: 9 },
    { kind: 'group', id: 'b', priority: 1 },
    { kind: 'group', id: 'a', priority: 1 },
    { kind: 'group', id: 'c', priority: 2 },
  ];
  assert.deepEqual(
    [...sources].sort(comparePolicySources).map((source) => source.id),
    ['c', 'a', 'b', '1'],
  );
});

void test('a source given twice, or with a non-integer priority, is a broken invariant', () => {
  assert.throws(() => mergePolicies([group('a', 1, {}), group('a', 2, {})]), { name: 'InvariantViolation' });
  assert.throws(() => mergePolicies([group('a', Number.NaN, {})]), { name: 'InvariantViolation' });
});

void test('effectivePolicyToJson explains every key with amounts as wire strings', () => {
  const json = effectivePolicyToJson(
    mergePolicies([
      group('g', 1, { betMaxAmountMinor: 1_000_000n, attributes: attributes([['lounge', 'gold']]) }),
      vipLevel(1, { betMaxAmountMinor: 2_000_000n }),
    ]),
  );
  assert.deepEqual(json, {
    'rebate.enabled': { value: true, rule: 'false_wins', source: null, contributions: [] },
    'rebate.maxPerSettlement': null,
    'bet.maxAmount': {
      value: '100.0000',
      rule: 'lowest_wins',
      source: { kind: 'group', id: 'g', priority: 1 },
      contributions: [
        { source: { kind: 'group', id: 'g', priority: 1 }, value: '100.0000' },
        { source: { kind: 'vip_level', id: '1', priority: 0 }, value: '200.0000' },
      ],
    },
    'attributes.lounge': {
      value: 'gold',
      rule: 'highest_priority_wins',
      source: { kind: 'group', id: 'g', priority: 1 },
      contributions: [{ source: { kind: 'group', id: 'g', priority: 1 }, value: 'gold' }],
    },
  });
});

void describe('properties', () => {
  const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arbitrary, { nil: null });
  const policyArbitrary: fc.Arbitrary<Policy> = fc.record({
    rebateEnabled: optional(fc.boolean()),
    rebateMaxPerSettlementMinor: optional(fc.bigInt(0n, 50n)),
    betMaxAmountMinor: optional(fc.bigInt(0n, 50n)),
    attributes: fc
      .dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof(fc.string(), fc.integer(), fc.boolean()))
      .map((entries) => new Map(Object.entries(entries))),
  });
  // Unique (kind, id) pairs with few priorities, so ties are common. No chain(): shrinking a
  // failure stays fast.
  const sourcesArbitrary: fc.Arbitrary<SourcedPolicy[]> = fc.uniqueArray(
    fc.record(
      {
        source: fc.record(
          {
            kind: fc.constantFrom<'group' | 'vip_level'>('group', 'vip_level'),
            id: fc.constantFrom('1', '2', 'a', 'b', 'c'),
            priority: fc.integer({ min: -1, max: 1 }),
          },
          { noNullPrototype: true },
        ),
        policy: policyArbitrary,
      },
      { noNullPrototype: true },
    ),
    { maxLength: 8, selector: ({ source }) => `${source.kind}:${source.id}` },
  );
  /** A permutation: positions sorted by random keys. */
  const permute = <T>(items: readonly T[], keys: readonly number[]): T[] =>
    items
      .map((item, index) => ({ item, key: keys[index] ?? 0, index }))
      .sort((left, right) => left.key - right.key || right.index - left.index)
      .map(({ item }) => item);

  void test('mergePolicies is independent of the order of its sources', () => {
    fc.assert(
      fc.property(
        sourcesArbitrary,
        fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 8, maxLength: 8 }),
        (sources, keys) => {
          assert.deepEqual(mergePolicies(permute(sources, keys)), mergePolicies(sources));
        },
      ),
      { numRuns: 500 },
    );
  });

  void test('each key obeys its rule against a direct reading of the sources', () => {
    fc.assert(
      fc.property(sourcesArbitrary, (sources) => {
        const effective = mergePolicies(sources);
        const enabledSet = sources.map(({ policy }) => policy.rebateEnabled).filter((value) => value !== null);
        assert.equal(effective.rebateEnabled.value, !enabledSet.includes(false));
        const caps = sources.map(({ policy }) => policy.betMaxAmountMinor).filter((value) => value !== null);
        assert.equal(
          effective.betMaxAmountMinor?.value ?? null,
          caps.length === 0 ? null : caps.reduce((low, cap) => (cap < low ? cap : low)),
        );
        for (const [name, value] of effective.attributes) {
          // No other setter of this attribute outranks the winner.
          const winner = value.source;
          assert.ok(winner !== null, 'a set attribute has a winning source');
          for (const { source, policy } of sources) {
            if (policy.attributes.has(name))
              assert.ok(
                comparePolicySources(winner, source) <= 0,
                `${source.kind}:${source.id} outranks the winner of ${name}`,
              );
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
