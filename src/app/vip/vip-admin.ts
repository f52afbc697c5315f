// Admin use cases for VIP: the ladder (read, versioned edit), a user's view, history,
// explanation and manual overrides. Each mutation is one transaction that writes state,
// history and outbox together; the HTTP adapter only translates.
import type { UserId } from '../../domain/ids.ts';
import { allMetricNames } from '../../domain/metric-names.ts';
import { formatMinor } from '../../domain/money.ts';
import { accept, refuse, type Result } from '../../domain/result.ts';
import { explainVip, type VipExplanation } from '../../domain/vip/explain.ts';
import { validateLadder } from '../../domain/vip/ladder.ts';
import { computeMetrics, metricsAsOfReader, type MetricValues } from '../../domain/vip/metrics.ts';
import { decideOverride, decideOverrideRemoval } from '../../domain/vip/override.ts';
import { decideOnReview } from '../../domain/vip/review.ts';
import { isReviewDue } from '../../domain/vip/schedule.ts';
import { changesLevel, initialVipState, type VipState } from '../../domain/vip/vip-state.ts';
import { dayNumberOf } from '../../domain/vip/zone-day.ts';
import { vipChangedRecord } from '../outbox/messages.ts';
import type { Cache } from '../ports/cache.ts';
import { UserChangeSet, type AfterUserChanges } from '../ports/user-changes.ts';
import type { Clock } from '../ports/clock.ts';
import type { DocumentVersion, Page, Store, StoreSession, UserRow, VipHistoryRow } from '../ports/store.ts';
import { historyRowOf, loadMetricInputs } from '../ingest/vip-step.ts';
import { alignToLadder } from './align-to-ladder.ts';
import { validateLadderPolicies } from '../groups/ladder-policies.ts';
import type { CurrentLadder, LadderSource } from './ladder-source.ts';
import { cachedStatusOf, vipCacheEntries, vipCacheKey, type CachedVipStatus } from './vip-cache.ts';

export interface VipAdminDependencies {
  readonly store: Store;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly ladders: LadderSource;
  readonly windowDays: readonly number[];
  readonly vipChangesTopic: string;
  readonly afterApply?: AfterUserChanges;
  readonly onCacheError?: (error: unknown) => void;
}

export async function currentLadder(deps: VipAdminDependencies): Promise<CurrentLadder> {
  return deps.ladders.current(deps.store.ladders);
}

/** Validates and stores a new ladder version; refusals name the JSON path at fault. */
export async function putLadder(
  deps: VipAdminDependencies,
  document: unknown,
  actor: string,
): Promise<Result<CurrentLadder>> {
  const valid = validateLadder(document, { windowDays: deps.windowDays });
  if (!valid.ok) return valid;
  const policies = validateLadderPolicies(valid.value);
  if (!policies.ok) return policies;
  const nowMs = deps.clock.nowMs();
  const stored = await deps.store.transaction(async (session) => {
    const latest = await session.ladders.latest();
    const version = (latest?.version ?? 0) + 1;
    await session.ladders.insert({ version, document: JSON.stringify(document), actor, createdAtMs: nowMs });
    return version;
  });
  return accept(deps.ladders.parse(stored, document));
}

export async function ladderVersions(
  deps: VipAdminDependencies,
  cursor: string | null,
  limit: number,
): Promise<Page<DocumentVersion>> {
  return deps.store.ladders.list(cursor, limit);
}

export interface UserView {
  readonly user: UserRow;
  readonly vip: CachedVipStatus;
  readonly metrics: MetricValues;
}

/** Metrics of one user as of `nowMs` (today's zone day included). */
async function metricsNowOf(
  session: StoreSession,
  userId: UserId,
  ladder: CurrentLadder,
  windowDays: readonly number[],
  nowMs: number,
) {
  const today = dayNumberOf(nowMs, ladder.ladder.timeZone);
  const inputs = await loadMetricInputs(session, [userId], today - Math.max(...windowDays) - 1);
  const input = inputs.get(userId) ?? { buckets: [], lifetime: { turnoverMinor: 0n, betCount: 0 } };
  return { input, metrics: computeMetrics(input.buckets, input.lifetime, today, windowDays) };
}

export async function userView(deps: VipAdminDependencies, userId: UserId): Promise<UserView | null> {
  const user = (await deps.store.users.getMany([userId])).get(userId);
  if (user === undefined) return null;
  const ladder = await currentLadder(deps);
  let vip: CachedVipStatus | null = null;
  try {
    const [cached] = await deps.cache.getMany([vipCacheKey(userId)]);
    if (cached !== null && cached !== undefined) vip = JSON.parse(cached) as CachedVipStatus;
  } catch (error) {
    deps.onCacheError?.(error);
  }
  if (vip === null) {
    const stored = (await deps.store.vipStates.getMany([userId])).get(userId);
    vip = cachedStatusOf(
      stored ?? { userId, state: initialVipState(user.registeredAtMs ?? 0), ladderVersion: ladder.version },
      ladder.ladder,
    );
  }
  const { metrics } = await metricsNowOf(deps.store, userId, ladder, deps.windowDays, deps.clock.nowMs());
  return { user, vip, metrics };
}

/** Wire form of metric values: money as 4-decimal strings, counts as numbers, in a stable order. */
export function wireMetrics(metrics: MetricValues, windowDays: readonly number[]): Record<string, string | number> {
  const wire: Record<string, string | number> = {};
  for (const name of allMetricNames(windowDays)) {
    const value = metrics[name];
    if (value === undefined) continue;
    wire[name] = typeof value === 'bigint' ? formatMinor(value) : value;
  }
  return wire;
}

export async function vipHistory(
  deps: VipAdminDependencies,
  userId: UserId,
  cursor: string | null,
  limit: number,
): Promise<Page<VipHistoryRow> | null> {
  const user = (await deps.store.users.getMany([userId])).get(userId);
  if (user === undefined) return null;
  return deps.store.vipHistory.pageForUser(userId, cursor, limit);
}

export async function explainUser(
  deps: VipAdminDependencies,
  userId: UserId,
): Promise<{ explanation: VipExplanation; metrics: MetricValues } | null> {
  const user = (await deps.store.users.getMany([userId])).get(userId);
  if (user === undefined) return null;
  const nowMs = deps.clock.nowMs();
  const ladder = await currentLadder(deps);
  const stored = (await deps.store.vipStates.getMany([userId])).get(userId);
  const { metrics, input } = await metricsNowOf(deps.store, userId, ladder, deps.windowDays, nowMs);
  let state: VipState = alignToLadder(
    stored?.state ?? initialVipState(user.registeredAtMs ?? nowMs),
    ladder.ladder,
    nowMs,
  ).state;
  // Explain the state as it stands now: a boundary already passed but not yet ticked is applied in memory.
  if (isReviewDue(state, ladder.ladder, nowMs)) {
    state = decideOnReview(
      state,
      metricsAsOfReader(input.buckets, input.lifetime, ladder.ladder.timeZone, deps.windowDays),
      ladder.ladder,
      nowMs,
    ).state;
  }
  return { explanation: explainVip(state, metrics, ladder.ladder, nowMs), metrics };
}

export type OverrideRequest =
  | {
      readonly kind: 'set' | 'floor';
      readonly level: number;
      readonly reason: string;
      readonly actor: string;
      readonly expiresAtMs: number | null;
    }
  | { readonly kind: 'freeze'; readonly reason: string; readonly actor: string; readonly expiresAtMs: number | null }
  | { readonly kind: 'none'; readonly reason: string; readonly actor: string };

/** Places, replaces or removes (`none`) a manual override; a refusal changes nothing. */
export async function setOverride(
  deps: VipAdminDependencies,
  userId: UserId,
  request: OverrideRequest,
): Promise<Result<CachedVipStatus>> {
  const nowMs = deps.clock.nowMs();
  const outcome = await deps.store.transaction(
    async (
      session,
    ): Promise<
      Result<{
        status: CachedVipStatus;
        ladder: CurrentLadder;
        row: { userId: UserId; state: VipState; ladderVersion: number };
      }>
    > => {
      const user = (await session.users.getMany([userId])).get(userId);
      if (user === undefined) return refuse('user_unknown', `user ${userId} is not known`);
      const ladder = await deps.ladders.current(session.ladders);
      const stored = (await session.vipStates.getMany([userId])).get(userId);
      const { metrics, input } = await metricsNowOf(session, userId, ladder, deps.windowDays, nowMs);
      const aligned = alignToLadder(
        stored?.state ?? initialVipState(user.registeredAtMs ?? nowMs),
        ladder.ladder,
        nowMs,
      );
      let state = aligned.state;
      const changes = [...aligned.changes];
      if (isReviewDue(state, ladder.ladder, nowMs)) {
        const review = decideOnReview(
          state,
          metricsAsOfReader(input.buckets, input.lifetime, ladder.ladder.timeZone, deps.windowDays),
          ladder.ladder,
          nowMs,
        );
        state = review.state;
        changes.push(...review.changes);
      }
      const plan =
        request.kind === 'none'
          ? decideOverrideRemoval(
              state,
              { actor: request.actor, reason: request.reason },
              metrics,
              ladder.ladder,
              nowMs,
            )
          : decideOverride(state, request, metrics, ladder.ladder, nowMs);
      if (!plan.ok) return plan;
      changes.push(...plan.value.changes);
      const row = { userId, state: plan.value.state, ladderVersion: ladder.version };
      await session.vipStates.upsertMany([row], nowMs);
      await session.vipHistory.append(changes.map((change) => historyRowOf(userId, change, ladder.version)));
      const outbox = changes
        .filter(changesLevel)
        .map((change) => vipChangedRecord(deps.vipChangesTopic, userId, change, ladder.version));
      if (deps.afterApply !== undefined && changes.some(changesLevel)) {
        const changeSet = new UserChangeSet();
        changeSet.add(userId, 'vip.level');
        outbox.push(...(await deps.afterApply(session, changeSet.toMap(), nowMs)));
      }
      await session.outbox.append(outbox, nowMs);
      return accept({ status: cachedStatusOf(row, ladder.ladder), ladder, row });
    },
  );
  if (!outcome.ok) return outcome;
  try {
    await deps.cache.setMany(vipCacheEntries([outcome.value.row], outcome.value.ladder.ladder));
  } catch (error) {
    deps.onCacheError?.(error);
  }
  return accept(outcome.value.status);
}
