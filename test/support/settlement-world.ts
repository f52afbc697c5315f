// A reproducible random platform for settlement tests: a forest of users with rates that
// never rise down the tree, and bets spread over a number of periods of one game. Seeded
// (mulberry32), so a failure reproduces and two databases can be given the same input.
import type { LedgerLineRow } from '../../src/app/ports/store.ts';
import { referenceSettle, type ReferenceSettlement } from './rebate-reference.ts';
import type { SeedBet, SettlementFixture } from './settlement-fixture.ts';

export interface WorldShape {
  readonly users: number;
  readonly bets: number;
  readonly periods: number;
  /** Users who start a new tree instead of joining one (0..1). */
  readonly rootShare?: number;
}

export interface World {
  readonly shape: WorldShape;
  readonly parent: number[];
  readonly ratePpm: number[];
  readonly bets: { bettor: number; amountMinor: bigint; period: number }[];
}

export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function buildWorld(seed: number, shape: WorldShape): World {
  const next = seededRandom(seed);
  const parent: number[] = [];
  const ratePpm: number[] = [];
  for (let node = 0; node < shape.users; node += 1) {
    const parentNode = node === 0 || next() < (shape.rootShare ?? 0.05) ? -1 : Math.floor(next() * node);
    parent.push(parentNode);
    ratePpm.push(Math.floor(next() * ((parentNode < 0 ? 120_000 : ratePpm[parentNode]!) + 1)));
  }
  const bets = Array.from({ length: shape.bets }, () => ({
    bettor: Math.floor(next() * shape.users),
    amountMinor: BigInt(1 + Math.floor(next() * 10_000_000)),
    period: Math.floor(next() * shape.periods),
  }));
  return { shape, parent, ratePpm, bets };
}

export const worldUserId = (idBase: number, node: number): string => String(idBase + node + 1);

export function worldPeriods(world: World, game: string): { gameId: string; periodId: string }[] {
  return Array.from({ length: world.shape.periods }, (_, period) => ({ gameId: game, periodId: `p${period}` }));
}

/** Inserts the world's users (ids idBase+1...) and bets; periods are closed by the caller. */
export async function seedWorld(fixture: SettlementFixture, world: World, idBase: number, game: string): Promise<void> {
  await fixture.seedUsers(
    world.parent.map((parent, node) => ({
      userId: worldUserId(idBase, node),
      parentId: parent < 0 ? null : worldUserId(idBase, parent),
      ratePpm: world.ratePpm[node]!,
    })),
  );
  const bets: SeedBet[] = world.bets.map((bet, index) => ({
    betId: String(idBase * 10 + index + 1),
    userId: worldUserId(idBase, bet.bettor),
    gameId: game,
    periodId: `p${bet.period}`,
    amountMinor: bet.amountMinor,
  }));
  await fixture.seedBets(bets);
}

/** The per-bet reference of every bet of the world, differential with self rebate, nobody capped. */
export function worldReference(world: World): ReferenceSettlement {
  const tree = {
    parent: world.parent,
    ratePpm: world.ratePpm,
    eligible: world.parent.map(() => true),
    capMinor: world.parent.map(() => null),
  };
  return referenceSettle(
    tree,
    world.bets.map((bet) => ({ bettor: bet.bettor, amountMinor: bet.amountMinor })),
    { model: 'differential', selfRebate: true },
  );
}

/** A ledger as comparable values: beneficiary -> "amount exact capped teamTurnover". */
export function ledgerFingerprint(lines: ReadonlyMap<string, LedgerLineRow>): Map<string, string> {
  return new Map(
    [...lines].map(([userId, line]) => [
      userId,
      `${line.amountMinor} ${line.exactMinorPpm} ${line.cappedMinorPpm} ${line.teamTurnoverMinor}`,
    ]),
  );
}
