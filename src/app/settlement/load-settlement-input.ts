// Loads what one settlement computes over into the engine's typed arrays: the whole tree in
// keyset pages of users (id order, so the dense index is the load order), the claimed
// periods' bets aggregated per bettor in SQL, the claimed adjustments, then eligibility.
// Memory is a few typed arrays per user (about 40 bytes) plus one page of rows at a time.
// The tree and amounts come from one consistent snapshot (SettlementStore.snapshot).
import { performance } from 'node:perf_hooks';
import type { UserId } from '../../domain/ids.ts';
import type { RebatePolicy } from '../../domain/rebate/policy.ts';
import { noCapMinor, type RebateSettlementInput } from '../../domain/rebate/settlement-input.ts';
import { accept, refuse, type Result } from '../../domain/result.ts';
import { invariant } from '../../domain/assert.ts';
import type { SettlementRecord } from '../ports/settlement.ts';
import { raisePlaceholderRates } from './placeholder-rates.ts';
import type { SettlementDependencies, SettlementProgress } from './settlement-deps.ts';
import { SortedUserIds, writeUserIdHalves } from './sorted-user-ids.ts';

const treePageSizeDefault = 50_000;
/** Marks "no parent" in the parent-id halves (ids stay below 2^63, so their high half below 2^31). */
const noParentHigh = 0xffff_ffff;

export interface LoadedSettlementInput {
  readonly userIds: SortedUserIds;
  readonly input: RebateSettlementInput;
  readonly bettors: number;
  readonly adjustedUsers: number;
  readonly timingsMs: { readonly loadTree: number; readonly aggregateBets: number; readonly eligibility: number };
}

export async function loadSettlementInput(
  deps: SettlementDependencies,
  settlement: SettlementRecord,
  policy: RebatePolicy,
  onProgress: (progress: SettlementProgress) => void,
): Promise<Result<LoadedSettlementInput>> {
  const pageSize = deps.treePageSize ?? treePageSizeDefault;
  const settlementId = settlement.settlementId;
  const treeStartMs = performance.now();
  let aggregateStartMs = 0;

  const loaded = await deps.settlements.snapshot(async (snapshot) => {
    const userCount = await snapshot.countUsers();
    const userIds = new SortedUserIds(userCount);
    const parentHigh = new Uint32Array(userCount);
    const parentLow = new Uint32Array(userCount);
    const ratePpm = new Int32Array(userCount);
    const placeholder = new Uint8Array(userCount);
    // One page more than the count needs: the snapshot's count is exact, so hitting the
    // bound means the pages did not advance, which is a bug, not a large tree.
    const pagesMax = Math.ceil(userCount / pageSize) + 1;
    let afterUserId: UserId | null = null;
    for (let page = 0; page < pagesMax; page += 1) {
      const rows = await snapshot.usersPage(afterUserId, pageSize);
      for (const row of rows) {
        const index = userIds.push(row.userId);
        if (row.parentId === null) parentHigh[index] = noParentHigh;
        else writeUserIdHalves(row.parentId, parentHigh, parentLow, index);
        ratePpm[index] = row.rebateRatePpm;
        placeholder[index] = row.placeholder ? 1 : 0;
      }
      onProgress({ phase: 'load_tree', settlementId, done: userIds.count, total: userCount });
      const last = rows[rows.length - 1];
      if (rows.length < pageSize || last === undefined) break;
      afterUserId = last.userId;
    }
    invariant(userIds.count === userCount, `loaded ${userIds.count} users of the ${userCount} counted in one snapshot`);

    const parentIndex = new Int32Array(userCount);
    for (let index = 0; index < userCount; index += 1) {
      const high = parentHigh[index]!;
      if (high === noParentHigh) {
        parentIndex[index] = -1;
        continue;
      }
      const parent = userIds.indexOfHalves(high, parentLow[index]!);
      if (parent < 0)
        return refuse(
          'rebate_input_invalid',
          `user ${userIds.idAt(index)} has a parent that is not a user`,
          `/users/${userIds.idAt(index)}/parentId`,
        );
      parentIndex[index] = parent;
    }

    aggregateStartMs = performance.now();
    const betSumMinor = new BigInt64Array(userCount);
    // Assigned inside the callback, so held in an object TypeScript does not narrow to null.
    const unknown: { bettor: UserId | null } = { bettor: null };
    const addTo = (userId: UserId, amountMinor: bigint): void => {
      const index = userIds.indexOf(userId);
      if (index < 0) {
        unknown.bettor ??= userId;
        return;
      }
      betSumMinor[index] = betSumMinor[index]! + amountMinor;
    };
    const bettors = await snapshot.betSums(settlementId, addTo);
    onProgress({ phase: 'aggregate_bets', settlementId, done: bettors, total: bettors });
    const adjustedUsers = await snapshot.adjustmentSums(settlementId, addTo);
    if (unknown.bettor !== null)
      return refuse(
        'rebate_input_invalid',
        `bets or adjustments of user ${unknown.bettor}, who is not a user`,
        `/users/${unknown.bettor}`,
      );
    return accept({ userIds, parentIndex, ratePpm, placeholder, betSumMinor, bettors, adjustedUsers });
  });
  if (!loaded.ok) return loaded;
  const { userIds, parentIndex, ratePpm, placeholder, betSumMinor, bettors, adjustedUsers } = loaded.value;
  const loadTreeMs = aggregateStartMs - treeStartMs;
  const aggregateBetsMs = performance.now() - aggregateStartMs;

  const eligibilityStartMs = performance.now();
  onProgress({ phase: 'eligibility', settlementId, done: 0, total: 0 });
  const eligibility = await deps.eligibility(deps.store);
  const userCount = userIds.count;
  const eligible = new Uint8Array(userCount).fill(1);
  const capMinor = new BigInt64Array(userCount).fill(noCapMinor);
  for (const userId of eligibility.disabled) {
    const index = userIds.indexOf(userId);
    if (index >= 0) eligible[index] = 0;
  }
  for (const [userId, cap] of eligibility.capMinor) {
    const index = userIds.indexOf(userId);
    if (index >= 0) capMinor[index] = cap;
  }
  const lifted = raisePlaceholderRates(parentIndex, ratePpm, placeholder, eligible);
  if (!lifted.ok) return lifted;
  const eligibilityMs = performance.now() - eligibilityStartMs;

  return accept({
    userIds,
    input: { parentIndex, ratePpm, eligible, capMinor, betSumMinor, policy },
    bettors,
    adjustedUsers,
    timingsMs: { loadTree: loadTreeMs, aggregateBets: aggregateBetsMs, eligibility: eligibilityMs },
  });
}
