// The rebate policy document (DESIGN §5): which model splits a bet's rebate over the upline.
// Stored versioned as JSON and edited through the API, so every field is validated here
// with the JSON path at fault; unknown keys are refused because a misspelt key
// ("selfrebate") would otherwise silently fall back to a default and pay the wrong people.
import { parseRatePpm, ppmPerUnit } from '../rate.ts';
import { accept, refuse, type Result } from '../result.ts';

export interface DifferentialPolicy {
  readonly model: 'differential';
  /** Whether the bettor earns r(bettor) on its own bets; off keeps that share with the house. */
  readonly selfRebate: boolean;
}

export interface PerLevelPolicy {
  readonly model: 'per_level';
  /** What an eligible bettor earns on its own bets. */
  readonly selfRatePpm: number;
  /** levelRatesPpm[d-1] is what the d-th eligible ancestor of the bettor earns. */
  readonly levelRatesPpm: readonly number[];
}

export type RebatePolicy = DifferentialPolicy | PerLevelPolicy;

/**
 * The engine makes one pass over all nodes per level (O(nodes * levels)), so the level count
 * is what bounds settlement time. 64 is far above any real scheme (3-10 levels) and keeps a
 * 1M-node settlement within a few tens of millions of steps.
 */
export const perLevelRatesCountMax = 64;

/** The policy used when none was ever stored: DESIGN §5 names differential the default. */
export const defaultRebatePolicy: RebatePolicy = { model: 'differential', selfRebate: true };

const differentialKeys = new Set(['model', 'selfRebate']);
const perLevelKeys = new Set(['model', 'selfRate', 'rates']);

/**
 * Validates a stored or submitted policy document. Explicit defaults: `selfRebate` is true
 * when absent (DESIGN §5 describes self rebate as part of the default model); `selfRate` is
 * 0 when absent. A per_level policy whose rates sum above 1 is refused: it would pay out
 * more than the stake on every bet, which is a typo, not a business decision.
 */
export function validateRebatePolicy(json: unknown): Result<RebatePolicy> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return refuse('policy_invalid', 'rebate policy must be a JSON object', '');
  }
  const document = json as Record<string, unknown>;
  const model = document['model'];
  if (model === 'differential') return validateDifferential(document);
  if (model === 'per_level') return validatePerLevel(document);
  return refuse('policy_invalid', 'model must be "differential" or "per_level"', '/model');
}

function validateDifferential(document: Record<string, unknown>): Result<RebatePolicy> {
  const unknownKey = findUnknownKey(document, differentialKeys);
  if (unknownKey !== undefined) {
    return refuse(
      'policy_invalid',
      `unknown key "${unknownKey}" for model differential`,
      `/${escapePointer(unknownKey)}`,
    );
  }
  const selfRebate = document['selfRebate'] ?? true;
  if (typeof selfRebate !== 'boolean')
    return refuse('policy_invalid', 'selfRebate must be true or false', '/selfRebate');
  return accept({ model: 'differential', selfRebate });
}

function validatePerLevel(document: Record<string, unknown>): Result<RebatePolicy> {
  const unknownKey = findUnknownKey(document, perLevelKeys);
  if (unknownKey !== undefined) {
    return refuse('policy_invalid', `unknown key "${unknownKey}" for model per_level`, `/${escapePointer(unknownKey)}`);
  }
  const selfRate = parseRatePpm(document['selfRate'] ?? '0', { path: '/selfRate' });
  if (!selfRate.ok) return selfRate;

  const rates = document['rates'];
  if (!Array.isArray(rates)) return refuse('policy_invalid', 'rates must be an array of decimal strings', '/rates');
  if (rates.length > perLevelRatesCountMax) {
    return refuse(
      'policy_invalid',
      `rates may list at most ${perLevelRatesCountMax} levels, got ${rates.length}`,
      '/rates',
    );
  }
  const levelRatesPpm: number[] = [];
  let payoutPpm = selfRate.value;
  for (let level = 0; level < rates.length; level += 1) {
    const rate = parseRatePpm(rates[level] as unknown, { path: `/rates/${level}` });
    if (!rate.ok) return rate;
    levelRatesPpm.push(rate.value);
    payoutPpm += rate.value;
  }
  if (payoutPpm > ppmPerUnit) {
    return refuse(
      'policy_invalid',
      'selfRate plus all rates must not exceed 1: the policy would pay more than the stake',
      '/rates',
    );
  }
  return accept({ model: 'per_level', selfRatePpm: selfRate.value, levelRatesPpm });
}

function findUnknownKey(document: Record<string, unknown>, allowed: ReadonlySet<string>): string | undefined {
  for (const key of Object.keys(document)) {
    if (!allowed.has(key)) return key;
  }
  return undefined;
}

/** RFC 6901: a key inside a JSON pointer escapes "~" and "/". */
function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
