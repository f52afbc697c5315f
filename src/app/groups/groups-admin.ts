// Admin use cases for groups (DESIGN.md §4, §6): create, read, list, replace, delete, static
// members, preview. A definition change is one transaction that bumps the catalog version
// (so every process reloads its rules) and leaves any membership work pending on the group
// row; the request then works that off itself for up to requestBatchesMax batches and leaves
// the rest to the background loop (the response says which). Refusals are data.
import { evaluateRule } from '../../domain/groups/evaluate.ts';
import { parseId, type UserId } from '../../domain/ids.ts';
import { accept, refuse, type Refusal, type Result } from '../../domain/result.ts';
import { TiernetError } from '../errors.ts';
import type { GroupMemberRow, GroupRow } from '../ports/groups.ts';
import type { Store, StoreSession } from '../ports/store.ts';
import { groupCountMax } from './group-catalog.ts';
import { checkGroupInput, checkRule, type GroupInput } from './group-input.ts';
import { runGroupMaintenance, type MaintenanceReport } from './group-maintenance.ts';
import { batchSizeOf, requestBatchesMaxDefault, type GroupsDependencies } from './groups-deps.ts';
import { memberKey, writeMembershipChanges } from './membership-writes.ts';
import { needsOf } from './rule-needs.ts';
import { loadRuleSubjects } from './rule-subjects.ts';

/** User ids in one static add or remove request. */
export const memberIdsPerRequestMax = 1_000;
/** Unknown ids named in a refusal; the rest are counted. */
const unknownIdsListedMax = 50;
export const previewSampleSizeMax = 100;
/** A preview or rebuild stops (an error, never a silent cut) beyond this many users. */
const usersScannedMax = 100_000_000;

export interface GroupDetails {
  readonly group: GroupRow;
  readonly memberCount: number;
}

export interface GroupWriteResult {
  readonly group: GroupRow;
  /** The membership work this request did; null when the change needed none. */
  readonly membership: MaintenanceReport | null;
}

const unknownGroup = (groupId: string) => refuse('group_unknown', `group ${groupId} does not exist`);

class RefusedInTransaction extends Error {
  constructor(readonly refusal: Refusal) {
    super(`refused: ${refusal.code}`);
  }
}

/**
 * A definition change takes its lock by bumping the catalog version, before it knows whether
 * it will refuse. A refusal therefore rolls the transaction back: a refused request leaves
 * every table as it was (and no process reloads its rules for nothing).
 */
async function refusableTransaction<T>(
  store: Store,
  work: (session: StoreSession) => Promise<Result<T>>,
): Promise<Result<T>> {
  try {
    return await store.transaction(async (session) => {
      const result = await work(session);
      if (!result.ok) throw new RefusedInTransaction(result);
      return result;
    });
  } catch (error) {
    if (error instanceof RefusedInTransaction) return error.refusal;
    throw error;
  }
}

async function finishInRequest(deps: GroupsDependencies, groupId: string): Promise<MaintenanceReport> {
  return runGroupMaintenance(deps, groupId, deps.requestBatchesMax ?? requestBatchesMaxDefault);
}

async function readBack(deps: GroupsDependencies, groupId: string, fallback: GroupRow): Promise<GroupRow> {
  return (await deps.store.groups.getMany([groupId], 'none')).get(groupId) ?? fallback;
}

export async function createGroup(
  deps: GroupsDependencies,
  groupId: string,
  input: GroupInput,
): Promise<Result<GroupWriteResult>> {
  const kind = input.kind ?? 'static';
  const checked = checkGroupInput(input, kind, deps.windowDays);
  if (!checked.ok) return checked;
  const group = checked.value;
  const nowMs = deps.clock.nowMs();
  const created = await refusableTransaction(deps.store, async (session): Promise<Result<GroupRow>> => {
    await session.groups.bumpCatalogVersion(nowMs);
    const existing = (await session.groups.getMany([groupId], 'exclusive')).get(groupId);
    if (existing !== undefined) {
      return refuse(
        'group_exists',
        existing.deleting ? `group ${groupId} is still being deleted` : `group ${groupId} already exists`,
        '/body/id',
      );
    }
    if ((await session.groups.count()) >= groupCountMax) {
      return refuse('request_invalid', `there are already ${groupCountMax} groups, the most tiernet keeps`, '/body/id');
    }
    const row: GroupRow = {
      groupId,
      name: group.name,
      kind,
      ruleDoc: group.ruleDoc,
      ruleVersion: 1,
      policyDoc: group.policyDoc,
      priority: group.priority,
      deleting: false,
      // A new dynamic group is filled by a rebuild from the first user on.
      rebuildAfterUserId: kind === 'dynamic' ? '0' : null,
      rebuildJoined: 0,
      rebuildLeft: 0,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    };
    await session.groups.insert(row);
    return accept(row);
  });
  if (!created.ok) return created;
  if (kind !== 'dynamic') return accept({ group: created.value, membership: null });
  const membership = await finishInRequest(deps, groupId);
  return accept({ group: await readBack(deps, groupId, created.value), membership });
}

/** Replaces name, rule, policy and priority; a changed rule bumps rule_version and rebuilds. */
export async function replaceGroup(
  deps: GroupsDependencies,
  groupId: string,
  input: GroupInput,
): Promise<Result<GroupWriteResult>> {
  const nowMs = deps.clock.nowMs();
  const updated = await refusableTransaction(
    deps.store,
    async (session): Promise<Result<{ row: GroupRow; ruleChanged: boolean }>> => {
      await session.groups.bumpCatalogVersion(nowMs);
      const existing = (await session.groups.getMany([groupId], 'exclusive')).get(groupId);
      if (existing === undefined || existing.deleting) return unknownGroup(groupId);
      if (input.kind !== undefined && input.kind !== existing.kind) {
        return refuse(
          'request_invalid',
          `group ${groupId} is ${existing.kind}; the kind of a group cannot change`,
          '/body/kind',
        );
      }
      const checked = checkGroupInput(input, existing.kind, deps.windowDays);
      if (!checked.ok) return checked;
      const group = checked.value;
      const ruleChanged = group.ruleDoc !== existing.ruleDoc;
      const row: GroupRow = {
        ...existing,
        name: group.name,
        ruleDoc: group.ruleDoc,
        policyDoc: group.policyDoc,
        priority: group.priority,
        updatedAtMs: nowMs,
        ...(ruleChanged
          ? { ruleVersion: existing.ruleVersion + 1, rebuildAfterUserId: '0', rebuildJoined: 0, rebuildLeft: 0 }
          : {}),
      };
      await session.groups.update(row);
      return accept({ row, ruleChanged });
    },
  );
  if (!updated.ok) return updated;
  if (!updated.value.ruleChanged) return accept({ group: updated.value.row, membership: null });
  const membership = await finishInRequest(deps, groupId);
  return accept({ group: await readBack(deps, groupId, updated.value.row), membership });
}

/** Removes the group for every reader at once; its members leave in batches (group.left each). */
export async function deleteGroup(deps: GroupsDependencies, groupId: string): Promise<Result<MaintenanceReport>> {
  const nowMs = deps.clock.nowMs();
  const marked = await refusableTransaction(deps.store, async (session): Promise<Result<GroupRow>> => {
    await session.groups.bumpCatalogVersion(nowMs);
    const existing = (await session.groups.getMany([groupId], 'exclusive')).get(groupId);
    if (existing === undefined || existing.deleting) return unknownGroup(groupId);
    const row: GroupRow = { ...existing, deleting: true, rebuildAfterUserId: null, updatedAtMs: nowMs };
    await session.groups.update(row);
    return accept(row);
  });
  if (!marked.ok) return marked;
  return accept(await finishInRequest(deps, groupId));
}

export async function getGroup(deps: GroupsDependencies, groupId: string): Promise<Result<GroupDetails>> {
  const group = (await deps.store.groups.getMany([groupId], 'none')).get(groupId);
  if (group === undefined || group.deleting) return unknownGroup(groupId);
  return accept({ group, memberCount: await deps.store.groups.memberCount(groupId) });
}

export async function listGroups(
  deps: GroupsDependencies,
  afterGroupId: string | null,
  limit: number,
): Promise<{ items: GroupRow[]; more: boolean }> {
  const rows = await deps.store.groups.listPage(afterGroupId, limit + 1);
  return { items: rows.slice(0, limit), more: rows.length > limit };
}

export async function groupMembers(
  deps: GroupsDependencies,
  groupId: string,
  afterUserId: UserId | null,
  limit: number,
): Promise<Result<{ items: GroupMemberRow[]; more: boolean }>> {
  const group = (await deps.store.groups.getMany([groupId], 'none')).get(groupId);
  if (group === undefined || group.deleting) return unknownGroup(groupId);
  const rows = await deps.store.groups.membersPage(groupId, afterUserId, limit + 1);
  return accept({ items: rows.slice(0, limit), more: rows.length > limit });
}

export interface StaticMembersResult {
  /** Users whose membership changed (joined or left), in id order. */
  readonly changed: UserId[];
  /** Users that already were (add) or were not (remove) members. */
  readonly unchanged: number;
}

/** Canonical ids in request order (duplicates kept, so an index names the request's item). */
function parseMemberIds(userIds: readonly unknown[]): Result<UserId[]> {
  if (userIds.length === 0 || userIds.length > memberIdsPerRequestMax) {
    return refuse(
      'request_invalid',
      `/body/userIds must hold 1 to ${memberIdsPerRequestMax} user ids`,
      '/body/userIds',
    );
  }
  const ids: UserId[] = [];
  for (const [index, input] of userIds.entries()) {
    const id = parseId(input, `/body/userIds/${index}`);
    if (!id.ok) return id;
    ids.push(id.value);
  }
  return accept(ids);
}

/**
 * Adds users to a static group. Unknown users are refused, all or nothing, listing them: an
 * operator pasting ids wants to hear about a typo, not find it silently skipped.
 */
export async function addStaticMembers(
  deps: GroupsDependencies,
  groupId: string,
  userIds: readonly unknown[],
): Promise<Result<StaticMembersResult>> {
  return changeStaticMembers(deps, groupId, userIds, 'add');
}

/** Removes users from a static group; ids that are not members (or not users) are counted as unchanged. */
export async function removeStaticMembers(
  deps: GroupsDependencies,
  groupId: string,
  userIds: readonly unknown[],
): Promise<Result<StaticMembersResult>> {
  return changeStaticMembers(deps, groupId, userIds, 'remove');
}

async function changeStaticMembers(
  deps: GroupsDependencies,
  groupId: string,
  userIdsInput: readonly unknown[],
  direction: 'add' | 'remove',
): Promise<Result<StaticMembersResult>> {
  const parsed = parseMemberIds(userIdsInput);
  if (!parsed.ok) return parsed;
  const userIds = [...new Set(parsed.value)];
  const nowMs = deps.clock.nowMs();
  return deps.store.transaction(async (session): Promise<Result<StaticMembersResult>> => {
    // The exclusive lock on the group row orders this against a concurrent delete.
    const group = (await session.groups.getMany([groupId], 'exclusive')).get(groupId);
    if (group === undefined || group.deleting) return unknownGroup(groupId);
    if (group.kind !== 'static') {
      return refuse('group_not_static', `group ${groupId} is dynamic: its members follow its rule`);
    }
    const current = new Set(
      (await session.groups.membershipOf([groupId], userIds)).map((member) => memberKey(member.groupId, member.userId)),
    );
    let changed: UserId[];
    if (direction === 'add') {
      const known = await session.users.getMany(userIds);
      const unknown = userIds.filter((userId) => !known.has(userId));
      if (unknown.length > 0) {
        const listed = unknown.slice(0, unknownIdsListedMax).join(', ');
        const more = unknown.length > unknownIdsListedMax ? ` and ${unknown.length - unknownIdsListedMax} more` : '';
        return refuse(
          'user_unknown',
          `${unknown.length} user(s) are not known: ${listed}${more}; nothing was added`,
          `/body/userIds/${parsed.value.indexOf(unknown[0] ?? '')}`,
        );
      }
      changed = userIds.filter((userId) => !current.has(memberKey(groupId, userId)));
    } else {
      changed = userIds.filter((userId) => current.has(memberKey(groupId, userId)));
    }
    changed.sort((left, right) => (BigInt(left) < BigInt(right) ? -1 : BigInt(left) > BigInt(right) ? 1 : 0));
    const decisions = changed.map((userId) => ({ groupId, userId, ruleVersion: group.ruleVersion }));
    const written = await writeMembershipChanges(
      session,
      direction === 'add' ? { joins: decisions, leaves: [] } : { joins: [], leaves: decisions },
      { topic: deps.topic, nowMs, source: 'manual' },
    );
    await session.outbox.append(written.records, nowMs);
    return accept({ changed, unchanged: userIds.length - changed.length });
  });
}

export interface PreviewResult {
  /** Users the rule holds for now. */
  readonly count: number;
  /** The first of them in id order. */
  readonly sample: UserId[];
  /** Users examined: everyone. */
  readonly users: number;
}

/**
 * Dry-runs a rule over every user, in bounded keyset pages of plain reads: nothing is
 * written, no lock is taken, and the answer is as of `now` (each page as read).
 */
export async function previewRule(
  deps: GroupsDependencies,
  ruleJson: unknown,
  sampleSize: number,
): Promise<Result<PreviewResult>> {
  const checked = checkRule(ruleJson, deps.windowDays, '/body/rule');
  if (!checked.ok) return checked;
  const { rule } = checked.value;
  const needs = needsOf([rule]);
  const batchSize = batchSizeOf(deps);
  const nowMs = deps.clock.nowMs();
  const sample: UserId[] = [];
  let count = 0;
  let users = 0;
  let afterUserId: UserId | null = null;
  for (;;) {
    const page = await deps.store.users.page(afterUserId, batchSize);
    const subjects = await loadRuleSubjects(deps.store, page, needs, {
      ladders: deps.ladders,
      windowDays: deps.windowDays,
      nowMs,
    });
    for (const user of page) {
      const subject = subjects.get(user.userId);
      if (subject === undefined || !evaluateRule(rule, subject)) continue;
      count += 1;
      if (sample.length < sampleSize) sample.push(user.userId);
    }
    users += page.length;
    if (users > usersScannedMax)
      throw new TiernetError('bound_exceeded', `a preview examines at most ${usersScannedMax} users`);
    const last = page.at(-1);
    if (page.length < batchSize || last === undefined) return accept({ count, sample, users });
    afterUserId = last.userId;
  }
}
