// Proves validatePolicy reads each typed key into its unit (booleans, amounts in minor units,
// scalar attributes), refuses unknown keys, bad values and oversized policies with the code
// and the exact path, and that policyToJson is its canonical inverse.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { policyAttributeCountMax, policyToJson, validatePolicy, type Policy } from './policy.ts';

function accepted(json: unknown): Policy {
  const result = validatePolicy(json, '/policy');
  if (!result.ok) assert.fail(`${result.code} at ${result.path}: ${result.message}`);
  return result.value;
}

function refusal(json: unknown): { code: string; path: string | undefined } {
  const result = validatePolicy(json, '/policy');
  assert.ok(!result.ok, 'expected a refusal');
  return { code: result.code, path: result.path };
}

void describe('validatePolicy accepts', () => {
  void test('every key in its unit', () => {
    const policy = accepted({
      'rebate.enabled': false,
      'rebate.maxPerSettlement': '500.5',
      'bet.maxAmount': '0',
      'attributes.lounge': 'gold',
      'attributes.withdrawalsPerDay': 3,
      'attributes.kyc.required': true,
    });
    assert.equal(policy.rebateEnabled, false);
    assert.equal(policy.rebateMaxPerSettlementMinor, 5_005_000n);
    assert.equal(policy.betMaxAmountMinor, 0n);
    assert.deepEqual(
      policy.attributes,
      new Map<string, string | number | boolean>([
        ['lounge', 'gold'],
        ['withdrawalsPerDay', 3],
        ['kyc.required', true],
      ]),
    );
  });

  void test('an empty policy as all unset', () => {
    assert.deepEqual(accepted({}), {
      rebateEnabled: null,
      rebateMaxPerSettlementMinor: null,
      betMaxAmountMinor: null,
      attributes: new Map(),
    });
  });

  void test(`exactly ${policyAttributeCountMax} attributes`, () => {
    const json = Object.fromEntries(
      Array.from({ length: policyAttributeCountMax }, (_, index) => [`attributes.a${index}`, index]),
    );
    assert.equal(accepted({ ...json, 'rebate.enabled': true }).attributes.size, policyAttributeCountMax);
  });
});

void describe('validatePolicy refuses', () => {
  void test('an unknown key at its path', () => {
    assert.deepEqual(refusal({ 'rebate.enable': false }), {
      code: 'policy_key_unknown',
      path: '/policy/rebate.enable',
    });
    assert.deepEqual(refusal({ rebate: { enabled: false } }), { code: 'policy_key_unknown', path: '/policy/rebate' });
  });

  void test('a bad attribute name, escaped in the path', () => {
    assert.deepEqual(refusal({ 'attributes.': 1 }), { code: 'policy_key_unknown', path: '/policy/attributes.' });
    assert.deepEqual(refusal({ 'attributes.a/b': 1 }), { code: 'policy_key_unknown', path: '/policy/attributes.a~1b' });
  });

  void test('wrong value types', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ 'rebate.enabled': 'false' }, '/policy/rebate.enabled'],
      [{ 'rebate.enabled': null }, '/policy/rebate.enabled'],
      [{ 'rebate.maxPerSettlement': '1.00001' }, '/policy/rebate.maxPerSettlement'],
      [{ 'bet.maxAmount': '-1' }, '/policy/bet.maxAmount'],
      [{ 'bet.maxAmount': true }, '/policy/bet.maxAmount'],
      [{ 'attributes.x': null }, '/policy/attributes.x'],
      [{ 'attributes.x': [1] }, '/policy/attributes.x'],
      [{ 'attributes.x': { a: 1 } }, '/policy/attributes.x'],
      [{ 'attributes.x': Number.POSITIVE_INFINITY }, '/policy/attributes.x'],
      [{ 'attributes.x': 'y'.repeat(257) }, '/policy/attributes.x'],
    ];
    for (const [json, path] of cases) assert.deepEqual(refusal(json), { code: 'policy_value_invalid', path }, path);
  });

  void test('a non-object', () => {
    assert.deepEqual(refusal([]), { code: 'policy_invalid', path: '/policy' });
    assert.deepEqual(refusal('x'), { code: 'policy_invalid', path: '/policy' });
  });

  void test('too many attributes, before reading them', () => {
    const json = Object.fromEntries(
      Array.from({ length: policyAttributeCountMax + 1 }, (_, index) => [`attributes.a${index}`, index]),
    );
    assert.equal(refusal(json).code, 'policy_too_large');
    const huge = Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`k${index}`, index]));
    assert.deepEqual(refusal(huge), { code: 'policy_too_large', path: '/policy' });
  });
});

void test('policyToJson writes the canonical form and validates back to the same policy', () => {
  const policy = accepted({ 'bet.maxAmount': '20', 'attributes.b': 'x', 'attributes.a': 1.5, 'rebate.enabled': true });
  const json = policyToJson(policy);
  assert.deepEqual(json, {
    'rebate.enabled': true,
    'bet.maxAmount': '20.0000',
    'attributes.a': 1.5,
    'attributes.b': 'x',
  });
  assert.deepEqual(Object.keys(json), ['rebate.enabled', 'bet.maxAmount', 'attributes.a', 'attributes.b']);
  assert.deepEqual(accepted(json), policy);
});
