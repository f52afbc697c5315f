// The inbound event contract (DESIGN §2): parsing and validation, pure. Every refusal has a
// stable code and the JSON path of the fault, which becomes the DLQ record's error.
import { parseCode, parseId, type BetId, type UserId } from './ids.ts';
import { parseAmountMinor } from './money.ts';
import { parseRatePpm } from './rate.ts';
import { accept, refuse, type Result } from './result.ts';

export interface UserRegistered {
  readonly type: 'user.registered';
  readonly userId: UserId;
  readonly parentId: UserId | null;
  readonly rebateRatePpm: number;
  readonly registeredAtMs: number;
  readonly tags: readonly string[];
}

export interface BetPlaced {
  readonly type: 'bet.placed';
  readonly betId: BetId;
  readonly userId: UserId;
  readonly gameId: string;
  readonly periodId: string;
  readonly amountMinor: bigint;
  readonly placedAtMs: number;
}

export interface BetVoided {
  readonly type: 'bet.voided';
  readonly betId: BetId;
  readonly voidedAtMs: number;
}

export interface PeriodClosed {
  readonly type: 'period.closed';
  readonly gameId: string;
  readonly periodId: string;
  readonly closedAtMs: number;
}

export type InboundEvent = UserRegistered | BetPlaced | BetVoided | PeriodClosed;
export type InboundEventType = InboundEvent['type'];

export interface EventParseOptions {
  /** ISO-4217 code of the deployment; a bet naming another currency is refused. */
  readonly currency: string;
  /** Receive time: bounds how far in the future an event time may lie. */
  readonly nowMs: number;
}

/** Messages above this size are refused before parsing (hostile or broken producers). */
export const eventBytesMax = 16 * 1024;
/** Event times must lie after 2000-01-01 and at most this far past the receive time. */
export const eventTimeMinMs = Date.UTC(2000, 0, 1);
export const futureSkewMsMax = 24 * 60 * 60 * 1000;
const tagsMax = 32;
const tagPattern = /^[\p{L}\p{N}_.:-]{1,64}$/u;
const isoWithOffset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

type Fields = Readonly<Record<string, unknown>>;

function required(fields: Fields, name: string): Result<unknown> {
  const value = fields[name];
  return value === undefined || value === null
    ? refuse('event_field_missing', `${name} is required`, `/${name}`)
    : accept(value);
}

/** True when the YYYY-MM-DD that starts `text` names a day that exists (month 1-12, day within the month). */
function isCalendarDate(text: string): boolean {
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the following month is the last day of this one. setUTCFullYear, unlike
  // Date.UTC, takes years 0-99 literally (no 1900 added), so their leap days stay right.
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0);
  return day <= lastDay.getUTCDate();
}

/** Parses an ISO-8601 time with offset, or epoch milliseconds (number or digit string). */
export function parseEventTime(input: unknown, path: string, nowMs: number): Result<number> {
  let timeMs: number;
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input))
      return refuse('time_invalid', `${path} must be epoch milliseconds or ISO-8601 with an offset`, path);
    timeMs = input;
  } else if (typeof input === 'string' && /^\d{1,16}$/.test(input)) {
    timeMs = Number(input);
  } else if (typeof input === 'string' && isoWithOffset.test(input)) {
    timeMs = Date.parse(input);
    // Date.parse rolls an impossible day over into the next month ("2026-02-30" becomes
    // March 2), which would file the event under another day; such a date is refused.
    if (Number.isNaN(timeMs) || !isCalendarDate(input))
      return refuse('time_invalid', `${path} is not a valid time: "${input.slice(0, 40)}"`, path);
  } else {
    const shown = typeof input === 'string' ? `"${input.slice(0, 40)}"` : typeof input;
    return refuse('time_invalid', `${path} must be epoch milliseconds or ISO-8601 with an offset, got ${shown}`, path);
  }
  if (timeMs < eventTimeMinMs) return refuse('time_out_of_range', `${path} lies before 2000-01-01`, path);
  if (timeMs > nowMs + futureSkewMsMax)
    return refuse('time_out_of_range', `${path} lies more than 24 h in the future`, path);
  return accept(timeMs);
}

function parseTags(input: unknown): Result<string[]> {
  if (input === undefined || input === null) return accept([]);
  if (!Array.isArray(input) || input.length > tagsMax)
    return refuse('event_field_invalid', `tags must be an array of at most ${tagsMax} strings`, '/tags');
  const tags: string[] = [];
  for (const [index, tag] of input.entries()) {
    if (typeof tag !== 'string' || !tagPattern.test(tag)) {
      return refuse('event_field_invalid', 'each tag must be 1-64 letters, digits or _.:-', `/tags/${index}`);
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  return accept(tags);
}

function parseUserRegistered(fields: Fields, options: EventParseOptions): Result<UserRegistered> {
  const userIdField = required(fields, 'userId');
  if (!userIdField.ok) return userIdField;
  const userId = parseId(userIdField.value, '/userId');
  if (!userId.ok) return userId;
  let parentId: string | null = null;
  if (fields.parentId !== undefined && fields.parentId !== null) {
    const parsed = parseId(fields.parentId, '/parentId');
    if (!parsed.ok) return parsed;
    if (parsed.value === userId.value) return refuse('move_cycle', 'a user cannot be its own parent', '/parentId');
    parentId = parsed.value;
  }
  const rate =
    fields.rebateRate === undefined || fields.rebateRate === null
      ? accept(0)
      : parseRatePpm(fields.rebateRate, { path: '/rebateRate' });
  if (!rate.ok) return rate;
  const registeredAtField = required(fields, 'registeredAt');
  if (!registeredAtField.ok) return registeredAtField;
  const registeredAt = parseEventTime(registeredAtField.value, '/registeredAt', options.nowMs);
  if (!registeredAt.ok) return registeredAt;
  const tags = parseTags(fields.tags);
  if (!tags.ok) return tags;
  return accept({
    type: 'user.registered',
    userId: userId.value,
    parentId,
    rebateRatePpm: rate.value,
    registeredAtMs: registeredAt.value,
    tags: tags.value,
  });
}

function parseBetPlaced(fields: Fields, options: EventParseOptions): Result<BetPlaced> {
  const values: Record<string, unknown> = {};
  for (const name of ['betId', 'userId', 'gameId', 'periodId', 'amount', 'placedAt']) {
    const field = required(fields, name);
    if (!field.ok) return field;
    values[name] = field.value;
  }
  const betId = parseId(values.betId, '/betId');
  if (!betId.ok) return betId;
  const userId = parseId(values.userId, '/userId');
  if (!userId.ok) return userId;
  const gameId = parseCode(values.gameId, '/gameId');
  if (!gameId.ok) return gameId;
  const periodId = parseCode(values.periodId, '/periodId');
  if (!periodId.ok) return periodId;
  const amount = parseAmountMinor(values.amount, { path: '/amount' });
  if (!amount.ok) return amount;
  const placedAt = parseEventTime(values.placedAt, '/placedAt', options.nowMs);
  if (!placedAt.ok) return placedAt;
  if (fields.currency !== undefined && fields.currency !== options.currency) {
    const shown = typeof fields.currency === 'string' ? fields.currency.slice(0, 16) : typeof fields.currency;
    return refuse(
      'currency_mismatch',
      `currency ${shown} is not the deployment currency ${options.currency}`,
      '/currency',
    );
  }
  return accept({
    type: 'bet.placed',
    betId: betId.value,
    userId: userId.value,
    gameId: gameId.value,
    periodId: periodId.value,
    amountMinor: amount.value,
    placedAtMs: placedAt.value,
  });
}

function parseBetVoided(fields: Fields, options: EventParseOptions): Result<BetVoided> {
  const betIdField = required(fields, 'betId');
  if (!betIdField.ok) return betIdField;
  const betId = parseId(betIdField.value, '/betId');
  if (!betId.ok) return betId;
  const voidedAtField = required(fields, 'voidedAt');
  if (!voidedAtField.ok) return voidedAtField;
  const voidedAt = parseEventTime(voidedAtField.value, '/voidedAt', options.nowMs);
  if (!voidedAt.ok) return voidedAt;
  return accept({ type: 'bet.voided', betId: betId.value, voidedAtMs: voidedAt.value });
}

function parsePeriodClosed(fields: Fields, options: EventParseOptions): Result<PeriodClosed> {
  const values: Record<string, unknown> = {};
  for (const name of ['gameId', 'periodId', 'closedAt']) {
    const field = required(fields, name);
    if (!field.ok) return field;
    values[name] = field.value;
  }
  const gameId = parseCode(values.gameId, '/gameId');
  if (!gameId.ok) return gameId;
  const periodId = parseCode(values.periodId, '/periodId');
  if (!periodId.ok) return periodId;
  const closedAt = parseEventTime(values.closedAt, '/closedAt', options.nowMs);
  if (!closedAt.ok) return closedAt;
  return accept({ type: 'period.closed', gameId: gameId.value, periodId: periodId.value, closedAtMs: closedAt.value });
}

/** Validates an already-decoded JSON value as an inbound event. */
export function parseEventObject(input: unknown, options: EventParseOptions): Result<InboundEvent> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return refuse('event_not_object', 'an event must be a JSON object', '');
  }
  const fields = input as Fields;
  switch (fields.type) {
    case 'user.registered':
      return parseUserRegistered(fields, options);
    case 'bet.placed':
      return parseBetPlaced(fields, options);
    case 'bet.voided':
      return parseBetVoided(fields, options);
    case 'period.closed':
      return parsePeriodClosed(fields, options);
    default: {
      const shown = typeof fields.type === 'string' ? `"${fields.type.slice(0, 40)}"` : 'missing';
      return refuse('event_unknown_type', `unknown event type ${shown}`, '/type');
    }
  }
}

/** Decodes and validates one message's text. `byteLength` is the size on the wire. */
export function parseEventText(
  text: string | null,
  byteLength: number,
  options: EventParseOptions,
): Result<InboundEvent> {
  if (text === null) return refuse('event_not_json', 'the message has no value', '');
  if (byteLength > eventBytesMax)
    return refuse('event_too_large', `the message is ${byteLength} bytes; at most ${eventBytesMax} are accepted`, '');
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    return refuse('event_not_json', 'the message is not valid JSON', '');
  }
  return parseEventObject(decoded, options);
}

/** The natural key of an event: its idempotency key (DESIGN §2). */
export function naturalKeyOf(event: InboundEvent): string {
  switch (event.type) {
    case 'user.registered':
      return `user:${event.userId}`;
    case 'bet.placed':
    case 'bet.voided':
      return `bet:${event.betId}`;
    case 'period.closed':
      return `period:${event.gameId}:${event.periodId}`;
  }
}
