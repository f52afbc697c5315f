// The out-event shapes of DESIGN.md §2, built in one place so every producer (ingest,
// scheduler, API) emits the same JSON.
import type { UserId } from '../../domain/ids.ts';
import type { VipCause, VipChange } from '../../domain/vip/vip-state.ts';
import type { OutboxRecord } from '../ports/store.ts';

export interface Topics {
  readonly vipChanges: string;
  readonly groupChanges: string;
  readonly settlements: string;
  readonly dlq: string;
}

export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** The `cause` object of vip.changed: what made the change, in wire form. */
export function wireCause(cause: VipCause): Record<string, unknown> {
  switch (cause.kind) {
    case 'bet':
      return { betId: cause.betId };
    case 'boundary':
      return { boundary: isoTime(cause.boundaryMs), deadline: cause.deadline };
    case 'override':
      return { override: cause.override.kind, actor: cause.override.actor, reason: cause.override.reason };
    case 'override_expired':
      return { overrideExpired: cause.override.kind };
    case 'override_removed':
      return { overrideRemoved: cause.override.kind, actor: cause.actor, reason: cause.reason };
    case 'ladder_changed':
      return { ladderTopLevel: cause.topLevel };
  }
}

export interface WireVipChange {
  readonly fromLevel: number;
  readonly toLevel: number;
  readonly reason: string;
  readonly detail: string | null;
  readonly cause: Record<string, unknown>;
  readonly atMs: number;
  readonly seq: number;
}

export function vipChangedWireRecord(
  topic: string,
  userId: UserId,
  change: WireVipChange,
  ladderVersion: number,
): OutboxRecord {
  return {
    topic,
    key: userId,
    payload: JSON.stringify({
      type: 'vip.changed',
      userId,
      fromLevel: change.fromLevel,
      toLevel: change.toLevel,
      reason: change.reason,
      ...(change.detail === null ? {} : { detail: change.detail }),
      ruleVersion: ladderVersion,
      cause: change.cause,
      at: isoTime(change.atMs),
      seq: change.seq,
    }),
  };
}

export function vipChangedRecord(
  topic: string,
  userId: UserId,
  change: VipChange,
  ladderVersion: number,
): OutboxRecord {
  return vipChangedWireRecord(topic, userId, { ...change, cause: wireCause(change.cause) }, ladderVersion);
}

export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
}

export function deadLetterRecord(
  topic: string,
  source: DeadLetterSource,
  error: { code: string; message: string; path?: string },
  original: string | null,
): OutboxRecord {
  return {
    topic,
    key: source.key,
    payload: JSON.stringify({
      error: {
        code: error.code,
        message: error.message,
        ...(error.path === undefined || error.path === '' ? {} : { path: error.path }),
      },
      topic: source.topic,
      partition: source.partition,
      offset: source.offset,
      original,
    }),
  };
}
