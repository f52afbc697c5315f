// Effective policies (DESIGN.md §4): a user's groups' policies and their VIP level's policy
// merged per key by mergePolicies, explained per key; and, for settlement, rebate eligibility
// of every user at once, computed from the few sources that set rebate keys rather than by
// merging a policy for each of up to a million users.
import { invariant } from '../../domain/assert.ts';
import type { UserId } from '../../domain/ids.ts';
import { mergePolicies, type EffectivePolicy, type SourcedPolicy } from '../../domain/policy/effective-policy.ts';
import { validatePolicy, type Policy } from '../../domain/policy/policy.ts';
import { accept, refuse, type Result } from '../../domain/result.ts';
import { TiernetError } from '../errors.ts';
import type { GroupRow } from '../ports/groups.ts';
import type { StoreSession } from '../ports/store.ts';
import type { LadderSource } from '../vip/ladder-source.ts';
import { groupCountMax } from './group-catalog.ts';
import { storedLadderPolicies } from './ladder-policies.ts';

/** Rows per page when reading members and VIP levels for eligibility. */
const eligibilityPageSize = 10_000;
/** Pages per source: 10^4 × 10^4 = 10^8 users, far above any platform; hitting it is an error. */
const eligibilityPagesMax = 10_000;

export function storedGroupPolicy(row: GroupRow): Policy | null {
  if (row.policyDoc === null) return null;
  const policy = validatePolicy(JSON.parse(row.policyDoc) as unknown, '');
  invariant(
    policy.ok,
    `the stored policy of group ${row.groupId} no longer validates: ${policy.ok ? '' : policy.message}`,
  );
  return policy.value;
}

/** The ids of the live groups the user belongs to, sorted (GET /v1/users/{id} `groups`). */
export async function groupsOfUser(session: StoreSession, userId: UserId): Promise<string[]> {
  return (await session.groups.groupIdsOfUsers([userId])).get(userId) ?? [];
}

export interface UserPolicy {
  readonly userId: UserId;
  readonly vipLevel: number;
  readonly groups: readonly string[];
  readonly effective: EffectivePolicy;
}

export async function effectivePolicyOfUser(
  deps: { readonly ladders: LadderSource },
  session: StoreSession,
  userId: UserId,
): Promise<Result<UserPolicy>> {
  const user = (await session.users.getMany([userId])).get(userId);
  if (user === undefined) return refuse('user_unknown', `user ${userId} is not known`);
  const groupIds = await groupsOfUser(session, userId);
  const rows = await session.groups.getMany(groupIds, 'none');
  const sources: SourcedPolicy[] = [];
  for (const row of rows.values()) {
    const policy = storedGroupPolicy(row);
    if (policy !== null && !row.deleting)
      sources.push({ source: { kind: 'group', id: row.groupId, priority: row.priority }, policy });
  }
  const vipLevel = (await session.vipStates.getMany([userId])).get(userId)?.state.level ?? 0;
  const { document } = await deps.ladders.current(session.ladders);
  const levelPolicy = storedLadderPolicies(document).get(vipLevel);
  if (levelPolicy !== undefined)
    sources.push({ source: { kind: 'vip_level', id: String(vipLevel), priority: 0 }, policy: levelPolicy });
  return accept({ userId, vipLevel, groups: groupIds, effective: mergePolicies(sources) });
}

export interface RebateEligibility {
  /** Users whose effective rebate.enabled is false (false wins). */
  readonly disabled: Set<UserId>;
  /** Users with a rebate.maxPerSettlement, the lowest that applies (lowest wins). */
  readonly capMinor: Map<UserId, bigint>;
}

/**
 * Rebate eligibility of every user, for a settlement over the whole tree: only the members of
 * groups whose policy sets rebate.enabled=false or rebate.maxPerSettlement, and the users at
 * VIP levels whose policy does, are read, in keyset pages. The merge is mergePolicies' per
 * key: any false disables, the lowest cap wins. A level-0 policy also covers users who have
 * no VIP state yet (everyone starts at level 0), which is the one case that reads every user
 * without a state. Memberships are materialised, so the answer is as of the last committed
 * change; `nowMs` is accepted for callers that have a clock and is not needed.
 */
export async function loadRebateEligibility(session: StoreSession, _nowMs?: number): Promise<RebateEligibility> {
  const disabled = new Set<UserId>();
  const capMinor = new Map<UserId, bigint>();
  const apply = (userIds: readonly UserId[], policy: Policy): void => {
    for (const userId of userIds) {
      if (policy.rebateEnabled === false) disabled.add(userId);
      const cap = policy.rebateMaxPerSettlementMinor;
      if (cap !== null) {
        const previous = capMinor.get(userId);
        if (previous === undefined || cap < previous) capMinor.set(userId, cap);
      }
    }
  };
  const setsRebateKeys = (policy: Policy): boolean =>
    policy.rebateEnabled === false || policy.rebateMaxPerSettlementMinor !== null;

  const groups = await session.groups.groupsWithPolicy(groupCountMax);
  invariant(groups.length <= groupCountMax, `at most ${groupCountMax} groups carry a policy`);
  for (const group of groups) {
    const policy = storedGroupPolicy(group);
    if (policy === null || !setsRebateKeys(policy)) continue;
    await forEachPage(
      (after) =>
        session.groups
          .membersPage(group.groupId, after, eligibilityPageSize)
          .then((rows) => rows.map((row) => row.userId)),
      (ids) => apply(ids, policy),
    );
  }

  const latest = await session.ladders.latest();
  const levelPolicies =
    latest === null ? new Map<number, Policy>() : storedLadderPolicies(JSON.parse(latest.document) as unknown);
  for (const [level, policy] of levelPolicies) {
    if (!setsRebateKeys(policy)) continue;
    await forEachPage(
      (after) => session.groups.vipUsersAtLevelPage(level, after, eligibilityPageSize),
      (ids) => apply(ids, policy),
    );
    if (level === 0)
      await forEachPage(
        (after) => session.groups.usersWithoutVipStatePage(after, eligibilityPageSize),
        (ids) => apply(ids, policy),
      );
  }
  return { disabled, capMinor };
}

async function forEachPage(
  readPage: (afterUserId: UserId | null) => Promise<UserId[]>,
  consume: (userIds: readonly UserId[]) => void,
): Promise<void> {
  let after: UserId | null = null;
  for (let page = 0; page < eligibilityPagesMax; page += 1) {
    const ids = await readPage(after);
    consume(ids);
    const last = ids.at(-1);
    if (ids.length < eligibilityPageSize || last === undefined) return;
    after = last;
  }
  throw new TiernetError(
    'bound_exceeded',
    `a rebate eligibility source has more than ${eligibilityPageSize * eligibilityPagesMax} users`,
  );
}
