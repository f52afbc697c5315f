// Ingest: a batch of inbound events in, one transaction out (DESIGN §2-§3, STYLE "batch
// instead of reacting to each event"). The same use case serves the Kafka consumer and
// POST /v1/events. Round trips per batch are a fixed handful, whatever the batch size.
//
// Order of work:
//   1. parse every item (refusals are results, never exceptions);
//   2. drop bets the Redis fast path already knows with the same content;
//   3. in one transaction: load what the batch touches, apply registrations, bets, voids and
//      period closes in event order, replay each touched user's metrics in memory and run
//      the VIP deciders per applied bet, then write everything with the outbox records (VIP
//      changes, dead letters) and the consumer offsets;
//   4. after commit: write-through caches. A conflict with a concurrent writer retries the
//      whole transaction; nothing is half-applied.
import { invariant } from '../../domain/assert.ts';
import {
  parseEventObject,
  parseEventText,
  type BetPlaced,
  type BetVoided,
  type InboundEvent,
  type PeriodClosed,
  type UserRegistered,
} from '../../domain/events.ts';
import type { UserId } from '../../domain/ids.ts';
import { isTiernetError, TiernetError } from '../errors.ts';
import type { Cache } from '../ports/cache.ts';
import { UserChangeSet, type AfterUserChanges } from '../ports/user-changes.ts';
import type { Clock } from '../ports/clock.ts';
import {
  periodKeyOf,
  type BetAdjustmentRow,
  type BetRow,
  type ConsumerOffset,
  type MetricDayDelta,
  type OutboxRecord,
  type Store,
  type StoreSession,
  type UserRow,
} from '../ports/store.ts';
import { deadLetterRecord, type DeadLetterSource, type Topics } from '../outbox/messages.ts';
import type { LadderSource } from '../vip/ladder-source.ts';
import { decideVipForBatch, type VipBatchEvent } from './vip-step.ts';
import { vipCacheEntries } from '../vip/vip-cache.ts';
import { dayNumberOf } from '../../domain/vip/zone-day.ts';

export interface IngestItem {
  /** Raw message text (Kafka) or an already-decoded JSON value (HTTP). */
  readonly input:
    | { readonly kind: 'text'; readonly text: string | null; readonly byteLength: number }
    | { readonly kind: 'json'; readonly value: unknown };
  /** Where the item came from; items with a source are dead-lettered when refused. */
  readonly source?: DeadLetterSource;
}

export type ItemStatus = 'applied' | 'duplicate' | 'rejected';

export interface ItemResult {
  readonly status: ItemStatus;
  readonly error?: { readonly code: string; readonly message: string; readonly path?: string };
}

export interface IngestStats {
  readonly applied: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly vipChanges: number;
  /** Refused items dead-lettered by this call; a redelivered item dead-lettered before is refused again but not counted. */
  readonly deadLettered: number;
  readonly newClosedPeriods: number;
  readonly attempts: number;
}

export interface IngestDependencies {
  readonly store: Store;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly ladders: LadderSource;
  readonly currency: string;
  readonly windowDays: readonly number[];
  readonly topics: Topics;
  readonly consumerGroup: string;
  /** Called with cache errors; the cache is never the truth, so ingest carries on. */
  readonly onCacheError?: (error: unknown) => void;
  /** Extra work inside the same transaction for the users whose state changed (groups). */
  readonly afterApply?: AfterUserChanges;
  /** Inside the same transaction, after whole subtrees were attached (their depths and uplines changed). */
  readonly onSubtreesMoved?: (session: StoreSession) => Promise<void>;
  /** Called once the transaction has committed, before the caches are written: its out-events are visible from here. */
  readonly onCommitted?: () => void;
}

const recentBetTtlMs = 24 * 60 * 60 * 1000;
const conflictAttemptsMax = 5;

function betFingerprint(bet: {
  userId: string;
  gameId: string;
  periodId: string;
  amountMinor: bigint;
  placedAtMs: number;
}): string {
  return `${bet.userId}|${bet.gameId}|${bet.periodId}|${bet.amountMinor}|${bet.placedAtMs}`;
}

export const recentBetKey = (betId: string): string => `bet:${betId}`;

interface ParsedItem {
  readonly index: number;
  readonly event: InboundEvent;
}

export async function ingestBatch(
  deps: IngestDependencies,
  items: readonly IngestItem[],
): Promise<{ results: ItemResult[]; stats: IngestStats }> {
  const nowMs = deps.clock.nowMs();
  const options = { currency: deps.currency, nowMs };
  const results: (ItemResult | undefined)[] = new Array<ItemResult | undefined>(items.length);
  const parsed: ParsedItem[] = [];
  for (const [index, item] of items.entries()) {
    const result =
      item.input.kind === 'text'
        ? parseEventText(item.input.text, item.input.byteLength, options)
        : parseEventObject(item.input.value, options);
    if (result.ok) parsed.push({ index, event: result.value });
    else
      results[index] = {
        status: 'rejected',
        error: {
          code: result.code,
          message: result.message,
          ...(result.path === undefined ? {} : { path: result.path }),
        },
      };
  }

  // Fast path: a bet whose id and content the cache already knows was applied before.
  const betItems = parsed.filter((item): item is ParsedItem & { event: BetPlaced } => item.event.type === 'bet.placed');
  let known: (string | null)[] = [];
  try {
    known = await deps.cache.getMany(betItems.map((item) => recentBetKey(item.event.betId)));
  } catch (error) {
    deps.onCacheError?.(error);
  }
  const skipped = new Set<number>();
  betItems.forEach((item, position) => {
    if (known[position] === betFingerprint(item.event)) {
      results[item.index] = { status: 'duplicate' };
      skipped.add(item.index);
    }
  });
  const toApply = parsed.filter((item) => !skipped.has(item.index));

  let attempts = 0;
  let outcome: ApplyOutcome;
  for (;;) {
    attempts += 1;
    try {
      // First attempt: bets the fast path did not know are taken as new without a lookup,
      // since nearly all are. If one was stored after all, its insert hits the primary key,
      // the transaction rolls back as a conflict, and the retry looks every bet up.
      const lookUpPlacedBets = attempts > 1;
      outcome = await deps.store.transaction((session) =>
        applyInTransaction(deps, session, items, toApply, results, nowMs, lookUpPlacedBets),
      );
      break;
    } catch (error) {
      if (!isTiernetError(error, 'db_conflict') || attempts >= conflictAttemptsMax) throw error;
    }
  }
  for (const [index, result] of outcome.results) results[index] = result;
  deps.onCommitted?.();

  try {
    await deps.cache.setMany([
      ...outcome.appliedBets.map((bet) => ({
        key: recentBetKey(bet.betId),
        value: betFingerprint(bet),
        ttlMs: recentBetTtlMs,
      })),
      ...outcome.vipCache,
    ]);
  } catch (error) {
    deps.onCacheError?.(error);
  }

  const finalResults = results.map((result) => {
    invariant(result !== undefined, 'every item has a result');
    return result;
  });
  return {
    results: finalResults,
    stats: {
      applied: finalResults.filter((result) => result.status === 'applied').length,
      duplicates: finalResults.filter((result) => result.status === 'duplicate').length,
      rejected: finalResults.filter((result) => result.status === 'rejected').length,
      vipChanges: outcome.vipChanges,
      deadLettered: outcome.deadLettered,
      newClosedPeriods: outcome.newClosedPeriods,
      attempts,
    },
  };
}

interface ApplyOutcome {
  readonly results: Map<number, ItemResult>;
  readonly appliedBets: BetRow[];
  readonly vipCache: { key: string; value: string; ttlMs?: number }[];
  readonly vipChanges: number;
  readonly deadLettered: number;
  readonly newClosedPeriods: number;
}

function rejected(code: string, message: string, path?: string): ItemResult {
  return { status: 'rejected', error: { code, message, ...(path === undefined ? {} : { path }) } };
}

function placeholderUser(userId: UserId): UserRow {
  return {
    userId,
    parentId: null,
    rebateRatePpm: 0,
    placeholder: true,
    registeredAtMs: null,
    tags: [],
    depth: 0,
    directCount: 0,
  };
}

async function applyInTransaction(
  deps: IngestDependencies,
  session: StoreSession,
  items: readonly IngestItem[],
  toApply: readonly ParsedItem[],
  priorResults: readonly (ItemResult | undefined)[],
  nowMs: number,
  lookUpPlacedBets: boolean,
): Promise<ApplyOutcome> {
  const results = new Map<number, ItemResult>();
  const { ladder, version: ladderVersion } = await deps.ladders.current(session.ladders);

  // ---- load what the batch touches (a fixed number of queries) ----
  const userIds = new Set<UserId>();
  const betIds = new Set<string>();
  for (const { event } of toApply) {
    if (event.type === 'user.registered') {
      userIds.add(event.userId);
      if (event.parentId !== null) userIds.add(event.parentId);
    } else if (event.type === 'bet.placed') {
      userIds.add(event.userId);
      if (lookUpPlacedBets) betIds.add(event.betId);
    } else if (event.type === 'bet.voided') {
      betIds.add(event.betId);
    }
  }
  const existingBets = await session.bets.getMany([...betIds]);
  for (const bet of existingBets.values()) userIds.add(bet.userId);
  const users = await session.users.getMany([...userIds]);
  const originalUsers = new Map(users);
  const changedUsers = new Map<UserId, UserRow>();
  const newUsers = new Set<UserId>();
  const directCountDeltas = new Map<UserId, number>();

  const newBets = new Map<string, BetRow>();
  const voids: { betId: string; voidedAtMs: number }[] = [];
  const pendingVoids: { betId: string; voidedAtMs: number }[] = [];
  const closedPeriods: (PeriodClosed & { index: number })[] = [];
  const deltas: MetricDayDelta[] = [];
  const vipEvents: VipBatchEvent[] = [];
  const voidedBetsNeedingAdjustment: BetRow[] = [];

  const ensureUser = (userId: UserId): UserRow => {
    const existing = users.get(userId);
    if (existing !== undefined) return existing;
    const created = placeholderUser(userId);
    users.set(userId, created);
    changedUsers.set(userId, created);
    newUsers.add(userId);
    return created;
  };
  const putUser = (row: UserRow): void => {
    users.set(row.userId, row);
    changedUsers.set(row.userId, row);
  };

  // Completing a placeholder that already has a downline attaches a whole subtree: it needs
  // the checks of a move (no cycle, r(child) <= r(user)). Such events are rare (a child's
  // registration overtook its parent's), so they get their own queries.
  const attachVerdicts = new Map<number, ItemResult | null>();
  for (const { index, event } of toApply) {
    if (event.type !== 'user.registered' || event.parentId === null) continue;
    const existing = users.get(event.userId);
    if (existing === undefined || !existing.placeholder || existing.directCount === 0) continue;
    if (await session.agentTree.isAncestor(event.userId, event.parentId)) {
      attachVerdicts.set(
        index,
        rejected('move_cycle', `parent ${event.parentId} is in the downline of ${event.userId}`, '/parentId'),
      );
      continue;
    }
    const highestChild = await session.agentTree.childrenRateMax(event.userId);
    if (highestChild !== null && highestChild.ratePpm > event.rebateRatePpm) {
      attachVerdicts.set(
        index,
        rejected(
          'rate_below_child',
          `rate of user ${event.userId} (${event.rebateRatePpm} ppm) is below the rate of its child ${highestChild.childId} (${highestChild.ratePpm} ppm)`,
          '/rebateRate',
        ),
      );
      continue;
    }
    attachVerdicts.set(index, null);
  }
  const subtreeShifts = new Map<UserId, number>();

  for (const { index, event } of toApply) {
    switch (event.type) {
      case 'user.registered':
        results.set(
          index,
          attachVerdicts.get(index) ??
            applyRegistration(event, users, directCountDeltas, ensureUser, putUser, newUsers, subtreeShifts),
        );
        break;
      case 'bet.placed': {
        const result = applyBet(event, existingBets, newBets, ladder.timeZone, ensureUser);
        results.set(index, result.result);
        if (result.bet !== null) {
          deltas.push({
            userId: result.bet.userId,
            day: result.bet.day,
            turnoverDeltaMinor: result.bet.amountMinor,
            betCountDelta: 1,
          });
          vipEvents.push({ kind: 'placed', bet: result.bet });
        }
        break;
      }
      case 'bet.voided': {
        const result = applyVoid(event, existingBets, newBets, voids, pendingVoids);
        results.set(index, result.result);
        if (result.bet !== null) {
          deltas.push({
            userId: result.bet.userId,
            day: result.bet.day,
            turnoverDeltaMinor: -result.bet.amountMinor,
            betCountDelta: -1,
          });
          vipEvents.push({ kind: 'voided', bet: result.bet });
          if (existingBets.has(result.bet.betId)) voidedBetsNeedingAdjustment.push(result.bet);
        }
        break;
      }
      case 'period.closed':
        closedPeriods.push({ ...event, index });
        break;
    }
  }

  // A void that arrived before its bet (stored earlier, or earlier in this batch) applies as the bet lands.
  const heldVoids = await session.pendingVoids.take([...newBets.keys()]);
  for (let index = pendingVoids.length - 1; index >= 0; index -= 1) {
    const pending = pendingVoids[index];
    if (pending === undefined || !newBets.has(pending.betId)) continue;
    heldVoids.set(pending.betId, pending.voidedAtMs);
    pendingVoids.splice(index, 1);
  }
  for (const [betId, voidedAtMs] of heldVoids) {
    const bet = newBets.get(betId);
    if (bet === undefined || bet.voidedAtMs !== null) continue;
    newBets.set(betId, { ...bet, voidedAtMs });
    deltas.push({ userId: bet.userId, day: bet.day, turnoverDeltaMinor: -bet.amountMinor, betCountDelta: -1 });
    vipEvents.push({ kind: 'voided', bet });
  }

  // Bets that reach a period a settlement already claimed are paid in a later settlement:
  // a late bet as +amount, a void of a settled bet as -amount. Nothing is lost to timing.
  const adjustments: BetAdjustmentRow[] = [];
  const newBetList = [...newBets.values()];
  if (voidedBetsNeedingAdjustment.length > 0 || newBetList.length > 0) {
    const periods = new Map(
      [...voidedBetsNeedingAdjustment, ...newBetList].map((bet) => [
        periodKeyOf(bet),
        { gameId: bet.gameId, periodId: bet.periodId },
      ]),
    );
    const claimed = await session.periods.claimedKeys([...periods.values()]);
    for (const bet of voidedBetsNeedingAdjustment) {
      if (claimed.has(periodKeyOf(bet)))
        adjustments.push({ betId: bet.betId, kind: 'void', userId: bet.userId, amountMinor: -bet.amountMinor });
    }
    for (const bet of newBetList) {
      if (bet.voidedAtMs === null && claimed.has(periodKeyOf(bet)))
        adjustments.push({ betId: bet.betId, kind: 'late', userId: bet.userId, amountMinor: bet.amountMinor });
    }
  }

  // ---- VIP: replay each touched user's metrics in memory, decide per applied bet ----
  const vip = await decideVipForBatch({
    session,
    ladder,
    ladderVersion,
    windowDays: deps.windowDays,
    topic: deps.topics.vipChanges,
    events: vipEvents,
    registeredAtOf: (userId) => users.get(userId)?.registeredAtMs ?? null,
    createdInBatch: newUsers,
  });

  // ---- write ----
  // New rows start at direct_count 0: every child counted in this batch arrives through the deltas.
  // Both inserts rely on the lookups at the top of this transaction: a row a concurrent writer
  // inserted since then is a duplicate key, and the whole batch is retried (db_conflict).
  await session.users.insertAbsent(
    [...changedUsers.values()].filter((row) => newUsers.has(row.userId)).map((row) => ({ ...row, directCount: 0 })),
    nowMs,
  );
  const updatedUsers = [...changedUsers.values()].filter(
    (row) => !newUsers.has(row.userId) && originalUsers.get(row.userId) !== row,
  );
  if (updatedUsers.length > 0) await session.users.updateMany(updatedUsers, nowMs);
  await session.users.addDirectCounts(directCountDeltas, nowMs);
  for (const [userId, delta] of subtreeShifts) await session.agentTree.shiftSubtreeDepth(userId, delta, nowMs);
  if (subtreeShifts.size > 0) await deps.onSubtreesMoved?.(session);
  await session.bets.insertAbsent([...newBets.values()], nowMs);
  // A bet another transaction voided since this one read it (a second consumer still holding
  // the partition, or the same void sent under two keys) must not be subtracted twice: the
  // batch is retried, and the retry reads the bet as voided and answers duplicate.
  const marked = await session.bets.markVoided(voids);
  if (marked !== voids.length)
    throw new TiernetError(
      'db_conflict',
      `${voids.length - marked} of ${voids.length} voids were applied concurrently`,
    );
  await session.pendingVoids.insert(pendingVoids, nowMs);
  await session.adjustments.insert(adjustments, nowMs);
  const newPeriodKeys = await session.periods.insertClosed(closedPeriods, nowMs);
  for (const period of closedPeriods) {
    // The first close of a key in this batch is applied; later ones and known periods are duplicates.
    const key = periodKeyOf(period);
    results.set(period.index, newPeriodKeys.delete(key) ? { status: 'applied' } : { status: 'duplicate' });
  }
  await session.metrics.addDeltas(deltas);
  await session.vipStates.upsertMany(vip.states, nowMs);
  await session.vipHistory.append(vip.history);

  // Offsets this database already applied, committed with the state they produced. A refused
  // item below them was dead-lettered by that earlier transaction (a redelivery, or the group
  // moved back to an earlier offset), so it is not dead-lettered again under a new event id.
  // Only a batch that refused a logged item needs the applied offsets (one more query).
  const refusedFromLog = items.some((item, index) => {
    const result = results.get(index) ?? priorResults[index];
    return result?.status === 'rejected' && item.source !== undefined;
  });
  const appliedOffsets = refusedFromLog
    ? await appliedOffsetsOf(session, deps.consumerGroup, items)
    : new Map<string, bigint>();
  const outbox: OutboxRecord[] = [...vip.outbox];
  let deadLettered = 0;
  for (const [index, item] of items.entries()) {
    const result = results.get(index) ?? priorResults[index];
    if (
      result?.status === 'rejected' &&
      item.source !== undefined &&
      result.error !== undefined &&
      BigInt(item.source.offset) >= (appliedOffsets.get(offsetKeyOf(item.source)) ?? 0n)
    ) {
      outbox.push(
        deadLetterRecord(
          deps.topics.dlq,
          item.source,
          result.error,
          item.input.kind === 'text' ? item.input.text : JSON.stringify(item.input.value),
        ),
      );
      deadLettered += 1;
    }
  }
  if (deps.afterApply !== undefined) {
    const changes = new UserChangeSet();
    for (const userId of directCountDeltas.keys()) changes.add(userId, 'agent');
    for (const row of changedUsers.values()) {
      const before = originalUsers.get(row.userId);
      if (before === undefined || before.parentId !== row.parentId || before.depth !== row.depth)
        changes.add(row.userId, 'agent', 'downline');
      if (before === undefined || before.rebateRatePpm !== row.rebateRatePpm)
        changes.add(row.userId, 'user.rebateRate');
      if (before === undefined || before.registeredAtMs !== row.registeredAtMs)
        changes.add(row.userId, 'user.registeredDays');
      if (before === undefined || before.tags.join('\u0000') !== row.tags.join('\u0000'))
        changes.add(row.userId, 'user.tags');
    }
    for (const delta of deltas) changes.add(delta.userId, 'metrics');
    for (const row of vip.history) if (row.fromLevel !== row.toLevel) changes.add(row.userId, 'vip.level');
    if (changes.size > 0) outbox.push(...(await deps.afterApply(session, changes.toMap(), nowMs)));
  }
  await session.outbox.append(outbox, nowMs);
  // The store never moves an offset backwards: the dead-letter check above relies on it.
  await session.offsets.save(offsetsOf(deps.consumerGroup, items), nowMs);

  return {
    results,
    appliedBets: [...newBets.values()],
    vipCache: vipCacheEntries(vip.states, ladder),
    vipChanges: vip.outbox.length,
    deadLettered,
    newClosedPeriods: closedPeriods.filter((period) => results.get(period.index)?.status === 'applied').length,
  };
}

const offsetKeyOf = (position: { topic: string; partition: number }): string =>
  `${position.topic}\u0000${position.partition}`;

/** topic+partition -> next offset the store has applied for the group, for the topics of `items`. */
async function appliedOffsetsOf(
  session: StoreSession,
  consumerGroup: string,
  items: readonly IngestItem[],
): Promise<Map<string, bigint>> {
  const applied = new Map<string, bigint>();
  // A consumed batch is one partition of one topic; HTTP items have no source at all.
  const topics = new Set(items.flatMap((item) => (item.source === undefined ? [] : [item.source.topic])));
  for (const topic of topics) {
    for (const offset of await session.offsets.load(consumerGroup, topic))
      applied.set(offsetKeyOf(offset), offset.nextOffset);
  }
  return applied;
}

function offsetsOf(consumerGroup: string, items: readonly IngestItem[]): ConsumerOffset[] {
  const next = new Map<string, ConsumerOffset>();
  for (const item of items) {
    if (item.source === undefined) continue;
    const key = offsetKeyOf(item.source);
    const nextOffset = BigInt(item.source.offset) + 1n;
    const previous = next.get(key);
    if (previous === undefined || previous.nextOffset < nextOffset) {
      next.set(key, { consumerGroup, topic: item.source.topic, partition: item.source.partition, nextOffset });
    }
  }
  return [...next.values()];
}

/** Tags are a set: order and repeats carry no meaning. */
function sameTags(left: readonly string[], right: readonly string[]): boolean {
  const leftSet = new Set(left);
  const rightSet = new Set(right);
  return leftSet.size === rightSet.size && [...leftSet].every((tag) => rightSet.has(tag));
}

function applyRegistration(
  event: UserRegistered,
  users: Map<UserId, UserRow>,
  directCountDeltas: Map<UserId, number>,
  ensureUser: (userId: UserId) => UserRow,
  putUser: (row: UserRow) => void,
  newUsers: Set<UserId>,
  subtreeShifts: Map<UserId, number>,
): ItemResult {
  const existing = users.get(event.userId);
  if (existing !== undefined && !existing.placeholder) {
    // Tags are part of the content: a registration with other tags is not a redelivery, and
    // calling it a duplicate would drop the new tags without a trace.
    const same =
      existing.parentId === event.parentId &&
      existing.rebateRatePpm === event.rebateRatePpm &&
      existing.registeredAtMs === event.registeredAtMs &&
      sameTags(existing.tags, event.tags);
    return same
      ? { status: 'duplicate' }
      : rejected(
          'user_conflict',
          `user ${event.userId} is already registered with other details; use the agents API to move it or change its rate`,
          '/userId',
        );
  }
  let depth = 0;
  if (event.parentId !== null) {
    const parent = ensureUser(event.parentId);
    if (!parent.placeholder && event.rebateRatePpm > parent.rebateRatePpm) {
      return rejected(
        'rate_above_parent',
        `rate of user ${event.userId} (${event.rebateRatePpm} ppm) is above the rate of its parent ${parent.userId} (${parent.rebateRatePpm} ppm)`,
        '/rebateRate',
      );
    }
    depth = parent.depth + 1;
    // In memory for later events of this batch; in the store as an atomic increment.
    users.set(parent.userId, { ...parent, directCount: parent.directCount + 1 });
    directCountDeltas.set(parent.userId, (directCountDeltas.get(parent.userId) ?? 0) + 1);
  }
  const base = existing ?? ensureUser(event.userId);
  // A placeholder with a downline keeps its stored depth here; one statement then shifts it
  // and every descendant together (see shiftSubtreeDepth).
  const shiftsSubtree = existing !== undefined && existing.directCount > 0 && depth !== existing.depth;
  if (shiftsSubtree) subtreeShifts.set(event.userId, depth - existing.depth);
  putUser({
    ...base,
    parentId: event.parentId,
    rebateRatePpm: event.rebateRatePpm,
    placeholder: false,
    registeredAtMs: event.registeredAtMs,
    tags: event.tags,
    depth: shiftsSubtree ? existing.depth : depth,
  });
  if (existing === undefined) newUsers.add(event.userId);
  return { status: 'applied' };
}

function applyBet(
  event: BetPlaced,
  existingBets: ReadonlyMap<string, BetRow>,
  newBets: Map<string, BetRow>,
  timeZone: string,
  ensureUser: (userId: UserId) => UserRow,
): { result: ItemResult; bet: BetRow | null } {
  const known = newBets.get(event.betId) ?? existingBets.get(event.betId);
  if (known !== undefined) {
    const same = betFingerprint(known) === betFingerprint(event);
    return {
      result: same
        ? { status: 'duplicate' }
        : rejected('bet_conflict', `bet ${event.betId} was already applied with different content`, '/betId'),
      bet: null,
    };
  }
  ensureUser(event.userId);
  const bet: BetRow = {
    betId: event.betId,
    userId: event.userId,
    gameId: event.gameId,
    periodId: event.periodId,
    amountMinor: event.amountMinor,
    placedAtMs: event.placedAtMs,
    day: dayNumberOf(event.placedAtMs, timeZone),
    voidedAtMs: null,
  };
  newBets.set(bet.betId, bet);
  return { result: { status: 'applied' }, bet };
}

function applyVoid(
  event: BetVoided,
  existingBets: ReadonlyMap<string, BetRow>,
  newBets: Map<string, BetRow>,
  voids: { betId: string; voidedAtMs: number }[],
  pendingVoids: { betId: string; voidedAtMs: number }[],
): { result: ItemResult; bet: BetRow | null } {
  const fresh = newBets.get(event.betId);
  if (fresh !== undefined) {
    if (fresh.voidedAtMs !== null) return { result: { status: 'duplicate' }, bet: null };
    newBets.set(event.betId, { ...fresh, voidedAtMs: event.voidedAtMs });
    return { result: { status: 'applied' }, bet: fresh };
  }
  const stored = existingBets.get(event.betId);
  if (stored === undefined) {
    // Unknown yet: keep the void and apply it when the bet arrives (it may be on another partition).
    if (pendingVoids.some((entry) => entry.betId === event.betId))
      return { result: { status: 'duplicate' }, bet: null };
    pendingVoids.push({ betId: event.betId, voidedAtMs: event.voidedAtMs });
    return { result: { status: 'applied' }, bet: null };
  }
  if (stored.voidedAtMs !== null || voids.some((entry) => entry.betId === event.betId))
    return { result: { status: 'duplicate' }, bet: null };
  voids.push({ betId: event.betId, voidedAtMs: event.voidedAtMs });
  return { result: { status: 'applied' }, bet: stored };
}
