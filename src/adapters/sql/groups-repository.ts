// The groups port over SQL, one implementation for MySQL/MariaDB and SQLite. Locking reads
// are `LOCK IN SHARE MODE` / `FOR UPDATE` on MySQL (both spellings MariaDB 10.11 and MySQL 8
// accept) and nothing on SQLite, whose single writer already serialises transactions.
// Ids are bound as bigint so neither driver compares them through a double.
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { GroupMemberRow, GroupRow, GroupsRepository, RowLock } from '../../app/ports/groups.ts';
import { invariant } from '../../domain/assert.ts';
import type { UserId } from '../../domain/ids.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { ancestorsAmong } from './groups-ancestors.ts';
import { toId, toNullableId, toNumber } from './row-values.ts';
import type { GroupMembersTable, UserGroupsTable } from './tables.ts';

const lookupChunkSize = 5_000;
const catalogStateName = 'groups.catalog';

const groupColumns = [
  'group_id',
  'name',
  'kind',
  'rule_doc',
  'rule_version',
  'policy_doc',
  'priority',
  'deleting',
  'rebuild_after_user_id',
  'rebuild_joined',
  'rebuild_left',
  'created_at_ms',
  'updated_at_ms',
] as const;

const memberColumns = ['group_id', 'user_id', 'source', 'rule_version', 'since_ms'] as const;

function groupFromRow(row: Selectable<UserGroupsTable>): GroupRow {
  invariant(row.kind === 'static' || row.kind === 'dynamic', `group ${row.group_id} has kind ${row.kind}`);
  return {
    groupId: row.group_id,
    name: row.name,
    kind: row.kind,
    ruleDoc: row.rule_doc,
    ruleVersion: toNumber(row.rule_version),
    policyDoc: row.policy_doc,
    priority: toNumber(row.priority),
    deleting: toNumber(row.deleting) === 1,
    rebuildAfterUserId: toNullableId(row.rebuild_after_user_id),
    rebuildJoined: toNumber(row.rebuild_joined),
    rebuildLeft: toNumber(row.rebuild_left),
    createdAtMs: toNumber(row.created_at_ms),
    updatedAtMs: toNumber(row.updated_at_ms),
  };
}

function memberFromRow(row: Selectable<GroupMembersTable>): GroupMemberRow {
  invariant(row.source === 'rule' || row.source === 'manual', `membership source ${row.source}`);
  return {
    groupId: row.group_id,
    userId: toId(row.user_id),
    source: row.source,
    ruleVersion: toNumber(row.rule_version),
    sinceMs: toNumber(row.since_ms),
  };
}

function groupValues(row: GroupRow): (string | number | bigint | null)[] {
  return [
    row.groupId,
    row.name,
    row.kind,
    row.ruleDoc,
    row.ruleVersion,
    row.policyDoc,
    row.priority,
    row.deleting ? 1 : 0,
    row.rebuildAfterUserId === null ? null : BigInt(row.rebuildAfterUserId),
    row.rebuildJoined,
    row.rebuildLeft,
    row.createdAtMs,
    row.updatedAtMs,
  ];
}

const idValue = (userId: UserId): bigint => BigInt(userId);

export function createGroupsRepository(database: SqlDatabase, executor: Executor): GroupsRepository {
  const isMysql = database.dialect.name === 'mysql';
  const lockClause = (lock: RowLock): RawBuilder<unknown> => {
    if (!isMysql || lock === 'none') return sql.raw('');
    return sql.raw(lock === 'shared' ? 'lock in share mode' : 'for update');
  };

  const readState = async (name: string, lock: RowLock): Promise<string | null> => {
    const row = await executor
      .selectFrom('scheduler_state')
      .select('value')
      .where('name', '=', name)
      .modifyEnd(lockClause(lock))
      .executeTakeFirst();
    return row?.value ?? null;
  };
  const writeState = async (name: string, value: string, nowMs: number): Promise<void> => {
    await insertRows(
      database,
      executor,
      'scheduler_state',
      ['name', 'value', 'updated_at_ms'],
      [[name, value, nowMs]],
      database.dialect.renderUpsertTail(['name'], [], ['value', 'updated_at_ms']),
    );
  };

  return {
    async catalogVersion(lock) {
      const value = await readState(catalogStateName, lock);
      return value === null ? 0 : Number(value);
    },

    async bumpCatalogVersion(nowMs) {
      const value = await readState(catalogStateName, 'exclusive');
      const next = (value === null ? 0 : Number(value)) + 1;
      invariant(Number.isSafeInteger(next), `group catalog version ${next}`);
      await writeState(catalogStateName, String(next), nowMs);
      return next;
    },

    async getMany(groupIds, lock) {
      const result = new Map<string, GroupRow>();
      const unique = [...new Set(groupIds)].sort();
      if (unique.length === 0) return result;
      // One statement, in id order, so two lockers of overlapping sets queue instead of deadlocking.
      const rows = await executor
        .selectFrom('user_groups')
        .selectAll()
        .where('group_id', 'in', unique)
        .orderBy('group_id')
        .modifyEnd(lockClause(lock))
        .execute();
      for (const row of rows) result.set(row.group_id, groupFromRow(row));
      return result;
    },

    async listPage(afterGroupId, limit) {
      let query = executor.selectFrom('user_groups').selectAll().where('deleting', '=', 0);
      if (afterGroupId !== null) query = query.where('group_id', '>', afterGroupId);
      const rows = await query.orderBy('group_id').limit(limit).execute();
      return rows.map(groupFromRow);
    },

    async dynamicGroups(lock, limit) {
      const rows = await executor
        .selectFrom('user_groups')
        .selectAll()
        .where('kind', '=', 'dynamic')
        .where('deleting', '=', 0)
        .orderBy('group_id')
        .limit(limit + 1)
        .modifyEnd(lockClause(lock))
        .execute();
      return rows.map(groupFromRow);
    },

    async groupsWithPolicy(limit) {
      const rows = await executor
        .selectFrom('user_groups')
        .selectAll()
        .where('policy_doc', 'is not', null)
        .where('deleting', '=', 0)
        .orderBy('group_id')
        .limit(limit + 1)
        .execute();
      return rows.map(groupFromRow);
    },

    async pendingMaintenance(limit) {
      const rows = await executor
        .selectFrom('user_groups')
        .selectAll()
        .where((eb) => eb.or([eb('rebuild_after_user_id', 'is not', null), eb('deleting', '=', 1)]))
        .orderBy('group_id')
        .limit(limit)
        .execute();
      return rows.map(groupFromRow);
    },

    async count() {
      const row = await executor
        .selectFrom('user_groups')
        .select((eb) => eb.fn.countAll().as('total'))
        .executeTakeFirst();
      return row === undefined ? 0 : toNumber(row.total);
    },

    async insert(row) {
      await insertRows(database, executor, 'user_groups', groupColumns, [groupValues(row)], '');
    },

    async update(row) {
      await executor
        .updateTable('user_groups')
        .set({
          name: row.name,
          kind: row.kind,
          rule_doc: row.ruleDoc,
          rule_version: row.ruleVersion,
          policy_doc: row.policyDoc,
          priority: row.priority,
          deleting: row.deleting ? 1 : 0,
          rebuild_after_user_id: row.rebuildAfterUserId === null ? null : BigInt(row.rebuildAfterUserId),
          rebuild_joined: row.rebuildJoined,
          rebuild_left: row.rebuildLeft,
          updated_at_ms: row.updatedAtMs,
        })
        .where('group_id', '=', row.groupId)
        .execute();
    },

    async remove(groupId) {
      await executor.deleteFrom('user_groups').where('group_id', '=', groupId).execute();
    },

    async membersPage(groupId, afterUserId, limit) {
      let query = executor.selectFrom('group_members').selectAll().where('group_id', '=', groupId);
      if (afterUserId !== null) query = query.where('user_id', '>', idValue(afterUserId));
      const rows = await query.orderBy('user_id').limit(limit).execute();
      return rows.map(memberFromRow);
    },

    async membersInRange(groupIds, afterUserId, throughUserId) {
      if (groupIds.length === 0) return [];
      let query = executor
        .selectFrom('group_members')
        .selectAll()
        .where('group_id', 'in', [...groupIds]);
      if (afterUserId !== null) query = query.where('user_id', '>', idValue(afterUserId));
      if (throughUserId !== null) query = query.where('user_id', '<=', idValue(throughUserId));
      const rows = await query.orderBy('group_id').orderBy('user_id').execute();
      return rows.map(memberFromRow);
    },

    async membershipOf(groupIds, userIds) {
      const members: GroupMemberRow[] = [];
      const groups = [...new Set(groupIds)];
      const users = [...new Set(userIds)];
      if (groups.length === 0 || users.length === 0) return members;
      for (let start = 0; start < users.length; start += lookupChunkSize) {
        const rows = await executor
          .selectFrom('group_members')
          .selectAll()
          .where('group_id', 'in', groups)
          .where('user_id', 'in', users.slice(start, start + lookupChunkSize).map(idValue))
          .execute();
        for (const row of rows) members.push(memberFromRow(row));
      }
      return members;
    },

    async groupIdsOfUsers(userIds) {
      const result = new Map<UserId, string[]>();
      const users = [...new Set(userIds)];
      for (let start = 0; start < users.length; start += lookupChunkSize) {
        const rows = await executor
          .selectFrom('group_members')
          .innerJoin('user_groups', 'user_groups.group_id', 'group_members.group_id')
          .select(['group_members.user_id as user_id', 'group_members.group_id as group_id'])
          .where('group_members.user_id', 'in', users.slice(start, start + lookupChunkSize).map(idValue))
          .where('user_groups.deleting', '=', 0)
          .execute();
        for (const row of rows) {
          const userId = toId(row.user_id);
          const ids = result.get(userId) ?? [];
          ids.push(row.group_id);
          result.set(userId, ids);
        }
      }
      for (const ids of result.values()) ids.sort();
      return result;
    },

    async addMembers(rows) {
      // No conflict tail: a pair that is already there means the caller decided on a stale
      // view, and the transaction must fail rather than report a join twice.
      await insertRows(
        database,
        executor,
        'group_members',
        memberColumns,
        rows.map((row) => [row.groupId, idValue(row.userId), row.source, row.ruleVersion, row.sinceMs]),
        '',
      );
    },

    async removeMembers(keys) {
      const byGroup = new Map<string, UserId[]>();
      for (const key of keys) {
        const users = byGroup.get(key.groupId) ?? [];
        users.push(key.userId);
        byGroup.set(key.groupId, users);
      }
      let deleted = 0n;
      for (const [groupId, users] of byGroup) {
        for (let start = 0; start < users.length; start += lookupChunkSize) {
          const result = await executor
            .deleteFrom('group_members')
            .where('group_id', '=', groupId)
            .where('user_id', 'in', users.slice(start, start + lookupChunkSize).map(idValue))
            .executeTakeFirst();
          deleted += result.numDeletedRows;
        }
      }
      return Number(deleted);
    },

    async memberCount(groupId) {
      const row = await executor
        .selectFrom('group_members')
        .select((eb) => eb.fn.countAll().as('total'))
        .where('group_id', '=', groupId)
        .executeTakeFirst();
      return row === undefined ? 0 : toNumber(row.total);
    },

    ancestorsAmong: (userIds, candidateIds) => ancestorsAmong(database, executor, userIds, candidateIds),

    async vipUsersAtLevelPage(level, afterUserId, limit) {
      let query = executor.selectFrom('vip_states').select('user_id').where('level', '=', level);
      if (afterUserId !== null) query = query.where('user_id', '>', idValue(afterUserId));
      const rows = await query.orderBy('user_id').limit(limit).execute();
      return rows.map((row) => toId(row.user_id));
    },

    async usersWithoutVipStatePage(afterUserId, limit) {
      let query = executor
        .selectFrom('users')
        .leftJoin('vip_states', 'vip_states.user_id', 'users.user_id')
        .select('users.user_id as user_id')
        .where('vip_states.user_id', 'is', null);
      if (afterUserId !== null) query = query.where('users.user_id', '>', idValue(afterUserId));
      const rows = await query.orderBy('users.user_id').limit(limit).execute();
      return rows.map((row) => toId(row.user_id));
    },

    readState: (name, lock) => readState(name, lock),
    writeState,
  };
}
