// The ladder in force: the latest stored version, or the built-in default (version 0) until an
// operator stores one. Parsed ladders are memoised by version: a batch reads only the latest
// version number and the document, and validation runs once per version per process.
import { invariant } from '../../domain/assert.ts';
import { validateLadder, type Ladder } from '../../domain/vip/ladder.ts';
import type { DocumentVersionsRepository } from '../ports/store.ts';

export interface CurrentLadder {
  readonly version: number;
  readonly ladder: Ladder;
  readonly document: unknown;
}

/** The DESIGN.md §3 example ladder, extended by one tier, so a fresh install does something sensible. */
export const defaultLadderDocument = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '10000' }, keep: { turnover30d: '2000' } },
    {
      level: 2,
      name: 'Silver',
      promote: { turnoverLifetime: '50000', turnover30d: '10000' },
      keep: { turnover30d: '8000' },
    },
    {
      level: 3,
      name: 'Gold',
      promote: { turnoverLifetime: '200000', turnover30d: '40000' },
      keep: { turnover30d: '30000' },
    },
  ],
  promotion: { maxStepsPerEvent: null },
  demotion: { mode: 'one_down', cycleDays: 30, graceDays: 0, newTierProtectionDays: 0 },
} as const;

export class LadderSource {
  readonly #windowDays: readonly number[];
  readonly #parsed = new Map<number, CurrentLadder>();

  constructor(windowDays: readonly number[]) {
    this.#windowDays = windowDays;
  }

  parse(version: number, document: unknown): CurrentLadder {
    const cached = this.#parsed.get(version);
    if (cached !== undefined) return cached;
    const result = validateLadder(document, { windowDays: this.#windowDays });
    // Stored ladders were validated on the way in; a stored version that no longer validates
    // (e.g. the window list was reconfigured) must stop the process rather than be guessed at.
    invariant(
      result.ok,
      `ladder version ${version} no longer validates: ${result.ok ? '' : `${result.message} at ${result.path ?? ''}`}`,
    );
    const current = { version, ladder: result.value, document };
    if (this.#parsed.size > 64) this.#parsed.clear();
    this.#parsed.set(version, current);
    return current;
  }

  async current(ladders: DocumentVersionsRepository): Promise<CurrentLadder> {
    const latest = await ladders.latest();
    if (latest === null) return this.parse(0, defaultLadderDocument);
    return this.parse(latest.version, JSON.parse(latest.document) as unknown);
  }
}
