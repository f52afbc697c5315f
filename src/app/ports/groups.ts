// The groups port (DESIGN.md §4): group definitions, materialised membership and the few
// reads the membership use cases need that no other repository offers (ancestors among a
// set of candidates, VIP levels by level). One SQL implementation over MySQL and SQLite
// (src/adapters/sql/groups-repository.ts); every method is batched and bounded.
//
// Locks. Group definitions are guarded like a readers-writer lock so that a membership
// change is always decided with the latest rule and never interleaves with a rebuild batch:
//   - a transaction that changes a definition (create, edit, delete) bumps the catalog
//     version first (exclusive lock on one row);
//   - the after-change hook reads the catalog version and the affected group rows with
//     `shared` locks (latest committed, compatible with each other);
//   - a rebuild, deletion or day-tick batch locks its group rows `exclusive` first.
// SQLite has one writer at a time, so there every lock is a no-op.
import type { UserId } from '../../domain/ids.ts';

export type GroupKind = 'static' | 'dynamic';
/** How a user came to be a member: by the group's rule, or added through the API. */
export type MemberSource = 'rule' | 'manual';
export type RowLock = 'none' | 'shared' | 'exclusive';

export interface GroupRow {
  readonly groupId: string;
  readonly name: string;
  readonly kind: GroupKind;
  /** Canonical rule JSON (ruleToJson) of a dynamic group; null on static groups. */
  readonly ruleDoc: string | null;
  /** Starts at 1; every rule edit adds 1. */
  readonly ruleVersion: number;
  /** Canonical policy JSON (policyToJson); null when the group carries no policy. */
  readonly policyDoc: string | null;
  readonly priority: number;
  /** A tombstone: the group is gone for every reader while its members are removed. */
  readonly deleting: boolean;
  /** Non-null while a membership rebuild is pending: the last user id done ('0': none yet). */
  readonly rebuildAfterUserId: UserId | null;
  /** Joins and leaves the pending (or last) rebuild has written so far. */
  readonly rebuildJoined: number;
  readonly rebuildLeft: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface GroupMemberRow {
  readonly groupId: string;
  readonly userId: UserId;
  readonly source: MemberSource;
  /** The group's rule version when the user joined. */
  readonly ruleVersion: number;
  readonly sinceMs: number;
}

export interface GroupMemberKey {
  readonly groupId: string;
  readonly userId: UserId;
}

export interface GroupsRepository {
  /** The version of the group definitions; 0 before any group was ever stored. */
  catalogVersion(lock: 'none' | 'shared'): Promise<number>;
  /** Adds 1 to the catalog version under an exclusive lock and returns it: first in a definition change. */
  bumpCatalogVersion(nowMs: number): Promise<number>;
  /** Rows of the given groups, tombstones included, locked as asked (in id order). */
  getMany(groupIds: readonly string[], lock: RowLock): Promise<Map<string, GroupRow>>;
  /** Live groups (no tombstones) in id order after `afterGroupId`. */
  listPage(afterGroupId: string | null, limit: number): Promise<GroupRow[]>;
  /** Live dynamic groups, at most `limit` + 1 rows so the caller can tell the bound was hit. */
  dynamicGroups(lock: 'none' | 'shared', limit: number): Promise<GroupRow[]>;
  /** Live groups carrying a policy, at most `limit` + 1 rows. */
  groupsWithPolicy(limit: number): Promise<GroupRow[]>;
  /** Groups with a pending rebuild or deletion, in id order, at most `limit`. */
  pendingMaintenance(limit: number): Promise<GroupRow[]>;
  /** Tombstones included: ids stay taken until a deletion has finished. */
  count(): Promise<number>;
  /** Inserts a new group; the id must not exist (a duplicate fails the transaction with db_conflict). */
  insert(row: GroupRow): Promise<void>;
  /** Overwrites every column but group_id and created_at_ms. */
  update(row: GroupRow): Promise<void>;
  remove(groupId: string): Promise<void>;

  /** Members of one group in user id order after `afterUserId`. */
  membersPage(groupId: string, afterUserId: UserId | null, limit: number): Promise<GroupMemberRow[]>;
  /**
   * Members of the groups with user ids in (afterUserId, throughUserId]; a null bound is open.
   * A rebuild batch reads its slice of the membership with this, orphans included.
   */
  membersInRange(
    groupIds: readonly string[],
    afterUserId: UserId | null,
    throughUserId: UserId | null,
  ): Promise<GroupMemberRow[]>;
  /** Current membership rows among groupIds × userIds. */
  membershipOf(groupIds: readonly string[], userIds: readonly UserId[]): Promise<GroupMemberRow[]>;
  /** Live groups of each user, ids sorted. */
  groupIdsOfUsers(userIds: readonly UserId[]): Promise<Map<UserId, string[]>>;
  /** Plain insert: a pair that already exists fails the transaction (db_conflict). */
  addMembers(rows: readonly GroupMemberRow[]): Promise<void>;
  /** Deletes the pairs; returns how many rows were deleted. */
  removeMembers(keys: readonly GroupMemberKey[]): Promise<number>;
  memberCount(groupId: string): Promise<number>;

  /**
   * For each user, which of `candidateIds` are its strict ancestors. One recursive statement
   * over the union of the users' uplines, whatever the depth; users with none are absent.
   */
  ancestorsAmong(
    userIds: readonly UserId[],
    candidateIds: readonly UserId[],
  ): Promise<Map<UserId, ReadonlySet<UserId>>>;
  /** Users whose VIP state is at `level`, by user id, keyset-paged (the level index, in order). */
  vipUsersAtLevelPage(level: number, afterUserId: UserId | null, limit: number): Promise<UserId[]>;
  /** Users with no VIP state yet (level 0 by default), by user id, keyset-paged. */
  usersWithoutVipStatePage(afterUserId: UserId | null, limit: number): Promise<UserId[]>;

  /** A small named state of the groups scheduler (the day tick), read under a lock when asked. */
  readState(name: string, lock: 'none' | 'exclusive'): Promise<string | null>;
  writeState(name: string, value: string, nowMs: number): Promise<void>;
}
