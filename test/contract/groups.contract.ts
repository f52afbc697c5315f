// GroupsRepository contract: the behaviour every store adapter (MariaDB/MySQL, SQLite) must
// show. It proves the catalog version starts at 0 and each bump adds one, and that a bump
// waits for a transaction holding the version under a shared lock; group rows round-trip,
// tombstones stay readable by id and keep their id taken but leave every listing; members
// page in id order, a range read honours its open and closed ends, a pair inserted twice
// fails the transaction with db_conflict, removals report what they removed, and a user's
// groups exclude tombstones; ancestorsAmong finds exactly the strict ancestors among the
// candidates, across branches and on a 3,000-deep chain; VIP levels and stateless users page
// by id; the scheduler state round-trips.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isTiernetError } from '../../src/app/errors.ts';
import type { GroupMemberRow, GroupRow } from '../../src/app/ports/groups.ts';
import type { UserRow } from '../../src/app/ports/store.ts';
import type { StoreFixture } from '../support/backends.ts';

const nowMs = 1_764_000_000_000;

const group = (groupId: string, extra: Partial<GroupRow> = {}): GroupRow => ({
  groupId,
  name: `Group ${groupId}`,
  kind: 'dynamic',
  ruleDoc: '{"field":"vip.level","op":"gte","value":1}',
  ruleVersion: 1,
  policyDoc: null,
  priority: 0,
  deleting: false,
  rebuildAfterUserId: null,
  rebuildJoined: 0,
  rebuildLeft: 0,
  createdAtMs: nowMs,
  updatedAtMs: nowMs,
  ...extra,
});

const member = (groupId: string, userId: string): GroupMemberRow => ({
  groupId,
  userId,
  source: 'rule',
  ruleVersion: 1,
  sinceMs: nowMs,
});

const user = (userId: string, parentId: string | null, depth: number): UserRow => ({
  userId,
  parentId,
  rebateRatePpm: 0,
  placeholder: false,
  registeredAtMs: nowMs,
  tags: [],
  depth,
  directCount: 0,
});

export function groupsRepositoryContract(name: string, open: () => Promise<StoreFixture>): void {
  describe(`GroupsRepository contract: ${name}`, () => {
    let fixture: StoreFixture;
    before(async () => {
      fixture = await open();
    });
    after(async () => {
      await fixture?.cleanup();
    });

    test('the catalog version starts at 0, each bump adds one, and a bump waits for a shared reader to commit', async () => {
      const { store } = fixture;
      assert.equal(await store.groups.catalogVersion('none'), 0);
      assert.equal(await store.transaction((session) => session.groups.bumpCatalogVersion(nowMs)), 1);
      assert.equal(await store.transaction((session) => session.groups.bumpCatalogVersion(nowMs)), 2);
      const order: string[] = [];
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let readerHasLock: () => void = () => {};
      const locked = new Promise<void>((resolve) => {
        readerHasLock = resolve;
      });
      const reader = store.transaction(async (session) => {
        assert.equal(await session.groups.catalogVersion('shared'), 2);
        readerHasLock();
        await held;
        order.push('reader commits');
      });
      await locked;
      const writer = store.transaction(async (session) => {
        const version = await session.groups.bumpCatalogVersion(nowMs);
        order.push('writer bumped');
        return version;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      await reader;
      assert.equal(await writer, 3);
      assert.deepEqual(order, ['reader commits', 'writer bumped']);
    });

    test('group rows round-trip; tombstones stay readable by id but leave every listing', async () => {
      const { store } = fixture;
      await store.transaction(async (session) => {
        await session.groups.insert(group('c.a', { policyDoc: '{"rebate.enabled":false}', priority: -5 }));
        await session.groups.insert(group('c.b', { kind: 'static', ruleDoc: null, rebuildAfterUserId: '0' }));
        await session.groups.insert(group('c.c', { deleting: true, policyDoc: '{"bet.maxAmount":"1.0000"}' }));
      });
      const rows = await store.groups.getMany(['c.c', 'c.a', 'c.b', 'c.none'], 'none');
      assert.deepEqual([...rows.keys()], ['c.a', 'c.b', 'c.c']);
      assert.deepEqual(rows.get('c.a'), group('c.a', { policyDoc: '{"rebate.enabled":false}', priority: -5 }));
      assert.equal(rows.get('c.b')?.rebuildAfterUserId, '0');
      assert.deepEqual(
        (await store.groups.listPage(null, 10)).map((row) => row.groupId),
        ['c.a', 'c.b'],
      );
      assert.deepEqual(
        (await store.groups.listPage('c.a', 10)).map((row) => row.groupId),
        ['c.b'],
      );
      assert.deepEqual(
        (await store.groups.dynamicGroups('none', 10)).map((row) => row.groupId),
        ['c.a'],
      );
      assert.deepEqual(
        (await store.groups.groupsWithPolicy(10)).map((row) => row.groupId),
        ['c.a'],
      );
      assert.deepEqual(
        (await store.groups.pendingMaintenance(10)).map((row) => row.groupId),
        ['c.b', 'c.c'],
      );
      assert.equal(await store.groups.count(), 3);

      await store.transaction(async (session) => {
        await session.groups.update({
          ...group('c.a'),
          name: 'Renamed',
          ruleVersion: 2,
          rebuildAfterUserId: '123456789012345678',
          rebuildJoined: 7,
          rebuildLeft: 3,
          updatedAtMs: nowMs + 1,
        });
      });
      const updated = (await store.groups.getMany(['c.a'], 'exclusive')).get('c.a');
      assert.deepEqual(
        [
          updated?.name,
          updated?.ruleVersion,
          updated?.rebuildAfterUserId,
          updated?.rebuildJoined,
          updated?.rebuildLeft,
          updated?.createdAtMs,
          updated?.updatedAtMs,
        ],
        ['Renamed', 2, '123456789012345678', 7, 3, nowMs, nowMs + 1],
      );

      await assert.rejects(
        store.transaction((session) => session.groups.insert(group('c.a'))),
        (error: unknown) => isTiernetError(error, 'db_conflict'),
      );
      await store.transaction((session) => session.groups.remove('c.c'));
      assert.equal(await store.groups.count(), 2);
    });

    test('members page by id, ranges honour their ends, a pair inserted twice is a conflict, removals count', async () => {
      const { store } = fixture;
      await store.transaction(async (session) => {
        await session.groups.insert(group('m.a'));
        await session.groups.insert(group('m.gone', { deleting: true }));
        await session.groups.addMembers(
          ['30', '4', '200', '9223372036854775807'].map((userId) => member('m.a', userId)),
        );
        await session.groups.addMembers([member('m.gone', '4')]);
      });
      const ids = (rows: readonly GroupMemberRow[]) => rows.map((row) => row.userId);
      assert.deepEqual(ids(await store.groups.membersPage('m.a', null, 10)), ['4', '30', '200', '9223372036854775807']);
      assert.deepEqual(ids(await store.groups.membersPage('m.a', '30', 2)), ['200', '9223372036854775807']);
      assert.deepEqual(ids(await store.groups.membersInRange(['m.a'], '4', '200')), ['30', '200']);
      assert.deepEqual(ids(await store.groups.membersInRange(['m.a'], null, '30')), ['4', '30']);
      assert.deepEqual(ids(await store.groups.membersInRange(['m.a'], '200', null)), ['9223372036854775807']);
      assert.deepEqual(ids(await store.groups.membershipOf(['m.a', 'm.gone'], ['4', '5'])).sort(), ['4', '4']);
      assert.deepEqual((await store.groups.groupIdsOfUsers(['4', '30', '5'])).get('4'), ['m.a']);
      assert.equal((await store.groups.groupIdsOfUsers(['5'])).has('5'), false);
      assert.equal(await store.groups.memberCount('m.a'), 4);

      await assert.rejects(
        store.transaction((session) => session.groups.addMembers([member('m.a', '31'), member('m.a', '30')])),
        (error: unknown) => isTiernetError(error, 'db_conflict'),
      );
      assert.equal(await store.groups.memberCount('m.a'), 4, 'the failed transaction wrote nothing');
      const removed = await store.transaction((session) =>
        session.groups.removeMembers([
          { groupId: 'm.a', userId: '30' },
          { groupId: 'm.a', userId: '31' },
          { groupId: 'm.gone', userId: '4' },
        ]),
      );
      assert.equal(removed, 2);
      assert.deepEqual(ids(await store.groups.membersPage('m.a', null, 10)), ['4', '200', '9223372036854775807']);
    });

    test('ancestorsAmong finds exactly the strict ancestors among the candidates, on branches and a 3,000-deep chain', async () => {
      const { store } = fixture;
      // 1001 ─ 1002 ─ 1003 ─ 1004;  1001 ─ 1005;  1006 a root.
      await store.users.insertMissing(
        [
          user('1001', null, 0),
          user('1002', '1001', 1),
          user('1003', '1002', 2),
          user('1004', '1003', 3),
          user('1005', '1001', 1),
          user('1006', null, 0),
        ],
        nowMs,
      );
      const found = await store.groups.ancestorsAmong(
        ['1004', '1005', '1001', '1006', '1003', '9999'],
        ['1002', '1001', '1004', '424242'],
      );
      const asLists = new Map([...found].map(([userId, set]) => [userId, [...set].sort()]));
      assert.deepEqual(
        asLists,
        new Map([
          ['1004', ['1001', '1002']],
          ['1005', ['1001']],
          ['1003', ['1001', '1002']],
        ]),
      );

      const chainLength = 3_000;
      const chain = Array.from({ length: chainLength }, (_, index) =>
        user(String(50_001 + index), index === 0 ? null : String(50_000 + index), index),
      );
      await store.users.insertMissing(chain, nowMs);
      const deepest = String(50_000 + chainLength);
      const middle = String(50_000 + 1_500);
      const onChain = await store.groups.ancestorsAmong(
        [deepest, middle, '50001', '50002'],
        ['50001', middle, String(50_000 + 2_999)],
      );
      assert.deepEqual([...(onChain.get(deepest) ?? [])].sort(), ['50001', middle, String(50_000 + 2_999)].sort());
      assert.deepEqual([...(onChain.get(middle) ?? [])], ['50001']);
      assert.deepEqual([...(onChain.get('50002') ?? [])], ['50001']);
      assert.equal(onChain.has('50001'), false);
    });

    test('VIP levels and users without a VIP state page by id; the scheduler state round-trips', async () => {
      const { store } = fixture;
      await store.users.insertMissing(
        ['7001', '7002', '7003', '7004'].map((userId) => user(userId, null, 0)),
        nowMs,
      );
      const state = (level: number) => ({
        level,
        levelSinceMs: nowMs,
        cycleStartMs: null,
        nextReviewMs: null,
        status: 'ok' as const,
        atRiskSinceMs: null,
        protectedUntilMs: null,
        override: null,
        seq: 0,
        changedAtMs: nowMs,
      });
      await store.vipStates.upsertMany(
        [
          { userId: '7001', state: state(2), ladderVersion: 1 },
          { userId: '7003', state: state(2), ladderVersion: 1 },
          { userId: '7004', state: state(1), ladderVersion: 1 },
        ],
        nowMs,
      );
      assert.deepEqual(await store.groups.vipUsersAtLevelPage(2, null, 1), ['7001']);
      assert.deepEqual(await store.groups.vipUsersAtLevelPage(2, '7001', 5), ['7003']);
      const stateless = await store.groups.usersWithoutVipStatePage('7000', 10);
      assert.deepEqual(
        stateless.filter((id) => id.startsWith('700')),
        ['7002'],
      );

      assert.equal(await store.groups.readState('groups.test', 'none'), null);
      await store.transaction((session) => session.groups.writeState('groups.test', '{"day":1}', nowMs));
      await store.transaction((session) => session.groups.writeState('groups.test', '{"day":2}', nowMs));
      assert.equal(
        await store.transaction((session) => session.groups.readState('groups.test', 'exclusive')),
        '{"day":2}',
      );
    });
  });
}
