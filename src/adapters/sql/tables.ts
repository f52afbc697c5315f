// Kysely table types. Integer columns come back as string (mysql2 with bigNumberStrings) or
// bigint (better-sqlite3 with safe integers), so reads go through the converters in
// row-values.ts; writes accept bigint, number or canonical decimal strings.
import type { ColumnType, Generated } from 'kysely';

type Integer = ColumnType<string | bigint | number, string | bigint | number, string | bigint | number>;
type NullableInteger = ColumnType<
  string | bigint | number | null,
  string | bigint | number | null | undefined,
  string | bigint | number | null
>;
type Text = string;
type NullableText = ColumnType<string | null, string | null | undefined, string | null>;

export interface UsersTable {
  user_id: Integer;
  parent_id: NullableInteger;
  rebate_rate_ppm: Integer;
  placeholder: Integer;
  registered_at_ms: NullableInteger;
  tags: NullableText;
  depth: Integer;
  direct_count: Integer;
  created_at_ms: Integer;
  updated_at_ms: Integer;
}

export interface UserTotalsTable {
  user_id: Integer;
  turnover_minor: Integer;
  bet_count: Integer;
  first_bet_at_ms: NullableInteger;
  last_bet_at_ms: NullableInteger;
}

export interface MetricDaysTable {
  user_id: Integer;
  day: Integer;
  turnover_minor: Integer;
  bet_count: Integer;
}

export interface VipStatesTable {
  user_id: Integer;
  level: Integer;
  level_since_ms: Integer;
  cycle_start_ms: NullableInteger;
  next_review_ms: NullableInteger;
  status: Text;
  at_risk_since_ms: NullableInteger;
  protected_until_ms: NullableInteger;
  override_doc: NullableText;
  override_expires_ms: NullableInteger;
  seq: Integer;
  changed_at_ms: Integer;
  ladder_version: Integer;
  updated_at_ms: Integer;
}

export interface VipHistoryTable {
  history_id: Generated<string | bigint | number>;
  user_id: Integer;
  seq: Integer;
  from_level: Integer;
  to_level: Integer;
  reason: Text;
  detail: NullableText;
  ladder_version: Integer;
  cause: NullableText;
  at_ms: Integer;
}

export interface DocumentVersionsTable {
  version: Integer;
  document: Text;
  actor: Text;
  created_at_ms: Integer;
}

export interface BetsTable {
  bet_id: Integer;
  user_id: Integer;
  game_id: Text;
  period_id: Text;
  amount_minor: Integer;
  placed_at_ms: Integer;
  day: Integer;
  voided_at_ms: NullableInteger;
  ingested_at_ms: Integer;
}

export interface PendingVoidsTable {
  bet_id: Integer;
  voided_at_ms: Integer;
  received_at_ms: Integer;
}

export interface BetAdjustmentsTable {
  bet_id: Integer;
  kind: Text;
  user_id: Integer;
  amount_minor: Integer;
  created_at_ms: Integer;
  settlement_id: NullableText;
}

export interface PeriodsTable {
  game_id: Text;
  period_id: Text;
  closed_at_ms: Integer;
  received_at_ms: Integer;
  settlement_id: NullableText;
}

export interface SettlementsTable {
  settlement_id: Text;
  status: Text;
  fencing_token: Integer;
  runner: Text;
  policy_version: Integer;
  periods_doc: Text;
  adjustment_count: Integer;
  line_count: Integer;
  beneficiaries: Integer;
  total_rebate_minor: Integer;
  turnover_minor: NullableInteger;
  exact_total_minor_ppm: NullableText;
  residue_minor_ppm: NullableText;
  capped_minor_ppm: NullableText;
  error: NullableText;
  created_at_ms: Integer;
  committed_at_ms: NullableInteger;
}

export interface SettlementPeriodsTable {
  game_id: Text;
  period_id: Text;
  settlement_id: Text;
}

export interface SettlementLinesTable {
  settlement_id: Text;
  beneficiary_id: Integer;
  amount_minor: Integer;
  exact_minor_ppm: Text;
  capped_minor_ppm: Text;
  team_turnover_minor: Integer;
}

export interface FencesTable {
  name: Text;
  token: Integer;
  updated_at_ms: Integer;
}

export interface UserGroupsTable {
  group_id: Text;
  name: Text;
  kind: Text;
  rule_doc: NullableText;
  rule_version: Integer;
  policy_doc: NullableText;
  priority: Integer;
  deleting: Integer;
  rebuild_after_user_id: NullableInteger;
  rebuild_joined: Integer;
  rebuild_left: Integer;
  created_at_ms: Integer;
  updated_at_ms: Integer;
}

export interface GroupMembersTable {
  group_id: Text;
  user_id: Integer;
  source: Text;
  rule_version: Integer;
  since_ms: Integer;
}

export interface OutboxTable {
  outbox_id: Generated<string | bigint | number>;
  topic: Text;
  message_key: NullableText;
  payload: Text;
  created_at_ms: Integer;
}

export interface ConsumerOffsetsTable {
  consumer_group: Text;
  topic: Text;
  partition_no: Integer;
  next_offset: Integer;
  updated_at_ms: Integer;
}

export interface SchedulerStateTable {
  name: Text;
  value: Text;
  updated_at_ms: Integer;
}

export interface SchemaMigrationsTable {
  version: Integer;
  name: Text;
  applied_at_ms: Integer;
}

export interface Tables {
  users: UsersTable;
  user_totals: UserTotalsTable;
  metric_days: MetricDaysTable;
  vip_states: VipStatesTable;
  vip_history: VipHistoryTable;
  ladder_versions: DocumentVersionsTable;
  rebate_policy_versions: DocumentVersionsTable;
  bets: BetsTable;
  pending_voids: PendingVoidsTable;
  bet_adjustments: BetAdjustmentsTable;
  periods: PeriodsTable;
  settlements: SettlementsTable;
  settlement_periods: SettlementPeriodsTable;
  settlement_lines: SettlementLinesTable;
  fences: FencesTable;
  user_groups: UserGroupsTable;
  group_members: GroupMembersTable;
  outbox: OutboxTable;
  consumer_offsets: ConsumerOffsetsTable;
  scheduler_state: SchedulerStateTable;
  schema_migrations: SchemaMigrationsTable;
}
