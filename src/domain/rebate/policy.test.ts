// Unit tests of validateRebatePolicy: both documented shapes are accepted with their
// explicit defaults, and every malformed document is refused with the JSON path at fault
// (wrong model, unknown key, bad rate text, too many levels, rates paying above the stake).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { perLevelRatesCountMax, validateRebatePolicy } from './policy.ts';

function refusal(json: unknown): { code: string; path: string | undefined } {
  const result = validateRebatePolicy(json);
  assert.equal(result.ok, false);
  return result.ok ? { code: '', path: undefined } : { code: result.code, path: result.path };
}

describe('validateRebatePolicy', () => {
  test('accepts the differential example from the contract', () => {
    assert.deepEqual(validateRebatePolicy({ model: 'differential', selfRebate: true }), {
      ok: true,
      value: { model: 'differential', selfRebate: true },
    });
    assert.deepEqual(validateRebatePolicy({ model: 'differential', selfRebate: false }), {
      ok: true,
      value: { model: 'differential', selfRebate: false },
    });
  });

  test('differential defaults selfRebate to true', () => {
    assert.deepEqual(validateRebatePolicy({ model: 'differential' }), {
      ok: true,
      value: { model: 'differential', selfRebate: true },
    });
  });

  test('accepts the per_level example from the contract, rates in ppm', () => {
    // 0.01 = 10_000 ppm; 0.005, 0.003, 0.001 = 5_000, 3_000, 1_000 ppm.
    assert.deepEqual(
      validateRebatePolicy({ model: 'per_level', selfRate: '0.01', rates: ['0.005', '0.003', '0.001'] }),
      {
        ok: true,
        value: { model: 'per_level', selfRatePpm: 10_000, levelRatesPpm: [5_000, 3_000, 1_000] },
      },
    );
  });

  test('per_level defaults selfRate to 0 and allows an empty rate list', () => {
    assert.deepEqual(validateRebatePolicy({ model: 'per_level', rates: [] }), {
      ok: true,
      value: { model: 'per_level', selfRatePpm: 0, levelRatesPpm: [] },
    });
  });

  test('refuses a non-object document and an unknown model', () => {
    assert.deepEqual(refusal(null), { code: 'policy_invalid', path: '' });
    assert.deepEqual(refusal([]), { code: 'policy_invalid', path: '' });
    assert.deepEqual(refusal({ model: 'pyramid' }), { code: 'policy_invalid', path: '/model' });
    assert.deepEqual(refusal({}), { code: 'policy_invalid', path: '/model' });
  });

  test('refuses unknown keys, so a misspelt key cannot fall back to a default', () => {
    assert.deepEqual(refusal({ model: 'differential', selfrebate: false }), {
      code: 'policy_invalid',
      path: '/selfrebate',
    });
    assert.deepEqual(refusal({ model: 'per_level', rates: [], selfRebate: true }), {
      code: 'policy_invalid',
      path: '/selfRebate',
    });
    assert.deepEqual(refusal({ model: 'differential', 'a/b': 1 }), { code: 'policy_invalid', path: '/a~1b' });
  });

  test('refuses a selfRebate that is not a boolean', () => {
    assert.deepEqual(refusal({ model: 'differential', selfRebate: 'yes' }), {
      code: 'policy_invalid',
      path: '/selfRebate',
    });
  });

  test('refuses bad rates at their path with the rate codes', () => {
    assert.deepEqual(refusal({ model: 'per_level', selfRate: '1.5', rates: [] }), {
      code: 'rate_too_large',
      path: '/selfRate',
    });
    assert.deepEqual(refusal({ model: 'per_level', rates: ['0.1', '-0.1'] }), {
      code: 'rate_negative',
      path: '/rates/1',
    });
    assert.deepEqual(refusal({ model: 'per_level', rates: ['0.0000001'] }), {
      code: 'rate_too_precise',
      path: '/rates/0',
    });
    assert.deepEqual(refusal({ model: 'per_level', rates: [0.5] }), { code: 'rate_not_decimal', path: '/rates/0' });
    assert.deepEqual(refusal({ model: 'per_level', rates: 'nope' }), { code: 'policy_invalid', path: '/rates' });
    assert.deepEqual(refusal({ model: 'per_level' }), { code: 'policy_invalid', path: '/rates' });
  });

  test('bounds the number of levels', () => {
    const atLimit = new Array<string>(perLevelRatesCountMax).fill('0');
    assert.equal(validateRebatePolicy({ model: 'per_level', rates: atLimit }).ok, true);
    assert.deepEqual(refusal({ model: 'per_level', rates: [...atLimit, '0'] }), {
      code: 'policy_invalid',
      path: '/rates',
    });
  });

  test('refuses rates that together pay more than the stake', () => {
    // 0.5 + 0.3 + 0.2 = 1 is the most allowed; 0.5 + 0.3 + 0.200001 is over.
    assert.equal(validateRebatePolicy({ model: 'per_level', selfRate: '0.5', rates: ['0.3', '0.2'] }).ok, true);
    assert.deepEqual(refusal({ model: 'per_level', selfRate: '0.5', rates: ['0.3', '0.200001'] }), {
      code: 'policy_invalid',
      path: '/rates',
    });
  });
});
