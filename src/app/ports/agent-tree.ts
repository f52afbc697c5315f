// The agent tree port: walks over the users table's parent pointers (upline, downline, team,
// ancestry) and the few writes a rate change or a move needs. Depth is unbounded, so every
// walk is one recursive query per call: round trips never grow with depth, and no method
// recurses in JavaScript. test/contract/agent-tree.contract.ts runs against every adapter,
// including a 100k-deep chain.
import type { UserId } from '../../domain/ids.ts';
import type { UserRow } from './store.ts';

export interface AncestorRow {
  readonly userId: UserId;
  readonly parentId: UserId | null;
  /** Steps up from the user the upline was asked for: 1 is the parent. */
  readonly distance: number;
  /** The stored absolute depth (root = 0). */
  readonly depth: number;
  readonly rebateRatePpm: number;
  readonly placeholder: boolean;
}

export interface DescendantRow {
  readonly userId: UserId;
  readonly parentId: UserId;
  /** Levels below the user the downline was asked for: 1 is a direct child. */
  readonly level: number;
  /** The stored absolute depth (root = 0). */
  readonly depth: number;
  readonly rebateRatePpm: number;
  readonly placeholder: boolean;
  readonly directCount: number;
}

/** Where the next upline page starts: above the last ancestor returned. */
export interface UplineCursor {
  readonly afterUserId: UserId;
  readonly distance: number;
}

/**
 * Where the next downline page starts, in (level, userId) order, and where its walk may
 * start: `anchorIds` are every descendant at `anchorLevel` (a complete level, at most
 * downlineAnchorIdsMax ids, anchorLevel <= level), so a page deep in a narrow tree walks
 * from just above itself instead of from the top.
 */
export interface DownlineCursor {
  readonly level: number;
  readonly afterUserId: UserId;
  readonly anchorLevel: number;
  readonly anchorIds: readonly UserId[];
}

export const downlineAnchorIdsMax = 64;

export interface TreePage<Item, Cursor> {
  readonly items: readonly Item[];
  /** null when nothing follows this page. */
  readonly next: Cursor | null;
}

export interface DownlineQuery {
  /** Levels below the user to include, >= 1. No cap beyond what the caller asks. */
  readonly maxDepth: number;
  readonly cursor: DownlineCursor | null;
  readonly limit: number;
}

export interface TeamStats {
  /** Descendants, the user excluded. */
  readonly teamSize: number;
  /** Direct children, counted by the walk (not read from the stored counter). */
  readonly directCount: number;
  /** Levels of the deepest descendant below the user; 0 without descendants. */
  readonly maxRelativeDepth: number;
  /** The user's own lifetime turnover plus every descendant's (the settlement's team turnover). */
  readonly teamTurnoverLifetimeMinor: bigint;
}

export interface HighestChildRate {
  readonly childId: UserId;
  readonly ratePpm: number;
}

export interface AgentTreeRepository {
  /** Ancestors nearest first, `limit` per page; null when the user does not exist. */
  uplinePage(
    userId: UserId,
    cursor: UplineCursor | null,
    limit: number,
  ): Promise<TreePage<AncestorRow, UplineCursor> | null>;
  /** Descendants in breadth-first (level, userId) order; null when the user does not exist. */
  downlinePage(userId: UserId, query: DownlineQuery): Promise<TreePage<DescendantRow, DownlineCursor> | null>;
  /** True when `candidateAncestorId` is a strict ancestor of `userId`. One query. */
  isAncestor(candidateAncestorId: UserId, userId: UserId): Promise<boolean>;
  /** Adds `delta` to the depth of `rootId` and every descendant in one statement; returns the rows changed. */
  shiftSubtreeDepth(rootId: UserId, delta: number, nowMs: number): Promise<number>;
  /** Null when the user does not exist. A constant number of queries. */
  teamStats(userId: UserId): Promise<TeamStats | null>;
  /** The highest rate among non-placeholder direct children (lowest id on ties); null without any. */
  childrenRateMax(userId: UserId): Promise<HighestChildRate | null>;
  /** Reads users and holds them against concurrent writers until the transaction ends. */
  lockUsers(userIds: readonly UserId[]): Promise<Map<UserId, UserRow>>;
  /** Serialises tree moves: taken first by every move, held until its transaction ends. */
  lockTreeMoves(nowMs: number): Promise<void>;
  setRebateRate(userId: UserId, ratePpm: number, nowMs: number): Promise<void>;
  setParent(userId: UserId, parentId: UserId | null, nowMs: number): Promise<void>;
  addDirectCount(userId: UserId, delta: number, nowMs: number): Promise<void>;
}

/** Runs `work` in one transaction with a repository bound to it (retried whole on deadlock). */
export type AgentTreeTransaction = <T>(work: (tree: AgentTreeRepository) => Promise<T>) => Promise<T>;
