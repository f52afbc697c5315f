// The VIP ladder document (DESIGN.md §3), validated into a typed Ladder. Ladders are edited
// by operators through the API and every version is kept, so everything is checked here and
// a refusal names the JSON path at fault. Unknown keys are refused: a misspelt "keeep" would
// otherwise mean "no keep requirement" and silently make a tier permanent.
import { invariant } from '../assert.ts';
import { parseMetricName } from '../metric-names.ts';
import { parseAmountMinor } from '../money.ts';
import type { RefusalCode } from '../refusal-codes.ts';
import { accept, refuse, type Refusal, type Result } from '../result.ts';
import { compareMetricValues, type Requirement, type Threshold } from './requirement.ts';
import { canonicalTimeZone } from './zone-day.ts';
import type { MetricValue } from './metrics.ts';

/**
 * Every decision scans the levels (promotion target, recalc), explain lists them and the
 * console renders them; real platforms run 5-20 tiers. 100 leaves headroom and keeps the
 * per-event work small and bounded.
 */
export const ladderLevelCountMax = 100;
/** Ten years: cycles, grace and protection longer than that are typos, and day arithmetic stays small. */
export const ladderDaysMax = 3660;
const levelNameLengthMax = 64;
const timeZoneLengthMax = 64;
/** The metric grammar allows 2 lifetime + 3 per window names; 64 covers any window list. */
const requirementMetricCountMax = 64;

export type DemotionMode = 'one_down' | 'recalc';

export interface LadderLevel {
  readonly level: number;
  readonly name: string;
  /** null: reachable only by override (an invitation-only tier). Always null on level 0. */
  readonly promote: Requirement | null;
  /** null: once reached, the level is kept (no keep cycle). Always null on level 0. */
  readonly keep: Requirement | null;
  /** Carried through untouched; the policy module validates it (DESIGN.md §4). */
  readonly policy?: unknown;
}

export interface Ladder {
  /** Canonical IANA name as Intl spells it. */
  readonly timeZone: string;
  /** levels[i].level === i; levels[0] is the base level. */
  readonly levels: readonly LadderLevel[];
  readonly promotion: { readonly maxStepsPerEvent: number | null };
  readonly demotion: {
    readonly mode: DemotionMode;
    readonly cycleDays: number;
    readonly graceDays: number;
    readonly newTierProtectionDays: number;
  };
}

/** Explicit defaults for the optional sections: no step cap, one level down per 30-day cycle, no grace, no protection. */
export const ladderDefaults = {
  maxStepsPerEvent: null,
  mode: 'one_down',
  cycleDays: 30,
  graceDays: 0,
  newTierProtectionDays: 0,
} as const;

export function topLevel(ladder: Ladder): number {
  return ladder.levels.length - 1;
}

export function levelAt(ladder: Ladder, level: number): LadderLevel {
  const found = ladder.levels[level];
  invariant(
    found !== undefined && found.level === level,
    `level ${level} is not on the ladder (top is ${topLevel(ladder)})`,
  );
  return found;
}

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6901: `~` and `/` inside a key must be escaped or the path would point elsewhere. */
function pointer(base: string, token: string | number): string {
  const text = typeof token === 'number' ? String(token) : token.replaceAll('~', '~0').replaceAll('/', '~1');
  return `${base}/${text}`;
}

function quoted(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function bad(code: RefusalCode, message: string, path: string): Refusal {
  return refuse(code, message, path);
}

function refuseUnknownKeys(object: JsonObject, allowed: readonly string[], path: string): Refusal | null {
  const keys = Object.keys(object);
  if (keys.length > allowed.length) {
    const extra = keys.find((key) => !allowed.includes(key)) ?? '';
    return bad('ladder_invalid', `unknown key ${quoted(extra)}; allowed: ${allowed.join(', ')}`, pointer(path, extra));
  }
  for (const key of keys) {
    if (!allowed.includes(key))
      return bad('ladder_invalid', `unknown key ${quoted(key)}; allowed: ${allowed.join(', ')}`, pointer(path, key));
  }
  return null;
}

function integerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/**
 * Validates a ladder document against the configured metric windows. Refusals carry
 * `ladder_invalid` for shape faults and a specific `ladder_*` code for the named rules.
 */
export function validateLadder(json: unknown, options: { readonly windowDays: readonly number[] }): Result<Ladder> {
  if (!isJsonObject(json)) return bad('ladder_invalid', 'a ladder must be a JSON object', '');
  const unknownKey = refuseUnknownKeys(json, ['timezone', 'levels', 'promotion', 'demotion'], '');
  if (unknownKey !== null) return unknownKey;

  const timeZone = validateTimeZone(json['timezone']);
  if (!timeZone.ok) return timeZone;
  const levels = validateLevels(json['levels'], options.windowDays);
  if (!levels.ok) return levels;
  const promotion = validatePromotion(json['promotion']);
  if (!promotion.ok) return promotion;
  const demotion = validateDemotion(json['demotion']);
  if (!demotion.ok) return demotion;
  return accept({
    timeZone: timeZone.value,
    levels: levels.value,
    promotion: promotion.value,
    demotion: demotion.value,
  });
}

function validateTimeZone(value: unknown): Result<string> {
  if (typeof value !== 'string' || value.length === 0 || value.length > timeZoneLengthMax) {
    return bad(
      'ladder_timezone_invalid',
      `timezone must be an IANA time zone name such as "Asia/Shanghai"`,
      '/timezone',
    );
  }
  const canonical = canonicalTimeZone(value);
  if (canonical === null) return bad('ladder_timezone_invalid', `unknown time zone ${quoted(value)}`, '/timezone');
  return accept(canonical);
}

function validateLevels(value: unknown, windowDays: readonly number[]): Result<LadderLevel[]> {
  if (!Array.isArray(value) || value.length === 0)
    return bad('ladder_invalid', 'levels must be a non-empty array starting with level 0', '/levels');
  if (value.length > ladderLevelCountMax)
    return bad(
      'ladder_too_large',
      `a ladder has at most ${ladderLevelCountMax} levels, got ${value.length}`,
      '/levels',
    );
  const levels: LadderLevel[] = [];
  const levelByName = new Map<string, number>();
  /** The highest promote threshold seen so far per metric, and the level that set it. */
  const promoteFloor = new Map<string, { minimum: MetricValue; level: number }>();
  for (let index = 0; index < value.length; index++) {
    const path = pointer('/levels', index);
    const entry: unknown = value[index];
    if (!isJsonObject(entry)) return bad('ladder_invalid', 'each level must be a JSON object', path);
    const unknownKey = refuseUnknownKeys(entry, ['level', 'name', 'promote', 'keep', 'policy'], path);
    if (unknownKey !== null) return unknownKey;
    if (entry['level'] !== index) {
      return bad(
        'ladder_invalid',
        `levels must be numbered 0, 1, 2, ... in order: expected ${index}`,
        pointer(path, 'level'),
      );
    }
    const name = entry['name'];
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > levelNameLengthMax) {
      return bad('ladder_invalid', `name must be 1-${levelNameLengthMax} characters, not blank`, pointer(path, 'name'));
    }
    const sameName = levelByName.get(name);
    if (sameName !== undefined)
      return bad('ladder_invalid', `name ${quoted(name)} is already used by level ${sameName}`, pointer(path, 'name'));
    levelByName.set(name, index);

    if (index === 0) {
      for (const key of ['promote', 'keep'] as const) {
        if (key in entry)
          return bad('ladder_invalid', `level 0 is the base level: it has no ${key} requirement`, pointer(path, key));
      }
    }
    const promote =
      'promote' in entry ? validateRequirement(entry['promote'], pointer(path, 'promote'), windowDays) : accept(null);
    if (!promote.ok) return promote;
    const keep = 'keep' in entry ? validateRequirement(entry['keep'], pointer(path, 'keep'), windowDays) : accept(null);
    if (!keep.ok) return keep;

    for (const threshold of promote.value ?? []) {
      const below = promoteFloor.get(threshold.metric);
      if (below !== undefined && compareMetricValues(threshold.minimum, below.minimum) < 0) {
        return bad(
          'ladder_threshold_order',
          `promote ${threshold.metric} must not be lower than level ${below.level}'s`,
          pointer(pointer(path, 'promote'), threshold.metric),
        );
      }
      promoteFloor.set(threshold.metric, { minimum: threshold.minimum, level: index });
    }
    for (const threshold of keep.value ?? []) {
      const promoteThreshold = promote.value?.find((candidate) => candidate.metric === threshold.metric);
      if (promoteThreshold !== undefined && compareMetricValues(threshold.minimum, promoteThreshold.minimum) > 0) {
        return bad(
          'ladder_threshold_order',
          `keep ${threshold.metric} must not be higher than promote ${threshold.metric} at the same level`,
          pointer(pointer(path, 'keep'), threshold.metric),
        );
      }
    }
    const level: LadderLevel =
      'policy' in entry
        ? { level: index, name, promote: promote.value, keep: keep.value, policy: entry['policy'] }
        : { level: index, name, promote: promote.value, keep: keep.value };
    levels.push(level);
  }
  return accept(levels);
}

function validateRequirement(value: unknown, path: string, windowDays: readonly number[]): Result<Requirement> {
  if (!isJsonObject(value))
    return bad('ladder_invalid', 'a requirement must be a JSON object of metric thresholds', path);
  const metrics = Object.keys(value);
  // An empty requirement holds for everyone; leaving the key out says what is meant.
  if (metrics.length === 0)
    return bad('ladder_invalid', 'a requirement lists at least one metric; leave the key out for none', path);
  if (metrics.length > requirementMetricCountMax)
    return bad('ladder_too_large', `a requirement lists at most ${requirementMetricCountMax} metrics`, path);
  const thresholds: Threshold[] = [];
  for (const metric of metrics) {
    const metricPath = pointer(path, metric);
    const parsed = parseMetricName(metric, windowDays);
    // parseMetricName reads "turnover030d" as the 30-day window; only the canonical spelling
    // is accepted so the name matches the computed metrics exactly.
    const canonical =
      parsed === null ? null : `${parsed.kind}${parsed.windowDays === null ? 'Lifetime' : `${parsed.windowDays}d`}`;
    if (parsed === null || canonical !== metric) {
      const windows = windowDays.map((days) => `${days}d`).join(', ');
      return bad(
        'ladder_metric_unknown',
        `unknown metric ${quoted(metric)}: use turnoverLifetime, betCountLifetime, or turnover/betCount/activeDays with a window of ${windows}`,
        metricPath,
      );
    }
    const raw = value[metric];
    if (parsed.kind === 'turnover') {
      if (typeof raw !== 'string')
        return bad('ladder_threshold_invalid', `${metric} is an amount: a decimal string such as "10000"`, metricPath);
      const amount = parseAmountMinor(raw, { allowZero: true, path: metricPath });
      if (!amount.ok) return bad('ladder_threshold_invalid', `${metric}: ${amount.message}`, metricPath);
      thresholds.push({ metric, kind: parsed.kind, minimum: amount.value });
    } else {
      if (!integerIn(raw, 0, Number.MAX_SAFE_INTEGER))
        return bad('ladder_threshold_invalid', `${metric} is a count: a non-negative integer`, metricPath);
      thresholds.push({ metric, kind: parsed.kind, minimum: raw });
    }
  }
  return accept(thresholds);
}

function validatePromotion(value: unknown): Result<Ladder['promotion']> {
  if (value === undefined) return accept({ maxStepsPerEvent: ladderDefaults.maxStepsPerEvent });
  if (!isJsonObject(value)) return bad('ladder_invalid', 'promotion must be a JSON object', '/promotion');
  const unknownKey = refuseUnknownKeys(value, ['maxStepsPerEvent'], '/promotion');
  if (unknownKey !== null) return unknownKey;
  const maxSteps = value['maxStepsPerEvent'] ?? null;
  if (maxSteps !== null && !integerIn(maxSteps, 1, ladderLevelCountMax)) {
    return bad(
      'ladder_invalid',
      `maxStepsPerEvent must be null (no cap) or an integer from 1 to ${ladderLevelCountMax}`,
      '/promotion/maxStepsPerEvent',
    );
  }
  return accept({ maxStepsPerEvent: maxSteps });
}

function validateDemotion(section: unknown): Result<Ladder['demotion']> {
  const value = section === undefined ? {} : section;
  if (!isJsonObject(value)) return bad('ladder_invalid', 'demotion must be a JSON object', '/demotion');
  const unknownKey = refuseUnknownKeys(value, ['mode', 'cycleDays', 'graceDays', 'newTierProtectionDays'], '/demotion');
  if (unknownKey !== null) return unknownKey;
  const mode = value['mode'] ?? ladderDefaults.mode;
  if (mode !== 'one_down' && mode !== 'recalc')
    return bad('ladder_invalid', 'mode must be "one_down" or "recalc"', '/demotion/mode');
  const days = { cycleDays: 0, graceDays: 0, newTierProtectionDays: 0 };
  for (const key of ['cycleDays', 'graceDays', 'newTierProtectionDays'] as const) {
    const raw = value[key] ?? ladderDefaults[key];
    const min = key === 'cycleDays' ? 1 : 0;
    if (!integerIn(raw, min, ladderDaysMax)) {
      return bad(
        'ladder_invalid',
        `${key} must be an integer from ${min} to ${ladderDaysMax}`,
        pointer('/demotion', key),
      );
    }
    days[key] = raw;
  }
  return accept({ mode, ...days });
}
