// Generators of inbound event messages for the event fuzzers (test/property/event-fuzz.test.ts
// at the use-case level, test/int/event-fuzz-kafka.test.ts on the real Kafka): one arbitrary
// per class of bad input, each message paired with the refusal code the contract gives it
// (src/domain/events.ts, ids.ts, decimal.ts, the ingest use case), and arbitraries of good
// events, some of them odd but valid (unicode in unknown fields, exact exponent numbers,
// offsets, ids as numbers). Messages are the raw text a producer would write, so raw JSON
// (bare 1e3, lone surrogates, NUL, truncations) can be expressed.
import fc from 'fast-check';
import { eventBytesMax, eventTimeMinMs, futureSkewMsMax } from '../../src/domain/events.ts';
import type { RefusalCode } from '../../src/domain/refusal-codes.ts';

export interface CorpusWorld {
  readonly nowMs: number;
  readonly currency: string;
  /** A registered root user (rate 0.05) that conflicting registrations and over-rate children name. */
  readonly seedUser: Readonly<Record<string, unknown>> & { readonly userId: string };
  /** An applied bet that conflicting bets reuse the id of. */
  readonly seedBet: Readonly<Record<string, unknown>> & { readonly betId: string };
  /**
   * The consumer reads a running clock (end to end): the service's "now" is later than
   * nowMs by the time a message is read, so far-future times keep an hour's margin. With a
   * fixed clock they start 1 ms past the limit.
   */
  readonly runningClock?: boolean;
}

/** The world both event fuzzers use: root user 500 (rate 0.05) and its bet 600, relative to nowMs. */
export function seedWorld(nowMs: number, options: { readonly runningClock?: boolean } = {}): CorpusWorld {
  return {
    nowMs,
    ...(options.runningClock === undefined ? {} : { runningClock: options.runningClock }),
    currency: 'CNY',
    seedUser: {
      type: 'user.registered',
      userId: '500',
      rebateRate: '0.05',
      registeredAt: nowMs - 86_400_000,
      tags: ['seed'],
    },
    seedBet: {
      type: 'bet.placed',
      betId: '600',
      userId: '500',
      gameId: 'ssc',
      periodId: 'seed',
      amount: '12.5',
      placedAt: nowMs - 3_600_000,
    },
  };
}

export interface BadMessage {
  /** The class of bad input (for coverage counts and failure messages). */
  readonly kind: string;
  /** The message value; null is a message without a value (a tombstone). */
  readonly text: string | null;
  readonly code: RefusalCode;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** Bad ids never collide with the good events' ids (which stay below this). */
export const reservedIdBase = 8_000_000_000_000_000n;

/** Marks a field whose value is written into the text as raw JSON (e.g. the bare number 1e3). */
export class Raw {
  constructor(readonly json: string) {}
}

/** JSON text of an event; Raw fields are spliced in unchanged. */
export function encode(event: Readonly<Record<string, unknown>>): string {
  const raws: string[] = [];
  const text = JSON.stringify(event, (_key, value: unknown) => {
    if (value instanceof Raw) {
      raws.push(value.json);
      return `\u0001raw${raws.length - 1}\u0001`;
    }
    return value;
  });
  // JSON.stringify escapes U+0001, so the marker only matches our placeholders.
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_match, index: string) => raws[Number(index)] ?? 'null');
}

// ---- building blocks ----

/** Characters that break naive handling: NUL, lone surrogates, bidi marks, BOM, emoji, look-alike digits, SQL. */
export const trickyStrings = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\u202e1001',
  '1001\u200f',
  '\u200b',
  '\ufeff1',
  '١٢٣',
  '１２３',
  '😀',
  '1😀',
  '👨‍👩‍👧',
  ' 1',
  '1 ',
  '',
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  "\\'; DELETE FROM bets; --",
  '\\',
  '1;2',
  '0x10',
  'NaN',
  'Infinity',
  'null',
  '%00',
  '\r\n',
];

const anyChar = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  fc.constantFrom(...trickyStrings),
);
/** Any UTF-16 text, lone surrogates and NUL included. */
export const anyString = (maxLength = 40): fc.Arbitrary<string> => fc.string({ unit: anyChar, maxLength });

const notPlainObject = <T>(value: T): boolean => typeof value !== 'object' || value === null || Array.isArray(value);
const nonJsonScalar = fc.oneof(
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.array(fc.nat({ max: 9 }), { minLength: 1, maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.nat(), { maxKeys: 2 }),
);
const fractionalNumber = fc
  .double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })
  .filter((value) => !Number.isInteger(value));

function badId(index: bigint): string {
  return String(reservedIdBase + index);
}

/** A unique id of the reserved range, per message generated. */
const reservedId = fc.bigInt({ min: 1n, max: 10n ** 15n }).map(badId);

function validTimeMs(world: CorpusWorld): fc.Arbitrary<number> {
  return fc.integer({ min: world.nowMs - 30 * dayMs, max: world.nowMs + futureSkewMsMax - hourMs });
}

function baseEvents(world: CorpusWorld): fc.Arbitrary<Record<string, unknown>> {
  const time = validTimeMs(world);
  return fc.oneof(
    fc.record({
      type: fc.constant('user.registered'),
      userId: reservedId,
      rebateRate: fc.constantFrom('0', '0.01', '1'),
      registeredAt: time,
    }),
    fc.record({
      type: fc.constant('bet.placed'),
      betId: reservedId,
      userId: reservedId,
      gameId: fc.constantFrom('ssc', 'g.1', 'lotto:5'),
      periodId: fc.constantFrom('p1', '20261125-0481'),
      amount: fc.constantFrom('1', '0.0001', '100.50'),
      placedAt: time,
    }),
    fc.record({ type: fc.constant('bet.voided'), betId: reservedId, voidedAt: time }),
    fc.record({
      type: fc.constant('period.closed'),
      gameId: fc.constantFrom('ssc', 'g.1'),
      periodId: fc.constantFrom('p1', 'p2'),
      closedAt: time,
    }),
  );
}

const requiredFields: Readonly<Record<string, readonly string[]>> = {
  'user.registered': ['userId', 'registeredAt'],
  'bet.placed': ['betId', 'userId', 'gameId', 'periodId', 'amount', 'placedAt'],
  'bet.voided': ['betId', 'voidedAt'],
  'period.closed': ['gameId', 'periodId', 'closedAt'],
};
const idFields: Readonly<Record<string, readonly string[]>> = {
  'user.registered': ['userId', 'parentId'],
  'bet.placed': ['betId', 'userId'],
  'bet.voided': ['betId'],
};
const timeFields: Readonly<Record<string, string>> = {
  'user.registered': 'registeredAt',
  'bet.placed': 'placedAt',
  'bet.voided': 'voidedAt',
  'period.closed': 'closedAt',
};

/** A base event of one of `types` with one field replaced by a value from `values`. */
function withField(
  world: CorpusWorld,
  pickField: (event: Record<string, unknown>) => readonly string[],
  values: fc.Arbitrary<unknown>,
): fc.Arbitrary<Record<string, unknown>> {
  return baseEvents(world)
    .filter((event) => pickField(event).length > 0)
    .chain((event) =>
      fc.tuple(fc.constantFrom(...pickField(event)), values).map(([field, value]) => ({ ...event, [field]: value })),
    );
}

const typeOf = (event: Record<string, unknown>): string => String(event.type);
const bad = (kind: string, code: RefusalCode) => (text: string | null) => ({ kind, text, code });

// ---- values per class ----

const digits = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });
const plainDecimal = fc
  .tuple(digits(1, 13), fc.option(digits(1, 4), { nil: undefined }))
  .map(([whole, fraction]) => (fraction === undefined ? whole : `${whole}.${fraction}`));

const invalidIdValues: fc.Arbitrary<unknown> = fc.oneof(
  anyString().filter((text) => !/^\d{1,20}$/.test(text)),
  fc.constantFrom(...trickyStrings).filter((text) => !/^\d{1,20}$/.test(text)),
  digits(21, 5_000),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
  fractionalNumber,
  fc.constant(new Raw('1e400')),
  fc.constant(new Raw('18446744073709551615')),
  nonJsonScalar,
);
const outOfRangeIdValues: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('0', '00000', '00000000000000000000', 0),
  fc.bigInt({ min: 2n ** 63n, max: 10n ** 20n - 1n }).map(String),
);
const invalidCodeValues: fc.Arbitrary<unknown> = fc
  .oneof(
    anyString(80),
    fc.constantFrom(...trickyStrings),
    fc.nat({ max: 64 }).map((extra) => 'g'.repeat(65 + extra * 150)),
    fc.integer(),
    nonJsonScalar,
  )
  .filter((value) => typeof value !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(value));

type AmountCode =
  'amount_negative' | 'amount_zero' | 'amount_too_precise' | 'amount_not_decimal' | 'amount_empty' | 'amount_too_large';
type RateCode = 'rate_negative' | 'rate_too_precise' | 'rate_too_large' | 'rate_not_decimal' | 'rate_empty';

function amountValues(code: AmountCode): fc.Arbitrary<unknown> {
  switch (code) {
    case 'amount_negative':
      return fc.oneof(
        plainDecimal.map((text) => `-${text}`),
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }),
      );
    case 'amount_zero':
      return fc.oneof(
        fc.constantFrom('0', '0.0', '0.0000', '000', 0),
        digits(1, 5).map((zeros) => `${'0'.repeat(zeros.length)}.${'0'.repeat(Math.min(4, zeros.length))}`),
      );
    case 'amount_too_precise':
      return fc.tuple(digits(1, 12), digits(5, 40)).map(([whole, fraction]) => `${whole}.${fraction}`);
    case 'amount_not_decimal':
      return fc.oneof(
        fc
          .tuple(digits(1, 4), fc.constantFrom('e', 'E', 'e+', 'E+', 'e-', 'E-'), digits(1, 3))
          .map(([mantissa, mark, exponent]) => `${mantissa}${mark}${exponent}`),
        fc.constantFrom('1e3', '1E+2', '2.5e1', '1e-2'),
        fc.constantFrom(new Raw('1.5'), new Raw('1e-2'), new Raw('2.5E+0'), new Raw('1e400'), new Raw('1e20')),
        fractionalNumber.filter((value) => value > 0),
        anyString().filter((text) => text !== '' && !/^-?\d+(\.\d+)?$/.test(text)),
        fc.constantFrom('+1', '1.', '.5', ' 1', '1 ', '1,000', '0x1F', '１', '١'),
        digits(65, 2_000),
        nonJsonScalar,
      );
    case 'amount_empty':
      return fc.constant('');
    case 'amount_too_large':
      return fc.oneof(
        fc.constantFrom('1000000000000.0001', '1000000000001', '99999999999999999999'),
        digits(14, 60).map((whole) => `9${whole}`),
      );
  }
}

function rateValues(code: RateCode): fc.Arbitrary<unknown> {
  switch (code) {
    case 'rate_negative':
      return digits(1, 3).map((text) => `-0.${text}`);
    case 'rate_too_precise':
      return digits(7, 30).map((fraction) => `0.${fraction}`);
    case 'rate_too_large':
      return fc.oneof(fc.constantFrom('1.000001', '2', '1000000'), fc.integer({ min: 2, max: 1_000_000 }));
    case 'rate_not_decimal':
      return fc.oneof(fc.constantFrom('1e-3', '5%', '0,5', '.5', 'half'), fractionalNumber, nonJsonScalar);
    case 'rate_empty':
      return fc.constant('');
  }
}

function isoOf(timeMs: number, offset: string): string {
  const date = new Date(timeMs);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${offset}`;
}

function farPastTimes(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: eventTimeMinMs - 1 }),
    fc.integer({ min: 0, max: eventTimeMinMs - 1 }).map(String),
    fc.integer({ min: Date.UTC(1000, 0, 1), max: eventTimeMinMs - 1 }).map((timeMs) => isoOf(timeMs, 'Z')),
    fc.constantFrom('1970-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '1999-12-31T23:59:59.999Z', 0, -1),
  );
}

function farFutureTimes(world: CorpusWorld): fc.Arbitrary<unknown> {
  const firstRefusedMs = world.nowMs + futureSkewMsMax + (world.runningClock === true ? hourMs : 1);
  return fc.oneof(
    fc.integer({ min: firstRefusedMs, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: firstRefusedMs, max: Number.MAX_SAFE_INTEGER }).map(String),
    fc.integer({ min: firstRefusedMs + dayMs, max: Date.UTC(9999, 11, 31) }).map((timeMs) => isoOf(timeMs, 'Z')),
    fc.constantFrom('9999-12-31T23:59:59Z', '2999-01-01T00:00:00+14:00'),
  );
}

const invalidTimes: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '2026-11-25T08:00:00',
    '2026-11-25 08:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-04-31T12:00:00+08:00',
    '2026-13-01T00:00:00Z',
    '2026-01-01T25:00:00Z',
    '2026-01-01T00:00:00+99:99',
    '+275760-09-13T00:00:00.000Z',
    'yesterday',
    'now',
    '',
    '1e12',
    '-1',
  ),
  digits(17, 40),
  anyString().filter((text) => !/^\d+$/.test(text) && !/^\d{4}-/.test(text)),
  fractionalNumber,
  fc.constant(new Raw('1e400')),
  fc.constant(new Raw('1e20')),
  nonJsonScalar,
);

const invalidTags: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('vip', 7, true, { vip: true }),
  fc.array(fc.constant('t'), { minLength: 33, maxLength: 40 }),
  fc
    .tuple(
      fc.array(fc.constantFrom('ok', 'vip', '中文'), { maxLength: 3 }),
      fc.oneof(
        fc.constantFrom(...trickyStrings).filter((text) => !/^[\p{L}\p{N}_.:-]{1,64}$/u.test(text)),
        fc.constantFrom('has space', 'x'.repeat(65), 'semi;colon', 7, null, {}),
      ),
    )
    .map(([good, wrong]) => [...good, wrong]),
);

const knownTypes = ['user.registered', 'bet.placed', 'bet.voided', 'period.closed'];

// ---- the classes ----

/** Every class of bad message, each with the code it must be dead-lettered with. */
export function badMessageArbitraries(world: CorpusWorld): Record<string, fc.Arbitrary<BadMessage>> {
  const base = baseEvents(world);
  const goodText = base.map(encode);
  const classes: Record<string, fc.Arbitrary<BadMessage>> = {
    notJson: fc
      .oneof(
        anyString(60),
        goodText.chain((text) => fc.nat({ max: text.length - 1 }).map((cut) => text.slice(0, cut))),
        goodText.map((text) => `\ufeff${text}`),
        goodText.map((text) => `${text.slice(0, -1)},}`),
        goodText.map((text) => text.replaceAll('"', "'")),
        fc.constantFrom('{"type":"bet.placed","amount":NaN}', '{"type":"bet\u0001placed"}', '{}{}', '[', 'undefined'),
      )
      .filter((text) => {
        try {
          JSON.parse(text);
          return false;
        } catch {
          return true;
        }
      })
      .map(bad('notJson', 'event_not_json')),
    notObject: fc
      .oneof(
        fc.jsonValue({ maxDepth: 3 }).filter(notPlainObject),
        fc.nat({ max: 5_000 }).map((depth) => new Raw(`${'['.repeat(depth + 1)}${']'.repeat(depth + 1)}`)),
        base.map((event) => [event]),
      )
      .map((value) => (value instanceof Raw ? value.json : JSON.stringify(value)))
      .map(bad('notObject', 'event_not_object')),
    unknownType: fc
      .tuple(
        base,
        fc.oneof(
          anyString().filter((type) => !knownTypes.includes(type)),
          fc.constantFrom(
            'bet.settled',
            'BET.PLACED',
            'bet.placed ',
            ' bet.placed',
            'bet.placed\u0000',
            'bet.placed\ud800',
            'bet.placed\u200f',
            'user.registered😀',
            '__proto__',
            'constructor',
            'toString',
            undefined,
            null,
            1,
            true,
            ['bet.placed'],
            { type: 'bet.placed' },
          ),
          fc.nat({ max: 1_000 }).map((length) => 'bet.placed'.repeat(2 + length)),
        ),
      )
      .map(([event, type]) => encode({ ...event, type }))
      .map(bad('unknownType', 'event_unknown_type')),
    missingField: base
      .chain((event) =>
        fc.tuple(fc.constantFrom(...(requiredFields[typeOf(event)] ?? [])), fc.boolean()).map(([field, asNull]) => {
          const copy: Record<string, unknown> = { ...event };
          if (asNull) copy[field] = null;
          else delete copy[field];
          return encode(copy);
        }),
      )
      .map(bad('missingField', 'event_field_missing')),
    idInvalid: withField(world, (event) => idFields[typeOf(event)] ?? [], invalidIdValues)
      .map(encode)
      .map(bad('idInvalid', 'id_invalid')),
    idOutOfRange: withField(world, (event) => idFields[typeOf(event)] ?? [], outOfRangeIdValues)
      .map(encode)
      .map(bad('idOutOfRange', 'id_out_of_range')),
    codeInvalid: withField(
      world,
      (event) => (event.type === 'bet.placed' || event.type === 'period.closed' ? ['gameId', 'periodId'] : []),
      invalidCodeValues,
    )
      .map(encode)
      .map(bad('codeInvalid', 'event_field_invalid')),
    tagsInvalid: withField(world, (event) => (event.type === 'user.registered' ? ['tags'] : []), invalidTags)
      .map(encode)
      .map(bad('tagsInvalid', 'event_field_invalid')),
    currencyMismatch: withField(
      world,
      (event) => (event.type === 'bet.placed' ? ['currency'] : []),
      fc.oneof(
        anyString(8).filter((text) => text !== world.currency),
        fc.constantFrom(world.currency.toLowerCase(), `${world.currency} `, 'USD', "CNY'; --", null, 156, true),
      ),
    )
      .map(encode)
      .map(bad('currencyMismatch', 'currency_mismatch')),
    farPastTime: withField(world, (event) => [timeFields[typeOf(event)] ?? 'type'], farPastTimes())
      .map(encode)
      .map(bad('farPastTime', 'time_out_of_range')),
    farFutureTime: withField(world, (event) => [timeFields[typeOf(event)] ?? 'type'], farFutureTimes(world))
      .map(encode)
      .map(bad('farFutureTime', 'time_out_of_range')),
    invalidTime: withField(world, (event) => [timeFields[typeOf(event)] ?? 'type'], invalidTimes)
      .map(encode)
      .map(bad('invalidTime', 'time_invalid')),
    selfParent: reservedId
      .chain((userId) =>
        fc.constantFrom(userId, Number(userId) <= Number.MAX_SAFE_INTEGER ? Number(userId) : userId).map((parentId) =>
          encode({
            type: 'user.registered',
            userId,
            parentId,
            rebateRate: '0',
            registeredAt: world.nowMs - dayMs,
          }),
        ),
      )
      .map(bad('selfParent', 'move_cycle')),
    tooLarge: fc
      .tuple(
        base,
        fc.constantFrom('x', 'é', '中', '😀', '\u0000'),
        fc.integer({ min: eventBytesMax + 1, max: 4 * eventBytesMax }),
      )
      .map(([event, unit, bytes]) => {
        const unitBytes = Buffer.byteLength(JSON.stringify(unit)) - 2;
        return encode({ ...event, pad: unit.repeat(Math.ceil(bytes / unitBytes)) });
      })
      .map(bad('tooLarge', 'event_too_large')),
    tooLargeNotJson: fc
      .integer({ min: eventBytesMax + 1, max: 2 * eventBytesMax })
      .map((bytes) => `{"type":"bet.placed"${'\u0000'.repeat(bytes)}`)
      .map(bad('tooLargeNotJson', 'event_too_large')),
    // A conflicting copy of the seed: same natural key, other content.
    betConflict: fc
      .oneof(
        fc.constant({ amount: '777.7777' }),
        fc.constant({ userId: badId(1n) }),
        fc.constant({ gameId: 'other' }),
        fc.constant({ periodId: 'other' }),
        validTimeMs(world).map((placedAt) => ({ placedAt })),
      )
      .filter((change) => Object.entries(change).some(([field, value]) => world.seedBet[field] !== value))
      .map((change) => encode({ ...world.seedBet, ...change }))
      .map(bad('betConflict', 'bet_conflict')),
    userConflict: fc
      .oneof(
        fc.constantFrom({ rebateRate: '0.04' }, { parentId: badId(2n) }, { tags: ['other'] }, { tags: [] }),
        validTimeMs(world).map((registeredAt) => ({ registeredAt })),
      )
      .filter((change) => JSON.stringify({ ...world.seedUser, ...change }) !== JSON.stringify(world.seedUser))
      .map((change) => encode({ ...world.seedUser, ...change }))
      .map(bad('userConflict', 'user_conflict')),
    rateAboveParent: fc
      .tuple(reservedId, fc.constantFrom('0.050001', '0.06', '0.5', '1'))
      .map(([userId, rebateRate]) =>
        encode({
          type: 'user.registered',
          userId,
          parentId: world.seedUser.userId,
          rebateRate,
          registeredAt: world.nowMs - hourMs,
        }),
      )
      .map(bad('rateAboveParent', 'rate_above_parent')),
  };
  const betOf = (amount: fc.Arbitrary<unknown>) =>
    withField(world, (event) => (event.type === 'bet.placed' ? ['amount'] : []), amount).map(encode);
  for (const code of [
    'amount_negative',
    'amount_zero',
    'amount_too_precise',
    'amount_not_decimal',
    'amount_empty',
    'amount_too_large',
  ] as const)
    classes[code] = betOf(amountValues(code)).map(bad(code, code));
  for (const code of ['rate_negative', 'rate_too_precise', 'rate_too_large', 'rate_not_decimal', 'rate_empty'] as const)
    classes[code] = withField(
      world,
      (event) => (event.type === 'user.registered' ? ['rebateRate'] : []),
      rateValues(code),
    )
      .map(encode)
      .map(bad(code, code));
  return classes;
}

/** Any bad message (every class equally likely), plus the tombstone at the use-case level. */
export function badMessageArbitrary(world: CorpusWorld, options: { tombstones: boolean }): fc.Arbitrary<BadMessage> {
  const classes = Object.values(badMessageArbitraries(world));
  return options.tombstones
    ? fc.oneof(...classes, fc.constant<BadMessage>({ kind: 'tombstone', text: null, code: 'event_not_json' }))
    : fc.oneof(...classes);
}

// ---- good events ----

export interface GoodSpec {
  readonly kind: 'register' | 'bet' | 'void' | 'close';
  /** Which earlier user or bet of the batch this refers to (taken modulo the count). */
  readonly ref: number;
  readonly amount: unknown;
  readonly time: number;
  readonly timeForm: 'number' | 'digits' | 'zulu' | 'offset';
  readonly idAsNumber: boolean;
  readonly extra: Record<string, unknown>;
  readonly tags: readonly string[] | undefined;
  readonly explicitCurrency: boolean;
}

/** Valid amounts in every accepted spelling, with the minor units each stands for. */
const goodAmounts: fc.Arbitrary<unknown> = fc.oneof(
  fc.bigInt({ min: 1n, max: 10_000_000n }).map((minor) => {
    const text = `${minor / 10_000n}.${String(minor % 10_000n).padStart(4, '0')}`;
    return text.replace(/\.?0+$/, '') || text;
  }),
  fc.constantFrom('0.0001', '1000000000000', '1000000000000.0000', '007.5', '1'),
  fc.constantFrom(new Raw('1e3'), new Raw('1E+2'), new Raw('25'), new Raw('2.5e1')),
);

export function goodSpecArbitrary(world: CorpusWorld): fc.Arbitrary<GoodSpec> {
  return fc.record({
    kind: fc.constantFrom('register', 'bet', 'bet', 'bet', 'void', 'close'),
    ref: fc.nat({ max: 1_000 }),
    amount: goodAmounts,
    time: validTimeMs(world),
    timeForm: fc.constantFrom('number', 'digits', 'zulu', 'offset'),
    idAsNumber: fc.boolean(),
    extra: fc.oneof(
      fc.constant({}),
      fc.record({ note: anyString(30) }),
      fc.record({ [`${'k'}😀`]: fc.constantFrom(...trickyStrings) }),
      fc.record({ nested: fc.jsonValue({ maxDepth: 2 }) }),
      fc.constant({ pad: 'x'.repeat(eventBytesMax - 600) }),
    ),
    tags: fc.option(fc.uniqueArray(fc.constantFrom('vip', '中文', 'عربي', 'a.b:c-d_e', '٣'), { maxLength: 3 }), {
      nil: undefined,
    }),
    explicitCurrency: fc.boolean(),
  });
}

function timeValue(spec: GoodSpec): unknown {
  switch (spec.timeForm) {
    case 'number':
      return spec.time;
    case 'digits':
      return String(spec.time);
    case 'zulu':
      return new Date(spec.time).toISOString();
    case 'offset':
      return `${isoOf(spec.time + 8 * hourMs, '+08:00').slice(0, 19)}.${String(spec.time % 1000).padStart(3, '0')}+08:00`;
  }
}

/** Turns specs into good events with ids from `idBase` up (unique per call when bases differ by >= 10^6). */
export function materializeGood(
  world: CorpusWorld,
  specs: readonly GoodSpec[],
  idBase: number,
): { text: string; kind: GoodSpec['kind']; betId?: string }[] {
  const users: string[] = [];
  const bets: Record<string, unknown>[] = [];
  let nextId = idBase;
  const out: { text: string; kind: GoodSpec['kind']; betId?: string }[] = [];
  const id = (value: string, spec: GoodSpec): unknown => (spec.idAsNumber ? Number(value) : value);
  for (const spec of specs) {
    const kind = spec.kind === 'void' && bets.length === 0 ? 'bet' : spec.kind;
    switch (kind) {
      case 'register': {
        const userId = String((nextId += 1));
        const parent = spec.ref % 3 === 0 || users.length === 0 ? null : users[spec.ref % users.length];
        out.push({
          kind,
          text: encode({
            type: 'user.registered',
            userId: id(userId, spec),
            ...(parent === null ? {} : { parentId: parent }),
            // Children take 0: never above a parent's rate, whatever the order.
            rebateRate: parent === null ? '0.05' : '0',
            registeredAt: timeValue(spec),
            ...(spec.tags === undefined ? {} : { tags: spec.tags }),
            ...spec.extra,
          }),
        });
        users.push(userId);
        break;
      }
      case 'bet': {
        const betId = String((nextId += 1));
        const userId =
          users.length === 0 || spec.ref % 4 === 0 ? String((nextId += 1)) : users[spec.ref % users.length];
        const event: Record<string, unknown> = {
          type: 'bet.placed',
          betId: id(betId, spec),
          userId,
          gameId: `g${spec.ref % 2}`,
          periodId: `p${idBase}-${spec.ref % 3}`,
          amount: spec.amount,
          placedAt: timeValue(spec),
          ...(spec.explicitCurrency ? { currency: world.currency } : {}),
          ...spec.extra,
        };
        bets.push({ ...event, betId });
        out.push({ kind, betId, text: encode(event) });
        break;
      }
      case 'void': {
        // Each bet is voided at most once, so the void is applied rather than a duplicate.
        const target = bets.splice(spec.ref % bets.length, 1)[0] as Record<string, unknown>;
        out.push({
          kind,
          text: encode({ type: 'bet.voided', betId: target.betId, voidedAt: timeValue(spec), ...spec.extra }),
        });
        break;
      }
      case 'close':
        out.push({
          kind,
          text: encode({
            type: 'period.closed',
            gameId: 'g0',
            periodId: `p${idBase}-close-${(nextId += 1)}`,
            closedAt: timeValue(spec),
          }),
        });
        break;
    }
  }
  return out;
}

/** The same bet as `betText` with another amount: a bet_conflict when it follows the original. */
export function conflictingCopy(betText: string): string {
  const event = JSON.parse(betText) as Record<string, unknown>;
  return JSON.stringify({ ...event, amount: event.amount === '31.4159' ? '27.1828' : '31.4159' });
}
