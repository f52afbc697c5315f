// Proves the inbound event contract: every documented shape parses to exact values, and
// every class of malformed event is refused with its stable code and the JSON path at fault.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eventBytesMax, parseEventObject, parseEventText, type InboundEvent } from './events.ts';
import type { Result } from './result.ts';

const nowMs = Date.UTC(2026, 10, 25, 12);
const options = { currency: 'CNY', nowMs };
const parse = (value: unknown): Result<InboundEvent> => parseEventObject(value, options);

function refusedWith(result: Result<unknown>, code: string, path?: string): void {
  assert.equal(result.ok, false, `expected a refusal with ${code}`);
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  if (path !== undefined) assert.equal(result.path, path);
}

describe('parseEventObject', () => {
  test('the DESIGN examples parse to exact values', () => {
    assert.deepEqual(
      parse({
        type: 'user.registered',
        userId: '1001',
        parentId: '1000',
        rebateRate: '0.065',
        registeredAt: '2026-11-25T08:00:00Z',
      }),
      {
        ok: true,
        value: {
          type: 'user.registered',
          userId: '1001',
          parentId: '1000',
          rebateRatePpm: 65_000,
          registeredAtMs: Date.UTC(2026, 10, 25, 8),
          tags: [],
        },
      },
    );
    assert.deepEqual(
      parse({
        type: 'bet.placed',
        betId: '9000001',
        userId: '1001',
        gameId: 'ssc',
        periodId: '20261125-0481',
        amount: '100.00',
        placedAt: '2026-11-25T08:01:02.345Z',
      }),
      {
        ok: true,
        value: {
          type: 'bet.placed',
          betId: '9000001',
          userId: '1001',
          gameId: 'ssc',
          periodId: '20261125-0481',
          amountMinor: 1_000_000n,
          placedAtMs: Date.UTC(2026, 10, 25, 8, 1, 2, 345),
        },
      },
    );
    assert.deepEqual(parse({ type: 'bet.voided', betId: '9000001', voidedAt: '2026-11-25T08:03:00Z' }), {
      ok: true,
      value: { type: 'bet.voided', betId: '9000001', voidedAtMs: Date.UTC(2026, 10, 25, 8, 3) },
    });
    assert.deepEqual(
      parse({
        type: 'period.closed',
        gameId: 'ssc',
        periodId: '20261125-0481',
        closedAt: Date.UTC(2026, 10, 25, 8, 5),
      }),
      {
        ok: true,
        value: {
          type: 'period.closed',
          gameId: 'ssc',
          periodId: '20261125-0481',
          closedAtMs: Date.UTC(2026, 10, 25, 8, 5),
        },
      },
    );
  });

  test('times with an offset are converted to UTC; times without one are refused', () => {
    const bet = { type: 'bet.voided', betId: '1' };
    const withOffset = parse({ ...bet, voidedAt: '2026-11-25T16:00:00+08:00' });
    assert.equal(
      withOffset.ok && withOffset.value.type === 'bet.voided' && withOffset.value.voidedAtMs,
      Date.UTC(2026, 10, 25, 8),
    );
    refusedWith(parse({ ...bet, voidedAt: '2026-11-25T16:00:00' }), 'time_invalid', '/voidedAt');
    refusedWith(parse({ ...bet, voidedAt: 'yesterday' }), 'time_invalid', '/voidedAt');
    // Date.parse would roll these over into the next month; they are not days.
    refusedWith(parse({ ...bet, voidedAt: '2026-02-30T00:00:00Z' }), 'time_invalid', '/voidedAt');
    refusedWith(parse({ ...bet, voidedAt: '2026-04-31T10:00:00+08:00' }), 'time_invalid', '/voidedAt');
    refusedWith(parse({ ...bet, voidedAt: '2025-02-29T10:00:00Z' }), 'time_invalid', '/voidedAt');
    assert.equal(parse({ ...bet, voidedAt: '2024-02-29T10:00:00Z' }).ok, true, 'a leap day exists');
    refusedWith(parse({ ...bet, voidedAt: '1999-12-31T23:59:59Z' }), 'time_out_of_range', '/voidedAt');
    refusedWith(parse({ ...bet, voidedAt: nowMs + 25 * 3_600_000 }), 'time_out_of_range', '/voidedAt');
  });

  test('each class of malformed bet is refused with its code and path', () => {
    const good = {
      type: 'bet.placed',
      betId: '1',
      userId: '2',
      gameId: 'g',
      periodId: 'p',
      amount: '1',
      placedAt: nowMs,
    };
    refusedWith(parse({ ...good, betId: undefined }), 'event_field_missing', '/betId');
    refusedWith(parse({ ...good, betId: 'abc' }), 'id_invalid', '/betId');
    refusedWith(parse({ ...good, userId: '9223372036854775808' }), 'id_out_of_range', '/userId');
    refusedWith(parse({ ...good, userId: 1.5 }), 'id_invalid', '/userId');
    refusedWith(parse({ ...good, gameId: 'has space' }), 'event_field_invalid', '/gameId');
    refusedWith(parse({ ...good, periodId: 'x'.repeat(65) }), 'event_field_invalid', '/periodId');
    refusedWith(parse({ ...good, amount: '-1' }), 'amount_negative', '/amount');
    refusedWith(parse({ ...good, amount: '0' }), 'amount_zero', '/amount');
    refusedWith(parse({ ...good, amount: '1.00001' }), 'amount_too_precise', '/amount');
    refusedWith(parse({ ...good, amount: '1e3' }), 'amount_not_decimal', '/amount');
    refusedWith(parse({ ...good, amount: '1000000000000.0001' }), 'amount_too_large', '/amount');
    refusedWith(parse({ ...good, amount: 0.1 }), 'amount_not_decimal', '/amount');
    refusedWith(parse({ ...good, currency: 'USD' }), 'currency_mismatch', '/currency');
    assert.equal(parse({ ...good, currency: 'CNY' }).ok, true);
  });

  test('registrations: bad rates, self-parenting and bad tags are refused', () => {
    const good = { type: 'user.registered', userId: '5', registeredAt: nowMs };
    assert.equal(parse(good).ok, true, 'parent and rate are optional (a root with rate 0)');
    refusedWith(parse({ ...good, rebateRate: '1.5' }), 'rate_too_large', '/rebateRate');
    refusedWith(parse({ ...good, rebateRate: '0.0000001' }), 'rate_too_precise', '/rebateRate');
    refusedWith(parse({ ...good, parentId: '5' }), 'move_cycle', '/parentId');
    refusedWith(parse({ ...good, tags: ['ok', 'not ok'] }), 'event_field_invalid', '/tags/1');
    const tagged = parse({ ...good, tags: ['高额', 'vip', 'vip'] });
    assert.deepEqual(tagged.ok && tagged.value.type === 'user.registered' && tagged.value.tags, ['高额', 'vip']);
  });

  test('non-objects and unknown types are refused', () => {
    refusedWith(parse([1, 2]), 'event_not_object');
    refusedWith(parse('bet'), 'event_not_object');
    refusedWith(parse({ type: 'bet.settled' }), 'event_unknown_type', '/type');
    refusedWith(parse({}), 'event_unknown_type', '/type');
  });
});

describe('parseEventText', () => {
  test('bad JSON, empty values and oversized messages are refused before parsing', () => {
    refusedWith(parseEventText('{"type":', 8, options), 'event_not_json');
    refusedWith(parseEventText(null, 0, options), 'event_not_json');
    refusedWith(parseEventText('{}', eventBytesMax + 1, options), 'event_too_large');
  });

  test('arbitrary text never throws: it parses or is refused with a code (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'grapheme' })), (text) => {
        const result = parseEventText(text, Buffer.byteLength(text), options);
        assert.equal(typeof result.ok, 'boolean');
        if (!result.ok) assert.match(result.code, /^[a-z_]+$/);
      }),
      { numRuns: 500 },
    );
  });
});
