// Reading the agent tree for the API: upline and downline pages with opaque cursors, and
// team figures. An unknown user is a refusal (user_unknown), as is a cursor that is not
// one of ours; page sizes are bounded here, once, for every caller.
import type { AgentTreeRepository, AncestorRow, DescendantRow, TeamStats } from '../ports/agent-tree.ts';
import type { UserId } from '../../domain/ids.ts';
import { accept, refuse, type Result } from '../../domain/result.ts';
import { decodeDownlineCursor, decodeUplineCursor, encodeDownlineCursor, encodeUplineCursor } from './agent-cursors.ts';

export const agentPageLimitDefault = 100;
export const agentPageLimitMax = 1_000;

export interface AgentPage<Item> {
  readonly userId: UserId;
  readonly items: readonly Item[];
  readonly nextCursor: string | null;
}

export interface PageRequest {
  readonly userId: UserId;
  readonly cursor: string | null;
  readonly limit: number;
}

/** Refusal paths name the request's fields: /cursor, /limit, /depth. */
const cursorPath = '/cursor';

const unknownUser = (userId: UserId) => refuse('user_unknown', `user ${userId} does not exist`);

function checkLimit(limit: number): Result<number> {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > agentPageLimitMax) {
    return refuse('request_invalid', `limit must be an integer from 1 to ${agentPageLimitMax}`, '/limit');
  }
  return accept(limit);
}

export async function readUpline(
  tree: AgentTreeRepository,
  request: PageRequest,
): Promise<Result<AgentPage<AncestorRow>>> {
  const limit = checkLimit(request.limit);
  if (!limit.ok) return limit;
  const cursor =
    request.cursor === null ? accept(null) : decodeUplineCursor(request.userId, request.cursor, cursorPath);
  if (!cursor.ok) return cursor;
  const page = await tree.uplinePage(request.userId, cursor.value, limit.value);
  if (page === null) return unknownUser(request.userId);
  return accept({
    userId: request.userId,
    items: page.items,
    nextCursor: page.next === null ? null : encodeUplineCursor(request.userId, page.next),
  });
}

export async function readDownline(
  tree: AgentTreeRepository,
  request: PageRequest & { readonly maxDepth: number },
): Promise<Result<AgentPage<DescendantRow>>> {
  const limit = checkLimit(request.limit);
  if (!limit.ok) return limit;
  if (!Number.isSafeInteger(request.maxDepth) || request.maxDepth < 1) {
    return refuse('request_invalid', 'depth must be a positive integer', '/depth');
  }
  const cursor =
    request.cursor === null ? accept(null) : decodeDownlineCursor(request.userId, request.cursor, cursorPath);
  if (!cursor.ok) return cursor;
  const page = await tree.downlinePage(request.userId, {
    maxDepth: request.maxDepth,
    cursor: cursor.value,
    limit: limit.value,
  });
  if (page === null) return unknownUser(request.userId);
  return accept({
    userId: request.userId,
    items: page.items,
    nextCursor: page.next === null ? null : encodeDownlineCursor(request.userId, page.next),
  });
}

export async function readTeam(tree: AgentTreeRepository, userId: UserId): Promise<Result<TeamStats>> {
  const stats = await tree.teamStats(userId);
  return stats === null ? unknownUser(userId) : accept(stats);
}
