// Write-through cache of each user's current VIP status (DESIGN §3). Readers fall back to the
// store on a miss; writers put the status after every commit that changed it.
import type { UserId } from '../../domain/ids.ts';
import { levelAt, type Ladder } from '../../domain/vip/ladder.ts';
import type { VipOverride } from '../../domain/vip/vip-state.ts';
import type { StoredVipState } from '../ports/store.ts';

export interface CachedVipStatus {
  readonly level: number;
  readonly name: string;
  readonly sinceMs: number;
  readonly status: 'ok' | 'at_risk';
  readonly override: VipOverride | null;
  readonly seq: number;
  readonly ladderVersion: number;
}

export const vipCacheKey = (userId: UserId): string => `vip:${userId}`;
const vipCacheTtlMs = 7 * 24 * 60 * 60 * 1000;

export function cachedStatusOf(row: StoredVipState, ladder: Ladder): CachedVipStatus {
  const level = Math.min(row.state.level, ladder.levels.length - 1);
  return {
    level: row.state.level,
    name: levelAt(ladder, level).name,
    sinceMs: row.state.levelSinceMs,
    status: row.state.status,
    override: row.state.override,
    seq: row.state.seq,
    ladderVersion: row.ladderVersion,
  };
}

export function vipCacheEntries(
  rows: readonly StoredVipState[],
  ladder: Ladder,
): { key: string; value: string; ttlMs: number }[] {
  return rows.map((row) => ({
    key: vipCacheKey(row.userId),
    value: JSON.stringify(cachedStatusOf(row, ladder)),
    ttlMs: vipCacheTtlMs,
  }));
}
