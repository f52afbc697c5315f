// The settlement benchmark's world (DESIGN §8): `users` users, of which ids 1..chain form one
// chain (1 the root, `chain` the deepest) and the rest a random forest, and `bets` bets over
// `periods` closed periods. Seeded, so every run and every process sees the same data: the
// generator writes it, the classic walk replays it in memory.
import { seededRandom } from './workload.ts';

export interface SettleWorldShape {
  readonly users: number;
  readonly chain: number;
  readonly bets: number;
  readonly periods: number;
}

export interface SettleTree {
  /** parent[i] is the parent id of user i+1; 0 for a root. */
  readonly parent: Int32Array;
  readonly ratePpm: Int32Array;
}

export interface SettleBet {
  readonly userId: number;
  readonly amountMinor: number;
  readonly period: number;
  readonly voided: boolean;
}

export function buildSettleTree(shape: SettleWorldShape): SettleTree {
  const random = seededRandom(42);
  const parent = new Int32Array(shape.users);
  const ratePpm = new Int32Array(shape.users);
  for (let index = 0; index < shape.users; index += 1) {
    if (index < shape.chain) {
      parent[index] = index; // user index+1's parent is user index (0: the root)
      ratePpm[index] = 150_000 - index;
      continue;
    }
    // A forest over the other users: 1% roots, else a uniformly random earlier user (shallow,
    // bushy trees), with rates falling by a random share per level.
    const isRoot = index === shape.chain || random() < 0.01;
    const parentIndex = isRoot ? -1 : shape.chain + Math.floor(random() * (index - shape.chain));
    parent[index] = parentIndex + 1;
    ratePpm[index] = isRoot
      ? 100_000 + Math.floor(random() * 50_000)
      : Math.floor(ratePpm[parentIndex]! * (0.6 + random() * 0.4));
  }
  return { parent, ratePpm };
}

/**
 * The bets in id order (bet i+1 is the i-th yielded). The deepest chain user places 1% of
 * them, so the whole chain is paid in every run; 1% are voided.
 */
export function* settleBets(shape: SettleWorldShape): Generator<SettleBet> {
  const random = seededRandom(7);
  for (let index = 0; index < shape.bets; index += 1) {
    const userId = random() < 0.01 && shape.chain > 0 ? shape.chain : 1 + Math.floor(random() * shape.users);
    const amountMinor = 10_000 + Math.floor(random() * 9_990_000);
    const period = Math.floor(random() * shape.periods);
    const voided = random() < 0.01;
    yield { userId, amountMinor, period, voided };
  }
}
