// Opaque page cursors for the upline and downline: base64url JSON of the repository's
// continuation, bound to the user it was issued for. A cursor that does not decode, or was
// issued for another user, is the client's mistake and is refused at `path`.
import type { DownlineCursor, UplineCursor } from '../ports/agent-tree.ts';
import { downlineAnchorIdsMax } from '../ports/agent-tree.ts';
import { parseId, type UserId } from '../../domain/ids.ts';
import { accept, refuse, type Result } from '../../domain/result.ts';

const cursorTextMax = 4_096;

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeObject(cursor: string, path: string): Result<Record<string, unknown>> {
  if (cursor.length === 0 || cursor.length > cursorTextMax || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    return refuse('request_invalid', `${path} is not a cursor this API issued`, path);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return accept(parsed as Record<string, unknown>);
  } catch {
    // refused below
  }
  return refuse('request_invalid', `${path} is not a cursor this API issued`, path);
}

const isLevel = (value: unknown, min: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

function idOf(value: unknown): UserId | null {
  if (typeof value !== 'string') return null;
  const parsed = parseId(value, '/cursor');
  return parsed.ok && parsed.value === value ? parsed.value : null;
}

export function encodeUplineCursor(userId: UserId, cursor: UplineCursor): string {
  return encode({ u: userId, a: cursor.afterUserId, d: cursor.distance });
}

export function decodeUplineCursor(userId: UserId, cursor: string, path: string): Result<UplineCursor> {
  const decoded = decodeObject(cursor, path);
  if (!decoded.ok) return decoded;
  const { u, a, d } = decoded.value;
  const afterUserId = idOf(a);
  if (u !== userId) return refuse('request_invalid', `${path} was issued for another user's upline`, path);
  if (afterUserId === null || !isLevel(d, 1))
    return refuse('request_invalid', `${path} is not a cursor this API issued`, path);
  return accept({ afterUserId, distance: d });
}

export function encodeDownlineCursor(userId: UserId, cursor: DownlineCursor): string {
  return encode({ u: userId, l: cursor.level, a: cursor.afterUserId, j: cursor.anchorLevel, n: cursor.anchorIds });
}

export function decodeDownlineCursor(userId: UserId, cursor: string, path: string): Result<DownlineCursor> {
  const decoded = decodeObject(cursor, path);
  if (!decoded.ok) return decoded;
  const { u, l, a, j, n } = decoded.value;
  if (u !== userId) return refuse('request_invalid', `${path} was issued for another user's downline`, path);
  const afterUserId = idOf(a);
  const anchorIds = Array.isArray(n) && n.length >= 1 && n.length <= downlineAnchorIdsMax ? n.map(idOf) : [null];
  if (afterUserId === null || !isLevel(l, 1) || !isLevel(j, 0) || j > l || anchorIds.some((id) => id === null)) {
    return refuse('request_invalid', `${path} is not a cursor this API issued`, path);
  }
  return accept({ level: l, afterUserId, anchorLevel: j, anchorIds: anchorIds as UserId[] });
}
