// The demo's live summary counts what tiernet actually published (vip.changed, group joins and
// leaves, settlement.committed, dead letters), read back from the out topics through its own
// consumer group, so the numbers are the ones a downstream system would see.
import type { ConsumedBatch, EventConsumer, EventLog } from '../ports/event-log.ts';

export interface OutEventTally {
  promotions: number;
  demotions: number;
  otherVipChanges: number;
  groupJoins: number;
  groupLeaves: number;
  settlements: number;
  settlementBeneficiaries: number;
  /** Sum of settlement.committed totalRebate, in minor units (1/10000). */
  totalRebateMinor: bigint;
  deadLetters: number;
  /** The first few dead letters' error codes, to show what went wrong. */
  deadLetterCodes: string[];
}

export function emptyTally(): OutEventTally {
  return {
    promotions: 0,
    demotions: 0,
    otherVipChanges: 0,
    groupJoins: 0,
    groupLeaves: 0,
    settlements: 0,
    settlementBeneficiaries: 0,
    totalRebateMinor: 0n,
    deadLetters: 0,
    deadLetterCodes: [],
  };
}

const decimalPattern = /^(-?)(\d{1,16})(?:\.(\d{1,4}))?$/;
const deadLetterCodesMax = 5;

/** "1234.56" → 12345600n; anything else → 0n (a malformed total must not stop the summary). */
export function decimalToMinor(text: unknown): bigint {
  if (typeof text !== 'string') return 0n;
  const match = decimalPattern.exec(text);
  if (match === null) return 0n;
  const minor = BigInt(match[2] ?? '0') * 10_000n + BigInt((match[3] ?? '').padEnd(4, '0'));
  return match[1] === '-' ? -minor : minor;
}

export interface OutTopics {
  readonly vipChanges: string;
  readonly groupChanges: string;
  readonly settlements: string;
  readonly dlq: string;
}

export function tallyBatch(tally: OutEventTally, batch: ConsumedBatch, topics: OutTopics): void {
  for (const message of batch.messages) {
    if (message.value === null) continue;
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(message.value) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (message.topic === topics.dlq) {
      tally.deadLetters++;
      const code = (payload.error as { code?: unknown } | undefined)?.code;
      if (
        typeof code === 'string' &&
        tally.deadLetterCodes.length < deadLetterCodesMax &&
        !tally.deadLetterCodes.includes(code)
      )
        tally.deadLetterCodes.push(code);
      continue;
    }
    switch (payload.type) {
      case 'vip.changed':
        if (payload.reason === 'promotion') tally.promotions++;
        else if (typeof payload.reason === 'string' && payload.reason.startsWith('demotion')) tally.demotions++;
        else tally.otherVipChanges++;
        break;
      case 'group.joined':
        tally.groupJoins++;
        break;
      case 'group.left':
        tally.groupLeaves++;
        break;
      case 'settlement.committed':
        tally.settlements++;
        if (typeof payload.beneficiaries === 'number') tally.settlementBeneficiaries += payload.beneficiaries;
        tally.totalRebateMinor += decimalToMinor(payload.totalRebate);
        break;
      default:
        break;
    }
  }
}

/** Starts a consumer group over the out topics that keeps `tally` current. */
export async function startOutEventTally(
  eventLog: EventLog,
  topics: OutTopics,
  groupId: string,
): Promise<{ tally: OutEventTally; consumer: EventConsumer }> {
  const tally = emptyTally();
  const consumer = eventLog.consumer({
    groupId,
    topics: [topics.vipChanges, topics.groupChanges, topics.settlements, topics.dlq],
    maxBatchSize: 5_000,
    fromBeginning: true,
  });
  await consumer.start(async (batch) => tallyBatch(tally, batch, topics));
  return { tally, consumer };
}
