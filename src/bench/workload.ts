// Seeded synthetic workloads for benchmarks: the same seed gives the same events, so runs are
// comparable. Users are drawn from a Zipf distribution, as real bettor activity is skewed.
export function seededRandom(seed: number): () => number {
  // mulberry32: small, fast, good enough for workload shapes (not for anything secret).
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Zipf(s) over 1..n by inverse CDF on a precomputed table: O(log n) per draw. */
export function zipfSampler(n: number, exponent: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let rank = 1; rank <= n; rank += 1) {
    total += 1 / rank ** exponent;
    cumulative[rank - 1] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] ?? 0) < target) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  };
}

export interface BetEventSpec {
  readonly betId: string;
  readonly userId: string;
  readonly json: string;
}

/** `count` bet.placed events from `users` Zipf-distributed users, one game, rotating periods. */
export function betEvents(
  count: number,
  users: number,
  seed: number,
  baseTimeMs: number,
  firstBetId = 1,
): BetEventSpec[] {
  const random = seededRandom(seed);
  const pickUser = zipfSampler(users, 1.1, random);
  const events: BetEventSpec[] = [];
  for (let index = 0; index < count; index += 1) {
    const betId = String(firstBetId + index);
    const userId = String(pickUser());
    const amount = (1 + Math.floor(random() * 50_000) / 100).toFixed(2);
    events.push({
      betId,
      userId,
      json: JSON.stringify({
        type: 'bet.placed',
        betId,
        userId,
        gameId: 'bench',
        periodId: `p${Math.floor(index / 10_000)}`,
        amount,
        placedAt: baseTimeMs + index,
      }),
    });
  }
  return events;
}
