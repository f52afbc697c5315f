// Keeps dynamic membership current as users change (DESIGN.md §4). Ingest, the VIP review
// scheduler and the VIP override call this inside their own transaction with the users that
// changed and which rule fields changed for each. Only the groups whose rules read a changed
// field are evaluated, and only for the users whose fields those were. The work per call is
// a fixed number of queries: the catalog version (and the dynamic rules when it moved), the
// affected group rows, the users, and then only what the affected rules read (VIP levels,
// metrics, ancestors among the downlineOf targets), the current membership, two writes.
// A change that no dynamic rule reads costs the one catalog-version query.
//
// A registration (a new user, or a placeholder completed) is reported with
// user.registeredDays, and it is evaluated against every dynamic group: a new subject can
// satisfy a rule on a field that did not "change" for it (turnover nin ["150"] holds at zero
// turnover; vip.level eq 0 holds at the starting level), and a join missed there would wait
// for the user's next relevant change.
import { invariant } from '../../domain/assert.ts';
import { evaluateRule } from '../../domain/groups/evaluate.ts';
import type { FieldKey } from '../../domain/groups/dependencies.ts';
import type { UserId } from '../../domain/ids.ts';
import type { AfterUserChanges, UserChanges } from '../ports/user-changes.ts';
import type { DynamicGroup } from './group-catalog.ts';
import type { GroupsHookDependencies } from './groups-deps.ts';
import { memberKey, writeMembershipChanges, type MembershipDecision } from './membership-writes.ts';
import { needsOf } from './rule-needs.ts';
import { loadRuleSubjects } from './rule-subjects.ts';

/** Users in one call: ingest batches are a few thousand events; this bounds a caller's bug. */
export const hookUsersMax = 100_000;

export function createGroupsHook(deps: GroupsHookDependencies): AfterUserChanges {
  return async (session, changes, nowMs) => {
    if (changes.size === 0) return [];
    invariant(changes.size <= hookUsersMax, `the groups hook takes at most ${hookUsersMax} users, got ${changes.size}`);
    const catalog = await deps.catalog.current(session.groups, 'shared');
    const everyGroup = [...catalog.groups.keys()].sort();
    const usersByGroup = affectedPairs(changes, (fields) =>
      fields.has('user.registeredDays') ? everyGroup : catalog.index.groupsAffectedBy(fields),
    );
    if (usersByGroup.size === 0) return [];

    // Shared locks on the affected groups: a rebuild batch of one of them (exclusive) waits
    // for this transaction, and this one waits for a batch in flight.
    const groupIds = [...usersByGroup.keys()];
    const rows = await session.groups.getMany(groupIds, 'shared');
    const groups: DynamicGroup[] = [];
    for (const groupId of groupIds) {
      // The catalog version was read under a shared lock and every definition change bumps
      // it under an exclusive one, so these rows match the catalog; the locked rows are the
      // truth all the same (their rules are parsed once per rule text).
      const row = rows.get(groupId);
      if (row === undefined || row.deleting || row.kind !== 'dynamic') continue;
      groups.push(deps.catalog.dynamicGroupOf(row));
    }

    const userIds = new Set<UserId>();
    for (const ids of usersByGroup.values()) for (const userId of ids) userIds.add(userId);
    const users = await session.users.getMany([...userIds]);
    const subjects = await loadRuleSubjects(session, [...users.values()], needsOf(groups.map((group) => group.rule)), {
      ladders: deps.ladders,
      windowDays: deps.windowDays,
      nowMs,
    });
    const current = new Set(
      (await session.groups.membershipOf(groupIds, [...userIds])).map((member) =>
        memberKey(member.groupId, member.userId),
      ),
    );

    const joins: MembershipDecision[] = [];
    const leaves: MembershipDecision[] = [];
    for (const group of groups) {
      const ids = usersByGroup.get(group.groupId) ?? [];
      let evaluated = 0;
      for (const userId of ids) {
        const subject = subjects.get(userId);
        // A user reported as changed but not stored (never inserted) cannot be a member.
        const member = subject !== undefined && evaluateRule(group.rule, subject);
        if (subject !== undefined) evaluated += 1;
        const isMember = current.has(memberKey(group.groupId, userId));
        if (member && !isMember) joins.push({ groupId: group.groupId, userId, ruleVersion: group.ruleVersion });
        if (!member && isMember) leaves.push({ groupId: group.groupId, userId, ruleVersion: group.ruleVersion });
      }
      deps.observer?.groupEvaluated?.(group.groupId, evaluated);
    }
    const written = await writeMembershipChanges(
      session,
      { joins, leaves },
      { topic: deps.topic, nowMs, source: 'rule' },
    );
    return written.records;
  };
}

/** Group id → the users whose changed fields that group's rule reads. */
function affectedPairs(
  changes: UserChanges,
  groupsAffectedBy: (fields: ReadonlySet<FieldKey>) => string[],
): Map<string, UserId[]> {
  const byFieldSet = new Map<string, string[]>();
  const usersByGroup = new Map<string, UserId[]>();
  for (const [userId, fields] of changes) {
    if (fields.size === 0) continue;
    const fieldSetKey = [...fields].sort().join(',');
    let groupIds = byFieldSet.get(fieldSetKey);
    if (groupIds === undefined) {
      groupIds = groupsAffectedBy(fields);
      byFieldSet.set(fieldSetKey, groupIds);
    }
    for (const groupId of groupIds) {
      const users = usersByGroup.get(groupId);
      if (users === undefined) usersByGroup.set(groupId, [userId]);
      else users.push(userId);
    }
  }
  return usersByGroup;
}
