// Voids held for a bet that has since been stored. A void that arrives before its bet waits
// in pending_voids and is applied by the transaction that stores the bet. The contract keys
// both by user, so they share a partition and that transaction always sees the held void;
// a void sent under another key can race its bet on another partition, each transaction
// missing the other's uncommitted row, and stay held. This sweep applies such voids through
// the ordinary ingest path (the same rules as a late redelivery of the void: a void already
// applied is a duplicate) and then drops them from the hold. A crash between the two only
// means the next sweep finds the void a duplicate and drops it then.
import { ingestBatch, type IngestDependencies, type IngestItem } from './ingest-batch.ts';

export interface HeldVoidsOutcome {
  readonly examined: number;
  readonly applied: number;
  readonly duplicates: number;
  /** Refused by ingest (e.g. a void that no longer validates): dropped from the hold all the same, with their codes. */
  readonly rejected: readonly { readonly betId: string; readonly code: string }[];
}

/** Applies up to `limit` held voids whose bet is stored; returns what happened to each. */
export async function applyHeldVoids(deps: IngestDependencies, limit: number): Promise<HeldVoidsOutcome> {
  const held = await deps.store.pendingVoids.withStoredBets(limit);
  if (held.length === 0) return { examined: 0, applied: 0, duplicates: 0, rejected: [] };
  const items: IngestItem[] = held.map((entry) => ({
    input: { kind: 'json', value: { type: 'bet.voided', betId: entry.betId, voidedAt: entry.voidedAtMs } },
  }));
  const { results, stats } = await ingestBatch(deps, items);
  await deps.store.pendingVoids.remove(held.map((entry) => entry.betId));
  return {
    examined: held.length,
    applied: stats.applied,
    duplicates: stats.duplicates,
    rejected: results.flatMap((result, index) =>
      result.status === 'rejected' ? [{ betId: held[index]!.betId, code: result.error?.code ?? 'unknown' }] : [],
    ),
  };
}
