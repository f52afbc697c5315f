// The membership work a definition change leaves behind, in bounded batches, one transaction
// each, resumable after a crash because the cursor is stored on the group row:
//   - rebuild (new dynamic group, rule edit): the next page of users evaluated against the
//     group's current rule, joins and leaves written and reported, the cursor advanced;
//   - deletion: the next page of members removed, each reported as group.left, and the
//     tombstone removed with the last page.
// Each batch locks its group row exclusively first, so hooks evaluating the group wait for it
// (and it for them), and two workers on one group (the request and the background loop)
// simply take turns: each reads the cursor the other left.
import type { FieldKey } from '../../domain/groups/dependencies.ts';
import type { GroupRow } from '../ports/groups.ts';
import type { StoreSession } from '../ports/store.ts';
import type { GroupCatalog } from './group-catalog.ts';
import { retryOnConflict } from './conflict-retry.ts';
import { batchSizeOf, type GroupProgress, type GroupsDependencies } from './groups-deps.ts';
import { writeMembershipChanges } from './membership-writes.ts';
import { reevaluateUsersPage } from './reevaluate-page.ts';

export interface MaintenanceReport {
  readonly groupId: string;
  readonly kind: 'rebuild' | 'delete' | 'none';
  readonly batches: number;
  /** Users examined (rebuild) or members removed (delete) by this call. */
  readonly users: number;
  readonly joined: number;
  readonly left: number;
  /** False when work remains for the background loop. */
  readonly complete: boolean;
}

/** Runs one batch of the pending work of a group; null when nothing is pending. */
export async function maintainGroupStep(deps: GroupsDependencies, groupId: string): Promise<GroupProgress | null> {
  const batchSize = batchSizeOf(deps);
  return retryOnConflict(() =>
    deps.store.transaction(async (session): Promise<GroupProgress | null> => {
      const nowMs = deps.clock.nowMs();
      const row = (await session.groups.getMany([groupId], 'exclusive')).get(groupId);
      if (row === undefined) return null;
      if (row.deleting) {
        const members = await session.groups.membersPage(groupId, null, batchSize);
        const written = await writeMembershipChanges(
          session,
          {
            joins: [],
            leaves: members.map((member) => ({ groupId, userId: member.userId, ruleVersion: row.ruleVersion })),
          },
          { topic: deps.topic, nowMs, source: 'rule' },
        );
        const done = members.length < batchSize;
        if (done) await session.groups.remove(groupId);
        await session.outbox.append(written.records, nowMs);
        return {
          groupId,
          kind: 'delete',
          ruleVersion: row.ruleVersion,
          users: members.length,
          joined: 0,
          left: written.left,
          afterUserId: done ? null : (members.at(-1)?.userId ?? null),
          done,
        };
      }
      if (row.rebuildAfterUserId === null || row.kind !== 'dynamic') return null;
      const page = await reevaluateUsersPage(
        session,
        { ladders: deps.ladders, windowDays: deps.windowDays, nowMs, topic: deps.topic, observer: deps.observer },
        [deps.catalog.dynamicGroupOf(row)],
        row.rebuildAfterUserId === '0' ? null : row.rebuildAfterUserId,
        batchSize,
      );
      const next: GroupRow = {
        ...row,
        rebuildAfterUserId: page.complete ? null : page.lastUserId,
        rebuildJoined: row.rebuildJoined + page.joined,
        rebuildLeft: row.rebuildLeft + page.left,
      };
      await session.groups.update(next);
      await session.outbox.append(page.records, nowMs);
      return {
        groupId,
        kind: 'rebuild',
        ruleVersion: row.ruleVersion,
        users: page.users,
        joined: page.joined,
        left: page.left,
        afterUserId: next.rebuildAfterUserId,
        done: page.complete,
      };
    }),
  );
}

/** Runs the pending work of one group until it is done or `batchesMax` batches have run. */
export async function runGroupMaintenance(
  deps: GroupsDependencies,
  groupId: string,
  batchesMax: number,
): Promise<MaintenanceReport> {
  let kind: MaintenanceReport['kind'] = 'none';
  let users = 0;
  let joined = 0;
  let left = 0;
  for (let batches = 0; batches < batchesMax; batches += 1) {
    const step = await maintainGroupStep(deps, groupId);
    if (step === null) return { groupId, kind, batches, users, joined, left, complete: true };
    kind = step.kind === 'delete' ? 'delete' : 'rebuild';
    users += step.users;
    joined += step.joined;
    left += step.left;
    deps.onProgress?.(step);
    if (step.done) return { groupId, kind, batches: batches + 1, users, joined, left, complete: true };
  }
  return { groupId, kind, batches: batchesMax, users, joined, left, complete: false };
}

/**
 * One batch of whichever group has work pending (the background loop's step, also after a
 * restart). Returns true when more work may be pending.
 */
export async function groupMaintenanceLoopStep(deps: GroupsDependencies): Promise<boolean> {
  const [pending] = await deps.store.groups.pendingMaintenance(1);
  if (pending === undefined) return false;
  const step = await maintainGroupStep(deps, pending.groupId);
  if (step !== null) deps.onProgress?.(step);
  return true;
}

/**
 * Marks every dynamic group whose rule reads one of `fields` for a full rebuild, for changes
 * too wide to report user by user (an agent move changes agent.depth and the ancestors of a
 * whole subtree). Call it inside the change's transaction; the background loop (or
 * runGroupMaintenance) does the work in batches. Returns the group ids marked.
 */
export async function requestRebuildOfGroupsReading(
  session: StoreSession,
  catalog: GroupCatalog,
  fields: Iterable<FieldKey>,
): Promise<string[]> {
  const snapshot = await catalog.current(session.groups, 'shared');
  const groupIds = snapshot.index.groupsAffectedBy(fields);
  const rows = await session.groups.getMany(groupIds, 'exclusive');
  const marked: string[] = [];
  for (const row of rows.values()) {
    if (row.deleting || row.kind !== 'dynamic') continue;
    await session.groups.update({ ...row, rebuildAfterUserId: '0', rebuildJoined: 0, rebuildLeft: 0 });
    marked.push(row.groupId);
  }
  return marked;
}
