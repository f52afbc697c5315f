// VIP levels may carry a policy (DESIGN.md §4) with the same keys as groups. The ladder
// validator carries `levels[i].policy` through untouched; this checks it with the policy
// module. putLadder should call validateLadderPolicies on the validated ladder before it
// stores a version, so a stored ladder's policies always validate and settlement can rely
// on them (a stored one that does not is a broken invariant, not a guess).
import { invariant } from '../../domain/assert.ts';
import { pointerTo } from '../../domain/groups/json-pointer.ts';
import { validatePolicy, type Policy } from '../../domain/policy/policy.ts';
import { accept, type Result } from '../../domain/result.ts';
import type { Ladder } from '../../domain/vip/ladder.ts';

/** The policy of each level that has one, by level number; refusals at /levels/<i>/policy. */
export function validateLadderPolicies(ladder: Pick<Ladder, 'levels'>): Result<ReadonlyMap<number, Policy>> {
  const policies = new Map<number, Policy>();
  for (const [index, level] of ladder.levels.entries()) {
    if (level.policy === undefined) continue;
    const policy = validatePolicy(level.policy, pointerTo(pointerTo('/levels', index), 'policy'));
    if (!policy.ok) return policy;
    policies.set(level.level, policy.value);
  }
  return accept(policies);
}

/** The level policies of a ladder document as stored (already validated when it was stored). */
export function storedLadderPolicies(document: unknown): ReadonlyMap<number, Policy> {
  const levels = (document as { levels?: unknown } | null)?.levels;
  if (!Array.isArray(levels)) return new Map();
  const shaped = levels.map((level: unknown, index) => {
    const entry = (typeof level === 'object' && level !== null ? level : {}) as { level?: unknown; policy?: unknown };
    return {
      level: typeof entry.level === 'number' ? entry.level : index,
      ...(entry.policy === undefined ? {} : { policy: entry.policy }),
    };
  });
  const result = validateLadderPolicies({ levels: shaped as unknown as Ladder['levels'] });
  invariant(
    result.ok,
    `a stored ladder's level policy no longer validates: ${result.ok ? '' : `${result.message} at ${result.path ?? ''}`}`,
  );
  return result.value;
}
