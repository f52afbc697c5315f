// One catalogue of refusal codes. They are part of the public contract (DLQ records and
// problem+json bodies carry them), so a code is never renamed, only added.
export const refusalCodes = [
  // decimal money and rates
  'amount_empty',
  'amount_not_decimal',
  'amount_negative',
  'amount_zero',
  'amount_too_precise',
  'amount_too_large',
  'rate_empty',
  'rate_not_decimal',
  'rate_negative',
  'rate_too_precise',
  'rate_too_large',
  // events
  'event_not_json',
  'event_not_object',
  'event_unknown_type',
  'event_field_missing',
  'event_field_invalid',
  'event_too_large',
  'id_invalid',
  'id_out_of_range',
  'time_invalid',
  'time_out_of_range',
  'currency_mismatch',
  'bet_conflict',
  'bet_unknown',
  'user_conflict',
  // agents
  'rate_above_parent',
  'rate_below_child',
  'move_cycle',
  'parent_unknown',
  'user_unknown',
  // configuration documents
  'ladder_invalid',
  'policy_invalid',
  'rule_invalid',
  'override_invalid',
  'group_unknown',
  'group_exists',
  'group_not_static',
  'request_invalid',
  // rebate settlement input (the tree and bets as loaded for one settlement)
  'rebate_input_invalid',
  'rebate_tree_cycle',
  'rebate_turnover_too_large',
  // settlements (requests to the API and CLI)
  'settlement_unknown',
  'settlement_in_progress',
  // group rules and policies: every one is an input fault at a JSON path (rule_invalid and
  // policy_invalid cover the document's shape; these name what is wrong inside it)
  'rule_field_unknown',
  'rule_op_unknown',
  'rule_value_invalid',
  'rule_too_deep',
  'rule_too_large',
  'policy_key_unknown',
  'policy_value_invalid',
  'policy_too_large',
  // VIP ladders and overrides: ladder_invalid and override_invalid cover the document's
  // shape; these name which ladder rule an operator's edit broke
  'ladder_timezone_invalid',
  'ladder_metric_unknown',
  'ladder_threshold_invalid',
  'ladder_threshold_order',
  'ladder_too_large',
  'override_level_unknown',
] as const;

export type RefusalCode = (typeof refusalCodes)[number];
