// Proves rates parse exactly into integer ppm and print back in the shortest exact form:
// every rate in [0, 1] survives format → parse, both from the shortest form and from the
// full 6-digit form; each kind of bad text (more than 6 fraction digits, above 1,
// negative, exponent, empty, whitespace, hex, Infinity, NaN, unicode digits) is refused
// with its own code; JSON numbers are accepted only as the safe integers 0 and 1.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatScaledDecimal } from './decimal.ts';
import { formatPpm, parseRatePpm, ppmPerUnit } from './rate.ts';
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

const inRangePpm = fc.integer({ min: 0, max: ppmPerUnit });

void describe('formatPpm', () => {
  void test('known values', () => {
    assert.equal(formatPpm(0), '0');
    assert.equal(formatPpm(1), '0.000001');
    assert.equal(formatPpm(65_000), '0.065');
    assert.equal(formatPpm(100_000), '0.1');
    assert.equal(formatPpm(ppmPerUnit), '1');
  });

  void test('property: shortest exact form, never a trailing zero or dot', () => {
    fc.assert(
      fc.property(inRangePpm, (ratePpm) => {
        const text = formatPpm(ratePpm);
        assert.match(text, /^(0|1)(\.\d{0,5}[1-9])?$/);
      }),
    );
  });
});

void describe('parseRatePpm', () => {
  void test('property: parse(format(x)) === x for every rate in [0, 1], shortest and full forms', () => {
    fc.assert(
      fc.property(inRangePpm, (ratePpm) => {
        assert.equal(accepted(parseRatePpm(formatPpm(ratePpm))), ratePpm);
        assert.equal(accepted(parseRatePpm(formatScaledDecimal(BigInt(ratePpm), 6))), ratePpm);
      }),
    );
  });

  void test('known values', () => {
    assert.equal(accepted(parseRatePpm('0.065')), 65_000);
    assert.equal(accepted(parseRatePpm('0')), 0);
    assert.equal(accepted(parseRatePpm('0.000000')), 0);
    assert.equal(accepted(parseRatePpm('1')), ppmPerUnit);
    assert.equal(accepted(parseRatePpm('1.000000')), ppmPerUnit);
    assert.equal(accepted(parseRatePpm('0.000001')), 1);
  });

  void test('more than 6 fraction digits: rate_too_precise', () => {
    for (const text of ['0.0000001', '0.0650000', '1.0000001', '0.1234567'])
      refusedWith(parseRatePpm(text), 'rate_too_precise', text);
    fc.assert(
      fc.property(fc.integer({ min: 7, max: 40 }), fc.integer({ min: 1, max: 9 }), (fractionDigits, last) => {
        const text = `0.${'0'.repeat(fractionDigits - 1)}${last}`;
        refusedWith(parseRatePpm(text), 'rate_too_precise', text);
      }),
    );
  });

  void test('above 1: rate_too_large', () => {
    for (const text of ['1.000001', '2', '1.5', '100']) refusedWith(parseRatePpm(text), 'rate_too_large', text);
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(ppmPerUnit) + 1n, max: 10n ** 20n }), (ratePpm) => {
        const text = formatScaledDecimal(ratePpm, 6);
        refusedWith(parseRatePpm(text), 'rate_too_large', text);
      }),
    );
  });

  void test('negatives: rate_negative', () => {
    for (const text of ['-0.1', '-1', '-0.000001']) refusedWith(parseRatePpm(text), 'rate_negative', text);
  });

  void test('empty text: rate_empty', () => {
    refusedWith(parseRatePpm(''), 'rate_empty', '');
  });

  void test('anything but plain ASCII decimal text: rate_not_decimal', () => {
    const samplesByKind = {
      exponents: ['1e-3', '6.5e-2', '1E0'],
      whitespace: [' 0.1', '0.1 ', '\t0.1', '0.1\n', '\u20030.1'],
      otherBases: ['0x1', '0b1'],
      specialValues: ['Infinity', 'NaN', '-Infinity'],
      unicodeDigits: ['٠.٥', '０.５', '０'],
      otherText: ['abc', '.5', '0.', '+0.1', '0,065', '6.5%', '1/2'],
    };
    for (const text of Object.values(samplesByKind).flat()) refusedWith(parseRatePpm(text), 'rate_not_decimal', text);
  });

  void test('JSON numbers: the safe integers 0 and 1 are accepted; fractions are refused', () => {
    assert.equal(accepted(parseRatePpm(0)), 0);
    assert.equal(accepted(parseRatePpm(1)), ppmPerUnit);
    refusedWith(parseRatePpm(2), 'rate_too_large', 2);
    refusedWith(parseRatePpm(-1), 'rate_negative', -1);
    for (const value of [0.065, 0.5, 1e-6, Number.NaN, Number.POSITIVE_INFINITY])
      refusedWith(parseRatePpm(value), 'rate_not_decimal', value);
    for (const value of [null, true, {}, '0.1'.split('')]) refusedWith(parseRatePpm(value), 'rate_not_decimal', value);
  });

  void test('a refusal carries the path it was given', () => {
    const result = parseRatePpm('2', { path: '/rebateRate' });
    assert.ok(!result.ok);
    assert.equal(result.path, '/rebateRate');
  });
});
