// Opaque page cursors for the group list and a group's members: base64url JSON of the last
// key returned. A cursor that does not decode is the client's mistake, refused at `path`.
import { parseId, type UserId } from '../../domain/ids.ts';
import { accept, refuse, type Result } from '../../domain/result.ts';
import { parseGroupId } from './group-input.ts';

const cursorTextMax = 512;

function encode(value: Readonly<Record<string, string>>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeField(cursor: string, field: string, path: string): Result<unknown> {
  const invalid = refuse('request_invalid', `${path} is not a cursor this API issued`, path);
  if (cursor.length === 0 || cursor.length > cursorTextMax || !/^[A-Za-z0-9_-]+$/.test(cursor)) return invalid;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return accept((parsed as Record<string, unknown>)[field]);
  } catch {
    // refused below
  }
  return invalid;
}

export const encodeGroupCursor = (groupId: string): string => encode({ g: groupId });

export function decodeGroupCursor(cursor: string, path: string): Result<string> {
  const value = decodeField(cursor, 'g', path);
  if (!value.ok) return value;
  const groupId = parseGroupId(value.value, path);
  return groupId.ok ? groupId : refuse('request_invalid', `${path} is not a cursor this API issued`, path);
}

export const encodeMemberCursor = (groupId: string, userId: UserId): string => encode({ g: groupId, u: userId });

export function decodeMemberCursor(groupId: string, cursor: string, path: string): Result<UserId> {
  const group = decodeField(cursor, 'g', path);
  const user = decodeField(cursor, 'u', path);
  if (!group.ok) return group;
  if (!user.ok) return user;
  if (group.value !== groupId) return refuse('request_invalid', `${path} was issued for another group`, path);
  const userId = parseId(user.value, path);
  return userId.ok ? userId : refuse('request_invalid', `${path} is not a cursor this API issued`, path);
}
