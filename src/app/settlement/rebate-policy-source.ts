// The rebate policy documents (DESIGN §5), versioned like the ladder: each PUT stores a new
// version; version 0 is the built-in default (differential with self rebate) until an operator
// stores one. A settlement records the version in force when it claimed and is computed (and
// recomputed, if resumed) under that version.
import { invariant } from '../../domain/assert.ts';
import { defaultRebatePolicy, validateRebatePolicy, type RebatePolicy } from '../../domain/rebate/policy.ts';
import { accept, type Result } from '../../domain/result.ts';
import type { Clock } from '../ports/clock.ts';
import type { DocumentVersion, DocumentVersionsRepository, Page, Store } from '../ports/store.ts';

export interface CurrentRebatePolicy {
  readonly version: number;
  readonly policy: RebatePolicy;
  /** The document as stored (for version 0, the default's document form). */
  readonly document: unknown;
  readonly actor: string | null;
  readonly createdAtMs: number | null;
}

export const defaultRebatePolicyDocument = { model: 'differential', selfRebate: true } as const;

function parseStored(version: DocumentVersion): CurrentRebatePolicy {
  const document = JSON.parse(version.document) as unknown;
  const valid = validateRebatePolicy(document);
  // Stored versions were validated on the way in; one that no longer validates is a bug.
  invariant(valid.ok, `rebate policy version ${version.version} no longer validates`);
  return {
    version: version.version,
    policy: valid.value,
    document,
    actor: version.actor,
    createdAtMs: version.createdAtMs,
  };
}

const defaultPolicy: CurrentRebatePolicy = {
  version: 0,
  policy: defaultRebatePolicy,
  document: defaultRebatePolicyDocument,
  actor: null,
  createdAtMs: null,
};

export async function currentRebatePolicy(policies: DocumentVersionsRepository): Promise<CurrentRebatePolicy> {
  const latest = await policies.latest();
  return latest === null ? defaultPolicy : parseStored(latest);
}

export async function rebatePolicyAt(
  policies: DocumentVersionsRepository,
  version: number,
): Promise<CurrentRebatePolicy> {
  if (version === 0) return defaultPolicy;
  const stored = await policies.get(version);
  invariant(stored !== null, `rebate policy version ${version} is recorded on a settlement but not stored`);
  return parseStored(stored);
}

/** Validates and stores a new version; a refusal names the JSON path at fault. */
export async function putRebatePolicy(
  store: Store,
  clock: Clock,
  document: unknown,
  actor: string,
): Promise<Result<CurrentRebatePolicy>> {
  const valid = validateRebatePolicy(document);
  if (!valid.ok) return valid;
  const nowMs = clock.nowMs();
  const version = await store.transaction(async (session) => {
    const latest = await session.rebatePolicies.latest();
    const next = (latest?.version ?? 0) + 1;
    await session.rebatePolicies.insert({
      version: next,
      document: JSON.stringify(document),
      actor,
      createdAtMs: nowMs,
    });
    return next;
  });
  return accept({ version, policy: valid.value, document, actor, createdAtMs: nowMs });
}

export async function rebatePolicyVersions(
  policies: DocumentVersionsRepository,
  cursor: string | null,
  limit: number,
): Promise<Page<DocumentVersion>> {
  return policies.list(cursor, limit);
}
