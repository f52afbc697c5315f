// What changed for which users in one transaction, by rule field (see
// src/domain/groups/dependencies.ts). Use cases that change users report it to the hooks that
// keep derived state current (group membership) inside the same transaction.
import type { FieldKey } from '../../domain/groups/dependencies.ts';
import type { UserId } from '../../domain/ids.ts';
import type { OutboxRecord, StoreSession } from './store.ts';

export type UserChanges = ReadonlyMap<UserId, ReadonlySet<FieldKey>>;

/** Runs inside the caller's transaction; returns the out-events to append to the outbox. */
export type AfterUserChanges = (session: StoreSession, changes: UserChanges, nowMs: number) => Promise<OutboxRecord[]>;

/** Collects changes by user, merging field sets. */
export class UserChangeSet {
  readonly #changes = new Map<UserId, Set<FieldKey>>();

  add(userId: UserId, ...fields: FieldKey[]): void {
    let set = this.#changes.get(userId);
    if (set === undefined) {
      set = new Set();
      this.#changes.set(userId, set);
    }
    for (const field of fields) set.add(field);
  }

  get size(): number {
    return this.#changes.size;
  }

  toMap(): UserChanges {
    return this.#changes;
  }
}
