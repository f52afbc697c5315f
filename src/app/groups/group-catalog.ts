// The dynamic groups and which fields their rules read, cached per process. Reading the
// catalog costs one query (its version) while nothing changed; every change to a group
// definition bumps the version in the same transaction, so the next reader reloads. Rules
// are parsed once per (group, rule text) and re-validated on load: a stored rule that no
// longer validates (e.g. a metric window was removed from the configuration) stops the
// process rather than being guessed at.
import { invariant } from '../../domain/assert.ts';
import { GroupDependencyIndex } from '../../domain/groups/dependencies.ts';
import { validateRule, type Rule } from '../../domain/groups/rule.ts';
import type { GroupRow, GroupsRepository } from '../ports/groups.ts';

/**
 * Groups of either kind, tombstones included. Every ingest batch may evaluate any dynamic
 * group and the catalog holds them all in memory; a platform segments its users into tens
 * or hundreds of groups, so 1,000 is room with a bound.
 */
export const groupCountMax = 1_000;

export interface DynamicGroup {
  readonly groupId: string;
  readonly rule: Rule;
  readonly ruleVersion: number;
}

export interface CatalogSnapshot {
  readonly version: number;
  readonly groups: ReadonlyMap<string, DynamicGroup>;
  readonly index: GroupDependencyIndex;
}

interface ParsedRule {
  readonly ruleDoc: string;
  readonly rule: Rule;
}

export class GroupCatalog {
  readonly #windowDays: readonly number[];
  readonly #rules = new Map<string, ParsedRule>();
  #snapshot: CatalogSnapshot | null = null;
  #loads = 0;

  constructor(windowDays: readonly number[]) {
    this.#windowDays = windowDays;
  }

  /** How many times the dynamic groups were loaded (a test's view of the cache). */
  get loads(): number {
    return this.#loads;
  }

  /** The validated rule of a stored dynamic group, parsed once per rule text. */
  ruleOf(row: GroupRow): Rule {
    invariant(row.kind === 'dynamic' && row.ruleDoc !== null, `group ${row.groupId} is dynamic and has a rule`);
    const cached = this.#rules.get(row.groupId);
    if (cached !== undefined && cached.ruleDoc === row.ruleDoc) return cached.rule;
    const result = validateRule(JSON.parse(row.ruleDoc) as unknown, { windowDays: this.#windowDays });
    invariant(
      result.ok,
      `the stored rule of group ${row.groupId} no longer validates: ${result.ok ? '' : `${result.message} at ${result.path ?? ''}`}`,
    );
    if (this.#rules.size >= 2 * groupCountMax) this.#rules.clear();
    this.#rules.set(row.groupId, { ruleDoc: row.ruleDoc, rule: result.value });
    return result.value;
  }

  dynamicGroupOf(row: GroupRow): DynamicGroup {
    return { groupId: row.groupId, rule: this.ruleOf(row), ruleVersion: row.ruleVersion };
  }

  /**
   * The catalog as of the latest committed definition change. With `shared`, the version
   * and (when it moved) the groups are read under a shared lock, so a definition change
   * cannot commit between this read and the end of the caller's transaction.
   */
  async current(groups: GroupsRepository, lock: 'none' | 'shared'): Promise<CatalogSnapshot> {
    const version = await groups.catalogVersion(lock);
    if (this.#snapshot !== null && this.#snapshot.version === version) return this.#snapshot;
    const rows = await groups.dynamicGroups(lock, groupCountMax);
    invariant(rows.length <= groupCountMax, `at most ${groupCountMax} dynamic groups`);
    const loaded = new Map<string, DynamicGroup>();
    for (const row of rows) loaded.set(row.groupId, this.dynamicGroupOf(row));
    const snapshot: CatalogSnapshot = {
      version,
      groups: loaded,
      index: new GroupDependencyIndex([...loaded.values()].map(({ groupId, rule }) => ({ groupId, rule }))),
    };
    this.#loads += 1;
    this.#snapshot = snapshot;
    return snapshot;
  }
}
