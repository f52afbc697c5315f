// Property: materialised dynamic membership equals a from-scratch evaluation. Random users
// (agent tree, rates, tags, registration times, placeholders created by bets and parents that
// arrive late), random bets and voids spread over ten days (so rolling windows and VIP
// promotions move), random groups over every rule field (vip.level, metrics, agent.depth and
// directCount, rebate rate, tags, registeredDays, downlineOf) nested in all/any/not, random
// rule edits between batches, applied through ingest with the groups hook in random batch
// splits, then the clock moved on 0-3 days and the day tick run. Afterwards, for every group
// and every user, membership holds iff the rule holds on values the test derives itself:
// metrics summed from the generated bets minus the voided ones, ancestors walked from the
// stored parent pointers, days counted in UTC. The group.joined/left events add up to the
// membership and never repeat a state. Runs on SQLite and MariaDB (tables emptied per run).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { MemoryCache } from '../../src/adapters/memory/cache.ts';
import { initialTables } from '../../src/adapters/sql/schema.ts';
import { reevaluateTimeRelativeGroups } from '../../src/app/groups/day-tick.ts';
import { GroupCatalog } from '../../src/app/groups/group-catalog.ts';
import { groupMaintenanceLoopStep, requestRebuildOfGroupsReading } from '../../src/app/groups/group-maintenance.ts';
import { createGroup, replaceGroup } from '../../src/app/groups/groups-admin.ts';
import type { GroupsDependencies } from '../../src/app/groups/groups-deps.ts';
import { createGroupsHook } from '../../src/app/groups/groups-hook.ts';
import { ingestBatch, type IngestDependencies } from '../../src/app/ingest/ingest-batch.ts';
import type { UserRow } from '../../src/app/ports/store.ts';
import { LadderSource } from '../../src/app/vip/ladder-source.ts';
import { evaluateRule, type RuleSubject } from '../../src/domain/groups/evaluate.ts';
import { validateRule } from '../../src/domain/groups/rule.ts';
import { sqlBackends, openStoreFixture, type StoreFixture } from '../support/backends.ts';

const dayMs = 86_400_000;
const t0 = Date.UTC(2026, 10, 25, 12);
const windowDays = [1, 7, 30];
const userPool = Array.from({ length: 16 }, (_, index) => String(index + 1));
const tagPool = ['a', 'b', 'c'];
const ladderDocument = {
  timezone: 'UTC',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover30d: '1' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '500' }, keep: { turnover30d: '1' } },
  ],
  demotion: { mode: 'one_down', cycleDays: 30 },
};

// ---- rules over every field ----
const orderOp = fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte');
const count = (max: number) => fc.integer({ min: 0, max });
const numericLeaf = <T>(field: string, value: fc.Arbitrary<T>) =>
  fc.oneof(
    fc.record({ field: fc.constant(field), op: orderOp, value }),
    fc.record({
      field: fc.constant(field),
      op: fc.constantFrom('in', 'nin'),
      value: fc.array(value, { minLength: 1, maxLength: 3 }),
    }),
  );
const amount = fc.constantFrom('0', '10', '60', '100', '150', '500', '1000');
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  numericLeaf('vip.level', count(2)),
  numericLeaf('metrics.turnoverLifetime', amount),
  numericLeaf('metrics.turnover7d', amount),
  numericLeaf('metrics.turnover1d', amount),
  numericLeaf('metrics.betCount30d', count(4)),
  numericLeaf('metrics.activeDays7d', count(3)),
  numericLeaf('agent.depth', count(3)),
  numericLeaf('agent.directCount', count(2)),
  numericLeaf('user.rebateRate', fc.constantFrom('0.08', '0.09', '0.095')),
  numericLeaf('user.registeredDays', count(5)),
  fc.record({ field: fc.constant('user.tags'), op: fc.constant('has'), value: fc.constantFrom(...tagPool) }),
  fc.record({
    field: fc.constant('user.tags'),
    op: fc.constantFrom('in', 'nin'),
    value: fc.subarray(tagPool, { minLength: 1 }),
  }),
  fc.record({ downlineOf: fc.constantFrom(...userPool.slice(0, 6)) }),
);
const ruleArbitrary: fc.Arbitrary<unknown> = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('rule') }),
  ),
})).rule;

// ---- events ----
type Step =
  | {
      readonly kind: 'register';
      readonly userId: string;
      readonly parentIndex: number | null;
      readonly tags: string[];
      readonly daysAgo: number;
    }
  | { readonly kind: 'bet'; readonly userId: string; readonly amount: string; readonly daysAgo: number }
  | { readonly kind: 'void'; readonly betIndex: number }
  | { readonly kind: 'edit'; readonly groupIndex: number; readonly rule: unknown };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      userId: fc.constantFrom(...userPool),
      parentIndex: fc.option(fc.nat(15), { nil: null }),
      tags: fc.subarray(tagPool),
      daysAgo: count(4),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('bet' as const),
      userId: fc.constantFrom(...userPool),
      amount: fc.constantFrom('10', '60', '120', '450'),
      daysAgo: count(9),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), betIndex: fc.nat(40) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('edit' as const), groupIndex: fc.nat(3), rule: ruleArbitrary }),
  },
);

const scenarioArbitrary = fc.record({
  rules: fc.array(ruleArbitrary, { minLength: 1, maxLength: 4 }),
  steps: fc.array(stepArbitrary, { minLength: 1, maxLength: 60 }),
  cuts: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
  advanceDays: count(3),
});

interface GroupEvent {
  readonly type: 'group.joined' | 'group.left';
  readonly userId: string;
  readonly groupId: string;
  readonly ruleVersion: number;
}

const metricDay = (ms: number): number => Math.floor(ms / dayMs);

for (const backend of sqlBackends) {
  describe(`groups membership property on ${backend}`, () => {
    let fixture: StoreFixture;
    before(async () => {
      fixture = await openStoreFixture(backend, 'groups_property');
    });
    after(async () => {
      await fixture?.cleanup();
    });

    async function emptyEveryTable(): Promise<void> {
      for (const table of initialTables) await sql`delete from ${sql.table(table.name)}`.execute(fixture.database.db);
    }

    test('incremental membership through the hook equals a from-scratch evaluation of every rule for every user', async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArbitrary, async (scenario) => {
          await emptyEveryTable();
          let nowMs = t0;
          const clock = { nowMs: () => nowMs };
          const store = fixture.store;
          await store.ladders.insert({
            version: 1,
            document: JSON.stringify(ladderDocument),
            actor: 'test',
            createdAtMs: t0,
          });
          const ladders = new LadderSource(windowDays);
          const groups: GroupsDependencies = {
            store,
            clock,
            ladders,
            windowDays,
            topic: 'groups',
            catalog: new GroupCatalog(windowDays),
            batchSize: 5,
          };
          const ingest: IngestDependencies = {
            store,
            cache: new MemoryCache({ clock }),
            clock,
            ladders,
            currency: 'CNY',
            windowDays,
            topics: { vipChanges: 'vip', groupChanges: 'groups', settlements: 's', dlq: 'dlq' },
            consumerGroup: 'p',
            afterApply: createGroupsHook(groups),
            // As in the runtime: attaching a placeholder's subtree marks the groups reading
            // depth or uplines for a rebuild, which the maintenance loop works off.
            onSubtreesMoved: async (session) => {
              await requestRebuildOfGroupsReading(session, groups.catalog, ['agent', 'downline']);
            },
          };
          const drainMaintenance = async (): Promise<void> => {
            for (let step = 0; step < 10_000; step += 1) if (!(await groupMaintenanceLoopStep(groups))) return;
            assert.fail('group maintenance did not finish within 10,000 steps');
          };

          const groupIds = scenario.rules.map((_, index) => `g${index}`);
          const rules = new Map<string, unknown>();
          for (const [index, rule] of scenario.rules.entries()) {
            const created = await createGroup(groups, groupIds[index]!, { kind: 'dynamic', name: 'g', rule });
            assert.ok(created.ok, `rule ${JSON.stringify(rule)} is accepted`);
            rules.set(groupIds[index]!, rule);
          }

          // Steps → batches of events (rule edits run between batches).
          const bets: { betId: string; userId: string; amountMinor: bigint; placedAtMs: number }[] = [];
          const voided = new Set<string>();
          const items: ({ event: unknown } | { edit: { groupId: string; rule: unknown } })[] = [];
          for (const step of scenario.steps) {
            switch (step.kind) {
              case 'register': {
                const parentIndex = step.parentIndex === null ? null : step.parentIndex % Number(step.userId);
                const parentId = parentIndex === null || parentIndex === 0 ? null : String(parentIndex);
                const ratePpm = 100_000 - Number(step.userId) * 1_000;
                items.push({
                  event: {
                    type: 'user.registered',
                    userId: step.userId,
                    ...(parentId === null ? {} : { parentId }),
                    rebateRate: (ratePpm / 1_000_000).toFixed(6),
                    registeredAt: t0 - step.daysAgo * dayMs - 60_000,
                    tags: step.tags,
                  },
                });
                break;
              }
              case 'bet': {
                const betId = String(bets.length + 1);
                const placedAtMs = t0 - step.daysAgo * dayMs - 1_000;
                bets.push({ betId, userId: step.userId, amountMinor: BigInt(step.amount) * 10_000n, placedAtMs });
                items.push({
                  event: {
                    type: 'bet.placed',
                    betId,
                    userId: step.userId,
                    gameId: 'g',
                    periodId: 'p',
                    amount: step.amount,
                    placedAt: placedAtMs,
                  },
                });
                break;
              }
              case 'void': {
                const target = bets[step.betIndex % Math.max(1, bets.length)];
                if (target === undefined) break;
                voided.add(target.betId);
                items.push({ event: { type: 'bet.voided', betId: target.betId, voidedAt: t0 } });
                break;
              }
              case 'edit': {
                const groupId = groupIds[step.groupIndex % groupIds.length]!;
                items.push({ edit: { groupId, rule: step.rule } });
                rules.set(groupId, step.rule);
                break;
              }
            }
          }
          let position = 0;
          for (let cut = 0; position < items.length; cut += 1) {
            const size = scenario.cuts[cut % scenario.cuts.length]!;
            const slice = items.slice(position, position + size);
            position += size;
            const events: unknown[] = [];
            const flush = async (): Promise<void> => {
              if (events.length > 0)
                await ingestBatch(
                  ingest,
                  events.splice(0).map((value) => ({ input: { kind: 'json', value } })),
                );
              await drainMaintenance();
            };
            for (const item of slice) {
              if ('edit' in item) {
                await flush();
                const edited = await replaceGroup(groups, item.edit.groupId, { name: 'g', rule: item.edit.rule });
                assert.ok(edited.ok);
              } else {
                events.push(item.event);
              }
            }
            await flush();
          }
          nowMs = t0 + scenario.advanceDays * dayMs;
          const tick = await reevaluateTimeRelativeGroups(groups, nowMs);
          assert.ok(tick.complete);

          // ---- from scratch ----
          const users: UserRow[] = [];
          for (let after: string | null = null; ;) {
            const page = await store.users.page(after, 500);
            users.push(...page);
            if (page.length < 500) break;
            after = page.at(-1)!.userId;
          }
          const byId = new Map(users.map((user) => [user.userId, user]));
          const states = await store.vipStates.getMany(users.map((user) => user.userId));
          const today = metricDay(nowMs);
          const subjectOf = (user: UserRow): RuleSubject => {
            const own = bets.filter((bet) => bet.userId === user.userId && !voided.has(bet.betId));
            const metrics = new Map<string, bigint | number>();
            metrics.set(
              'turnoverLifetime',
              own.reduce((sum, bet) => sum + bet.amountMinor, 0n),
            );
            metrics.set('betCountLifetime', own.length);
            for (const days of windowDays) {
              const inWindow = own.filter(
                (bet) => metricDay(bet.placedAtMs) > today - days && metricDay(bet.placedAtMs) <= today,
              );
              metrics.set(
                `turnover${days}d`,
                inWindow.reduce((sum, bet) => sum + bet.amountMinor, 0n),
              );
              metrics.set(`betCount${days}d`, inWindow.length);
              metrics.set(`activeDays${days}d`, new Set(inWindow.map((bet) => metricDay(bet.placedAtMs))).size);
            }
            const upline = new Set<string>();
            for (let parent = user.parentId, steps = 0; parent !== null; steps += 1) {
              assert.ok(steps <= users.length, 'the stored tree has no cycle');
              upline.add(parent);
              parent = byId.get(parent)?.parentId ?? null;
            }
            return {
              vipLevel: states.get(user.userId)?.state.level ?? 0,
              agentDepth: upline.size,
              directCount: users.filter((other) => other.parentId === user.userId).length,
              registeredDays: user.registeredAtMs === null ? null : Math.max(0, today - metricDay(user.registeredAtMs)),
              rebateRatePpm: user.rebateRatePpm,
              tags: new Set(user.tags),
              metrics,
              upline,
            };
          };
          const subjects = users.map((user) => ({ user, subject: subjectOf(user) }));
          const outbox = (await store.outbox.readBatch(1_000_000))
            .filter((record) => record.topic === 'groups')
            .map((record) => JSON.parse(record.payload) as GroupEvent);
          for (const groupId of groupIds) {
            const validated = validateRule(rules.get(groupId), { windowDays });
            assert.ok(validated.ok);
            const expected = subjects
              .filter(({ subject }) => evaluateRule(validated.value, subject))
              .map(({ user }) => user.userId)
              .sort();
            const actual = (await store.groups.membersPage(groupId, null, 10_000))
              .map((member) => member.userId)
              .sort();
            assert.deepEqual(actual, expected, `membership of ${groupId} (${JSON.stringify(rules.get(groupId))})`);
            const state = new Set<string>();
            for (const event of outbox.filter((candidate) => candidate.groupId === groupId)) {
              assert.equal(
                state.has(event.userId),
                event.type === 'group.left',
                `${event.type} of ${event.userId} in ${groupId} follows the membership it changes`,
              );
              if (event.type === 'group.joined') state.add(event.userId);
              else state.delete(event.userId);
            }
            assert.deepEqual([...state].sort(), expected, `the events of ${groupId} add up to its membership`);
          }
        }),
        { numRuns: backend === 'sqlite' ? 60 : 20 },
      );
    });
  });
}
