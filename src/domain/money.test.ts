// Proves money's wire form is exact and strict: every amount in range survives
// format → parse unchanged; the wire form always has exactly 4 fraction digits and no
// leading zeros; each kind of bad text (too precise, negative, exponent, too large, empty,
// non-numeric, whitespace, hex, Infinity, NaN, unicode digits) is refused with its own
// code; JSON numbers are accepted only as safe integers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { amountMaxMinor, formatMinor, parseAmountMinor } from './money.ts';
import type { RefusalCode } from './refusal-codes.ts';
import type { Result } from './result.ts';

function accepted<T>(result: Result<T>): T {
  assert.ok(result.ok, result.ok ? '' : `refused: ${result.code} ${result.message}`);
  return result.value;
}

function refusedWith<T>(result: Result<T>, code: RefusalCode, input: unknown): void {
  assert.ok(!result.ok, `${JSON.stringify(String(input))} was accepted`);
  assert.equal(result.code, code, `${JSON.stringify(String(input))}: ${result.message}`);
}

const inRangeMinor = fc.bigInt({ min: 0n, max: amountMaxMinor });
const digits = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

void describe('formatMinor', () => {
  void test('known values', () => {
    assert.equal(formatMinor(0n), '0.0000');
    assert.equal(formatMinor(1n), '0.0001');
    assert.equal(formatMinor(10_000n), '1.0000');
    assert.equal(formatMinor(12_345_600n), '1234.5600');
    assert.equal(formatMinor(amountMaxMinor), '1000000000000.0000');
    assert.equal(formatMinor(-1n), '-0.0001');
    assert.equal(formatMinor(-123_456n), '-12.3456');
  });

  void test('property: exactly 4 fraction digits, no leading zeros, sign only when negative', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(amountMaxMinor * 1000n), max: amountMaxMinor * 1000n }), (amountMinor) => {
        const text = formatMinor(amountMinor);
        assert.match(text, /^-?(0|[1-9]\d*)\.\d{4}$/);
        assert.equal(text.startsWith('-'), amountMinor < 0n);
        assert.equal(BigInt(text.replace('.', '')), amountMinor);
      }),
    );
  });
});

void describe('parseAmountMinor', () => {
  void test('property: parse(format(x)) === x for every amount in range', () => {
    fc.assert(
      fc.property(inRangeMinor, (amountMinor) => {
        assert.equal(accepted(parseAmountMinor(formatMinor(amountMinor), { allowZero: true })), amountMinor);
        if (amountMinor > 0n) assert.equal(accepted(parseAmountMinor(formatMinor(amountMinor))), amountMinor);
      }),
    );
  });

  void test('property: shorter fractions and no fraction mean the same amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 4 }), (units, fractionDigits) => {
        const text = fractionDigits === 0 ? `${units}` : `${units}.${'0'.repeat(fractionDigits)}`;
        assert.equal(accepted(parseAmountMinor(text, { allowZero: true })), units * 10_000n);
      }),
    );
  });

  void test('known values', () => {
    assert.equal(accepted(parseAmountMinor('100.00')), 1_000_000n);
    assert.equal(accepted(parseAmountMinor('0.0001')), 1n);
    assert.equal(accepted(parseAmountMinor('1234.56')), 12_345_600n);
    assert.equal(accepted(parseAmountMinor('1000000000000')), amountMaxMinor);
    assert.equal(accepted(parseAmountMinor('1000000000000.0000')), amountMaxMinor);
    assert.equal(accepted(parseAmountMinor('007.5')), 75_000n);
    assert.equal(accepted(parseAmountMinor('0', { allowZero: true })), 0n);
  });

  void test('zero is refused unless allowed', () => {
    for (const text of ['0', '0.0', '0.0000', '000']) refusedWith(parseAmountMinor(text), 'amount_zero', text);
  });

  void test('more than 4 fraction digits: amount_too_precise, even when the extra digits are zeros', () => {
    for (const text of ['1.00001', '0.00001', '1.23456', '0.00000', '999999999999999.12345']) {
      refusedWith(parseAmountMinor(text), 'amount_too_precise', text);
    }
    fc.assert(
      fc.property(digits(1, 13), digits(5, 30), (whole, fraction) => {
        refusedWith(parseAmountMinor(`${whole}.${fraction}`), 'amount_too_precise', `${whole}.${fraction}`);
      }),
    );
  });

  void test('negatives: amount_negative', () => {
    for (const text of ['-1', '-0.0001', '-100.00', '-0']) refusedWith(parseAmountMinor(text), 'amount_negative', text);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: amountMaxMinor }), (amountMinor) => {
        refusedWith(parseAmountMinor(formatMinor(-amountMinor)), 'amount_negative', formatMinor(-amountMinor));
      }),
    );
  });

  void test('above 10^12: amount_too_large', () => {
    for (const text of ['1000000000000.0001', '1000000000001', '99999999999999999999']) {
      refusedWith(parseAmountMinor(text), 'amount_too_large', text);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: amountMaxMinor + 1n, max: 10n ** 40n }), (amountMinor) => {
        refusedWith(parseAmountMinor(formatMinor(amountMinor)), 'amount_too_large', formatMinor(amountMinor));
      }),
    );
  });

  void test('empty text: amount_empty', () => {
    refusedWith(parseAmountMinor(''), 'amount_empty', '');
  });

  void test('anything but plain ASCII decimal text: amount_not_decimal', () => {
    const samplesByKind = {
      exponents: ['1e3', '1E3', '1.5e2', '1e-3'],
      whitespace: [' 1', '1 ', '\t1', '1\n', '1 000', '\u00a01'],
      otherBases: ['0x10', '0X1F', '0b1', '0o7'],
      specialValues: ['Infinity', '-Infinity', 'NaN', 'infinity'],
      unicodeDigits: ['١٢٣', '١.٥', '１２３', '१२३', '𝟏𝟐𝟑'],
      otherText: ['abc', '1a', '.5', '5.', '+1', '--1', '-', '.', '1,000', '1_000', '1.2.3'],
      overInputBound: ['1'.repeat(65)],
    };
    const samples = Object.values(samplesByKind).flat();
    for (const text of samples) refusedWith(parseAmountMinor(text), 'amount_not_decimal', text);
  });

  void test('property: valid text wrapped in whitespace is refused', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: amountMaxMinor }),
        fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\ufeff'),
        fc.boolean(),
        (amountMinor, space, before) => {
          const text = before ? `${space}${formatMinor(amountMinor)}` : `${formatMinor(amountMinor)}${space}`;
          refusedWith(parseAmountMinor(text), 'amount_not_decimal', text);
        },
      ),
    );
  });

  void test('property: any text outside [0-9.] is refused as not decimal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), (text) => {
        fc.pre(!/^[\d.-]*$/.test(text));
        refusedWith(parseAmountMinor(text), 'amount_not_decimal', text);
      }),
    );
  });

  void test('JSON numbers: safe integers are units; fractions, unsafe and non-finite numbers are refused', () => {
    assert.equal(accepted(parseAmountMinor(100)), 1_000_000n);
    assert.equal(accepted(parseAmountMinor(1e12)), amountMaxMinor);
    refusedWith(parseAmountMinor(1e12 + 1), 'amount_too_large', 1e12 + 1);
    refusedWith(parseAmountMinor(0), 'amount_zero', 0);
    refusedWith(parseAmountMinor(-5), 'amount_negative', -5);
    for (const value of [0.5, 100.25, 1e-4, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      refusedWith(parseAmountMinor(value), 'amount_not_decimal', value);
    }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000_000_000 }), (units) => {
        assert.equal(accepted(parseAmountMinor(units)), BigInt(units) * 10_000n);
      }),
    );
  });

  void test('other JSON types are refused as not decimal', () => {
    for (const value of [null, undefined, true, {}, [], ['1'], 10n])
      refusedWith(parseAmountMinor(value), 'amount_not_decimal', value);
  });

  void test('a refusal carries the path it was given', () => {
    const result = parseAmountMinor('1e3', { path: '/events/0/amount' });
    assert.ok(!result.ok);
    assert.equal(result.path, '/events/0/amount');
    assert.equal('path' in parseAmountMinor('1e3'), false);
  });
});
