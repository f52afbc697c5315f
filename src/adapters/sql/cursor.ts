// Opaque keyset cursors: base64url JSON of the last key seen. A malformed cursor is a
// client error, reported as such by the caller.
import { TiernetError } from '../../app/errors.ts';

export function encodeCursor(key: Readonly<Record<string, string | number>>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, fields: readonly string[]): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new TiernetError('not_found', 'cursor is not valid', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null) throw new TiernetError('not_found', 'cursor is not valid');
  const result: Record<string, string> = {};
  for (const field of fields) {
    const value = (parsed as Record<string, unknown>)[field];
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new TiernetError('not_found', 'cursor is not valid');
    result[field] = String(value);
  }
  return result;
}
