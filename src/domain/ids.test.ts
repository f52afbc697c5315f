// Proves ids are accepted only as 64-bit decimal integers in 1..2^63-1 and come out in
// canonical form (leading zeros dropped, so "0042" and "42" are the same user); 0 and
// 2^63 and above are id_out_of_range, anything that is not plain digits is id_invalid,
// and a JSON number is taken only as a non-negative safe integer. Also proves gameId /
// periodId validation and that compareIds orders canonical ids numerically.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareIds, idMax, parseCode, parseId } from './ids.ts';
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

const inRangeId = fc.bigInt({ min: 1n, max: idMax });

void describe('parseId', () => {
  void test('property: every id in 1..2^63-1 is accepted in canonical form', () => {
    fc.assert(
      fc.property(inRangeId, (id) => {
        assert.equal(accepted(parseId(id.toString(), '/userId')), id.toString());
      }),
    );
  });

  void test('property: leading zeros are dropped, up to the 20-digit bound', () => {
    fc.assert(
      fc.property(inRangeId, fc.nat(20), (id, zeros) => {
        const text = id.toString().padStart(Math.min(20, id.toString().length + zeros), '0');
        assert.equal(accepted(parseId(text, '/userId')), id.toString());
      }),
    );
  });

  void test('the range ends: 1 and 2^63-1 are in, 0 and 2^63 and above are out', () => {
    assert.equal(accepted(parseId('1', '/userId')), '1');
    assert.equal(accepted(parseId('9223372036854775807', '/userId')), '9223372036854775807');
    assert.equal(idMax, 2n ** 63n - 1n);
    for (const text of ['0', '00', '9223372036854775808', '18446744073709551615', '99999999999999999999']) {
      refusedWith(parseId(text, '/userId'), 'id_out_of_range', text);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: idMax + 1n, max: 10n ** 20n - 1n }), (id) => {
        refusedWith(parseId(id.toString(), '/userId'), 'id_out_of_range', id);
      }),
    );
  });

  void test('anything but 1-20 plain ASCII digits is id_invalid', () => {
    const samples = [
      '',
      '-1',
      '+1',
      '1.0',
      '1e3',
      ' 1',
      '1 ',
      '0x1F',
      'abc',
      '١٢٣',
      '１２３',
      '1'.repeat(21),
      '0'.repeat(21),
    ];
    for (const text of samples) refusedWith(parseId(text, '/userId'), 'id_invalid', text);
  });

  void test('JSON numbers: non-negative safe integers only', () => {
    assert.equal(accepted(parseId(1001, '/userId')), '1001');
    assert.equal(accepted(parseId(2 ** 53 - 1, '/userId')), '9007199254740991');
    refusedWith(parseId(0, '/userId'), 'id_out_of_range', 0);
    for (const value of [-1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, null, true, {}, 10n]) {
      refusedWith(parseId(value, '/userId'), 'id_invalid', value);
    }
  });

  void test('a refusal carries the path', () => {
    const result = parseId('x', '/events/3/betId');
    assert.ok(!result.ok);
    assert.equal(result.path, '/events/3/betId');
  });
});

void describe('parseCode', () => {
  void test('1-64 characters of [A-Za-z0-9_.:-] are accepted as they are', () => {
    for (const code of ['ssc', '20261125-0481', 'a', 'A.b_c:d-e', 'x'.repeat(64)])
      assert.equal(accepted(parseCode(code, '/gameId')), code);
  });

  void test('empty, too long, other characters or not a string: event_field_invalid', () => {
    for (const value of ['', 'x'.repeat(65), 'a b', 'a/b', 'ä', '期号', 'a\n', 42, null]) {
      refusedWith(parseCode(value, '/periodId'), 'event_field_invalid', value);
    }
  });
});

void describe('compareIds', () => {
  void test('property: orders canonical ids as numbers', () => {
    fc.assert(
      fc.property(inRangeId, inRangeId, (left, right) => {
        const expected = left < right ? -1 : left > right ? 1 : 0;
        assert.equal(Math.sign(compareIds(left.toString(), right.toString())), expected);
      }),
    );
  });
});
