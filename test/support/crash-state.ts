// The crash harness's view of a run's outcome: the database state that must not depend on
// crashes, in a canonical form (wall-clock columns, auto-increment ids, settlement ids and
// per-run names taken out), its digest, and a readable diff of the first differing rows; and
// the out-events read back from the out-topics, deduplicated by their tiernet-event-id
// header and canonicalised the same way.
import { createHash } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { waitFor } from './stack.ts';

/** Rows of one table, each a list of column values as text (null kept). */
export type CanonicalRows = (string | null)[][];

export interface CanonicalTable {
  readonly columns: readonly string[];
  readonly rows: CanonicalRows;
}

export type CanonicalState = Record<string, CanonicalTable>;

interface TableView {
  readonly table: string;
  /** Compared columns; wall-clock times (created_at_ms, ingested_at_ms, ...) and runners are left out. */
  readonly columns: readonly string[];
  /** Columns holding a settlement id, replaced by the settlement's canonical name. */
  readonly settlementColumns?: readonly string[];
  /** Columns holding a per-run name (consumer group, topic), replaced by its unprefixed form. */
  readonly prefixedColumns?: readonly string[];
}

const tableViews: readonly TableView[] = [
  {
    table: 'users',
    columns: [
      'user_id',
      'parent_id',
      'rebate_rate_ppm',
      'placeholder',
      'registered_at_ms',
      'tags',
      'depth',
      'direct_count',
    ],
  },
  { table: 'user_totals', columns: ['user_id', 'turnover_minor', 'bet_count', 'first_bet_at_ms', 'last_bet_at_ms'] },
  { table: 'metric_days', columns: ['user_id', 'day', 'turnover_minor', 'bet_count'] },
  {
    table: 'vip_states',
    columns: [
      'user_id',
      'level',
      'level_since_ms',
      'cycle_start_ms',
      'next_review_ms',
      'status',
      'at_risk_since_ms',
      'protected_until_ms',
      'override_doc',
      'override_expires_ms',
      'seq',
      'changed_at_ms',
      'ladder_version',
    ],
  },
  {
    table: 'vip_history',
    columns: ['user_id', 'seq', 'from_level', 'to_level', 'reason', 'detail', 'ladder_version', 'cause', 'at_ms'],
  },
  {
    table: 'bets',
    columns: ['bet_id', 'user_id', 'game_id', 'period_id', 'amount_minor', 'placed_at_ms', 'day', 'voided_at_ms'],
  },
  { table: 'pending_voids', columns: ['bet_id', 'voided_at_ms'] },
  {
    table: 'bet_adjustments',
    columns: ['bet_id', 'kind', 'user_id', 'amount_minor', 'settlement_id'],
    settlementColumns: ['settlement_id'],
  },
  {
    table: 'periods',
    columns: ['game_id', 'period_id', 'closed_at_ms', 'settlement_id'],
    settlementColumns: ['settlement_id'],
  },
  {
    table: 'settlements',
    columns: [
      'settlement_id',
      'status',
      'policy_version',
      'periods_doc',
      'adjustment_count',
      'line_count',
      'beneficiaries',
      'total_rebate_minor',
      'turnover_minor',
      'exact_total_minor_ppm',
      'residue_minor_ppm',
      'capped_minor_ppm',
      'error',
    ],
    settlementColumns: ['settlement_id'],
  },
  {
    table: 'settlement_periods',
    columns: ['game_id', 'period_id', 'settlement_id'],
    settlementColumns: ['settlement_id'],
  },
  {
    table: 'settlement_lines',
    columns: [
      'settlement_id',
      'beneficiary_id',
      'amount_minor',
      'exact_minor_ppm',
      'capped_minor_ppm',
      'team_turnover_minor',
    ],
    settlementColumns: ['settlement_id'],
  },
  {
    table: 'user_groups',
    columns: [
      'group_id',
      'kind',
      'rule_doc',
      'rule_version',
      'policy_doc',
      'priority',
      'deleting',
      'rebuild_after_user_id',
    ],
  },
  { table: 'group_members', columns: ['group_id', 'user_id', 'source', 'rule_version'] },
  {
    table: 'consumer_offsets',
    columns: ['consumer_group', 'topic', 'partition_no', 'next_offset'],
    prefixedColumns: ['consumer_group', 'topic'],
  },
  { table: 'outbox', columns: ['topic', 'message_key', 'payload'], prefixedColumns: ['topic'] },
];

/** Reads the canonical state of `databaseUrl`; names under `runPrefix` lose the prefix. */
export async function readCanonicalState(
  databaseUrl: string,
  runPrefix: string,
): Promise<{ state: CanonicalState; settlementNames: Map<string, string> }> {
  const connection = await createConnection({ uri: databaseUrl, supportBigNumbers: true, bigNumberStrings: true });
  try {
    const [claims] = await connection.query<RowDataPacket[]>(
      'SELECT settlement_id, game_id, period_id FROM settlement_periods ORDER BY game_id, period_id',
    );
    const [settlementRows] = await connection.query<RowDataPacket[]>(
      'SELECT settlement_id FROM settlements ORDER BY created_at_ms, settlement_id',
    );
    const settlementNames = canonicalSettlementNames(
      settlementRows.map((row) => String(row['settlement_id'])),
      claims.map((row) => ({
        settlementId: String(row['settlement_id']),
        period: `${String(row['game_id'])}:${String(row['period_id'])}`,
      })),
    );
    const state: CanonicalState = {};
    for (const view of tableViews) {
      const [rows] = await connection.query<RowDataPacket[]>(
        `SELECT ${view.columns.map((column) => `\`${column}\``).join(', ')} FROM \`${view.table}\``,
      );
      const canonical = rows.map((row) =>
        view.columns.map((column) => {
          const text = cellText(row[column]);
          if (text === null) return null;
          if (view.settlementColumns?.includes(column) === true) return settlementNames.get(text) ?? `unknown:${text}`;
          if (view.prefixedColumns?.includes(column) === true) return unprefixed(text, runPrefix);
          return text;
        }),
      );
      canonical.sort(compareRows);
      state[view.table] = { columns: view.columns, rows: canonical };
    }
    return { state, settlementNames };
  } finally {
    await connection.end();
  }
}

/** A settlement is named by the periods it claimed; one without periods by its rank among those. */
export function canonicalSettlementNames(
  settlementIdsByAge: readonly string[],
  claims: readonly { settlementId: string; period: string }[],
): Map<string, string> {
  const periodsOf = new Map<string, string[]>();
  for (const claim of claims)
    periodsOf.set(claim.settlementId, [...(periodsOf.get(claim.settlementId) ?? []), claim.period]);
  const names = new Map<string, string>();
  let withoutPeriods = 0;
  for (const settlementId of settlementIdsByAge) {
    const periods = periodsOf.get(settlementId);
    names.set(
      settlementId,
      periods === undefined
        ? `settlement[no periods #${(withoutPeriods += 1)}]`
        : `settlement[${periods.sort().join(',')}]`,
    );
  }
  return names;
}

/** A cell as text: numbers arrive as strings (bigNumberStrings), TEXT as strings or buffers. */
function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

function unprefixed(text: string, runPrefix: string): string {
  return text.startsWith(runPrefix) ? `<run>${text.slice(runPrefix.length)}` : text;
}

function compareRows(left: readonly (string | null)[], right: readonly (string | null)[]): number {
  const a = JSON.stringify(left);
  const b = JSON.stringify(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function stateDigest(state: CanonicalState): string {
  return createHash('sha256').update(JSON.stringify(state)).digest('hex');
}

/** Per table, the row counts and the first differing rows (at most `rowsMax` per table); empty when equal. */
export function describeStateDifference(expected: CanonicalState, actual: CanonicalState, rowsMax = 3): string[] {
  const lines: string[] = [];
  const tables = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  for (const table of tables) {
    const want = expected[table];
    const got = actual[table];
    if (want === undefined || got === undefined) {
      lines.push(`${table}: only in ${want === undefined ? 'the crashed run' : 'the clean run'}`);
      continue;
    }
    const wantKeys = new Set(want.rows.map((row) => JSON.stringify(row)));
    const gotKeys = new Set(got.rows.map((row) => JSON.stringify(row)));
    const missing = want.rows.filter((row) => !gotKeys.has(JSON.stringify(row)));
    const extra = got.rows.filter((row) => !wantKeys.has(JSON.stringify(row)));
    if (missing.length === 0 && extra.length === 0 && want.rows.length === got.rows.length) continue;
    lines.push(
      `${table} (${want.columns.join(', ')}): clean ${want.rows.length} rows, crashed ${got.rows.length} rows`,
    );
    for (const row of missing.slice(0, rowsMax)) lines.push(`  - clean only:   ${JSON.stringify(row)}`);
    for (const row of extra.slice(0, rowsMax)) lines.push(`  + crashed only: ${JSON.stringify(row)}`);
    if (missing.length === 0 && extra.length === 0) lines.push('  (same rows, different multiplicity)');
  }
  return lines;
}

export interface OutMessage {
  readonly topic: string;
  readonly partition: number;
  readonly key: string | null;
  readonly value: string;
  readonly eventId: string | undefined;
}

/** Every message on `topics` from the beginning to the end offsets read at the call (a fresh reader group). */
export async function readTopics(
  brokers: readonly string[],
  topics: readonly string[],
  readerGroup: string,
  timeoutMs = 60_000,
): Promise<OutMessage[]> {
  const kafka = new Kafka({ clientId: readerGroup, brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const partition of await admin.fetchTopicOffsets(topic)) {
        const count = BigInt(partition.high) - BigInt(partition.low);
        if (count > 0n) remaining.set(`${topic}/${partition.partition}`, BigInt(partition.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const messages: OutMessage[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: readerGroup });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const slot = `${topic}/${partition}`;
        const high = remaining.get(slot);
        if (high === undefined) return;
        messages.push({
          topic,
          partition,
          key: message.key === null ? null : message.key.toString('utf8'),
          value: message.value === null ? '' : message.value.toString('utf8'),
          eventId: message.headers?.['tiernet-event-id']?.toString(),
        });
        if (BigInt(message.offset) + 1n >= high) remaining.delete(slot);
      },
    });
    await waitFor(
      `the out-topics to be read to their end (${remaining.size} partitions left)`,
      async () => (remaining.size === 0 ? true : undefined),
      timeoutMs,
    );
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

export interface OutEventSummary {
  /** Canonical out-events after dedupe by tiernet-event-id, sorted. */
  readonly events: string[];
  readonly received: number;
  readonly duplicates: number;
  /** Messages without the tiernet-event-id header, or whose copies under one id differ. */
  readonly faults: string[];
}

/**
 * Dedupes by tiernet-event-id (at-least-once allows copies) and canonicalises each event:
 * topic and DLQ source topic unprefixed, settlementId by its periods, and the `at` of
 * settlement.committed, group.joined and group.left dropped: those are the wall-clock time of
 * the commit (unlike vip.changed, whose `at` is event time and is compared), so a crash moves
 * them without changing the outcome.
 */
export function summarizeOutEvents(
  messages: readonly OutMessage[],
  runPrefix: string,
  settlementNames: ReadonlyMap<string, string>,
): OutEventSummary {
  const faults: string[] = [];
  const byId = new Map<string, OutMessage>();
  for (const message of messages) {
    if (message.eventId === undefined || message.eventId === '') {
      faults.push(`no tiernet-event-id on ${message.topic}: ${message.value}`);
      continue;
    }
    const id = `${message.topic}#${message.eventId}`;
    const seen = byId.get(id);
    if (seen === undefined) byId.set(id, message);
    else if (seen.value !== message.value || seen.key !== message.key)
      faults.push(`two different events under tiernet-event-id ${message.eventId}: ${seen.value} / ${message.value}`);
  }
  const events = [...byId.values()].map((message) => {
    const payload = JSON.parse(message.value) as Record<string, unknown>;
    if (payload['type'] === 'settlement.committed') {
      const settlementId = String(payload['settlementId']);
      payload['settlementId'] = settlementNames.get(settlementId) ?? `unknown:${settlementId}`;
      delete payload['at'];
    }
    if (payload['type'] === 'group.joined' || payload['type'] === 'group.left') delete payload['at'];
    if (typeof payload['topic'] === 'string') payload['topic'] = unprefixed(payload['topic'], runPrefix);
    // settlement.committed is keyed by its settlement id.
    const key = message.key === null ? '-' : (settlementNames.get(message.key) ?? message.key);
    return `${unprefixed(message.topic, runPrefix)} ${key} ${JSON.stringify(payload)}`;
  });
  events.sort();
  return { events, received: messages.length, duplicates: messages.length - byId.size, faults };
}

/** The first differences between two sorted event lists, as readable lines. */
export function describeEventDifference(
  expected: readonly string[],
  actual: readonly string[],
  linesMax = 6,
): string[] {
  const remainingActual = new Map<string, number>();
  for (const event of actual) remainingActual.set(event, (remainingActual.get(event) ?? 0) + 1);
  const missing: string[] = [];
  for (const event of expected) {
    const count = remainingActual.get(event) ?? 0;
    if (count === 0) missing.push(event);
    else remainingActual.set(event, count - 1);
  }
  const extra = [...remainingActual.entries()].flatMap(([event, count]) => Array<string>(count).fill(event));
  return [
    ...missing.slice(0, linesMax).map((event) => `  - clean only:   ${event}`),
    ...extra.slice(0, linesMax).map((event) => `  + crashed only: ${event}`),
  ];
}
