// group.joined / group.left (DESIGN.md §2), keyed by user id so a consumer sees one user's
// joins and leaves in order. Built here only, so every producer emits the same JSON.
import type { UserId } from '../../domain/ids.ts';
import { isoTime } from '../outbox/messages.ts';
import type { OutboxRecord } from '../ports/store.ts';

export type GroupChangeType = 'group.joined' | 'group.left';

export interface GroupChange {
  readonly type: GroupChangeType;
  readonly userId: UserId;
  readonly groupId: string;
  readonly ruleVersion: number;
}

export function groupChangeRecord(topic: string, change: GroupChange, atMs: number): OutboxRecord {
  return {
    topic,
    key: change.userId,
    payload: JSON.stringify({
      type: change.type,
      userId: change.userId,
      groupId: change.groupId,
      ruleVersion: change.ruleVersion,
      at: isoTime(atMs),
    }),
  };
}
