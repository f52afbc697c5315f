// Identifiers. userId and betId are 64-bit integers carried as canonical decimal strings
// (no leading zeros). They are accepted up to 2^63-1 rather than 2^64-1: every store
// (MySQL BIGINT, SQLite INTEGER, TiDB, Java consumers) holds that range natively, and real
// platform ids (snowflakes, auto-increments) live inside it. See docs/adr/0003-id-range.md.
import { accept, refuse, type Result } from './result.ts';

/** A user id in canonical decimal form. */
export type UserId = string;
/** A bet id in canonical decimal form. */
export type BetId = string;

export const idMax = 2n ** 63n - 1n;
const digitsPattern = /^\d{1,20}$/;
const codePattern = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Parses a decimal-string (or safe-integer JSON number) id into canonical form. */
export function parseId(input: unknown, path: string): Result<string> {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0)
      return refuse('id_invalid', `${path} must be a non-negative integer up to 2^53-1 when given as a number`, path);
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return refuse('id_invalid', `${path} must be a decimal string`, path);
  }
  if (!digitsPattern.test(text))
    return refuse('id_invalid', `${path} must be 1-20 decimal digits, got "${text.slice(0, 40)}"`, path);
  const value = BigInt(text);
  if (value < 1n || value > idMax)
    return refuse('id_out_of_range', `${path} must be between 1 and 2^63-1, got ${text}`, path);
  return accept(value.toString());
}

/** Parses a gameId or periodId: 1-64 characters of [A-Za-z0-9_.:-]. */
export function parseCode(input: unknown, path: string): Result<string> {
  if (typeof input !== 'string' || !codePattern.test(input)) {
    return refuse('event_field_invalid', `${path} must be 1-64 characters of [A-Za-z0-9_.:-]`, path);
  }
  return accept(input);
}

/** Orders canonical decimal ids numerically without converting to bigint. */
export function compareIds(left: string, right: string): number {
  if (left.length !== right.length) return left.length - right.length;
  return left < right ? -1 : left > right ? 1 : 0;
}
