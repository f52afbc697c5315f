// Converters for values read from either driver. mysql2 returns BIGINT/DECIMAL as strings
// (bigNumberStrings) and INT as numbers; better-sqlite3 returns every INTEGER as bigint
// (safe integers). Reads normalise here, once, so no number ever loses precision.
import { invariant } from '../../domain/assert.ts';

export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    invariant(Number.isSafeInteger(value), `integer column returned an unsafe number ${value}`);
    return BigInt(value);
  }
  if (typeof value === 'string') {
    invariant(/^-?\d+$/.test(value), `integer column returned non-integer text "${value}"`);
    return BigInt(value);
  }
  invariant(false, `integer column returned ${typeof value}`);
}

export function toNumber(value: unknown): number {
  const big = toBigInt(value);
  invariant(
    big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER),
    `integer ${big} exceeds 2^53`,
  );
  return Number(big);
}

export function toNullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

/** Ids are canonical decimal strings in the domain. */
export function toId(value: unknown): string {
  return toBigInt(value).toString();
}

export function toNullableId(value: unknown): string | null {
  return value === null || value === undefined ? null : toId(value);
}

/** Exact columns (DECIMAL(40,0) in MySQL, TEXT in SQLite) hold integer text. */
export function toExact(value: unknown): bigint {
  if (typeof value === 'string' && /^-?\d+(\.0+)?$/.test(value)) return BigInt(value.replace(/\.0+$/, ''));
  return toBigInt(value);
}
