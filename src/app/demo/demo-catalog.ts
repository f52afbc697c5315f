// What the demo stores before any event flows: a six-tier ladder with a weekly keep cycle (so
// demotions show up within the demo's three weeks of history) and a few groups that exercise
// rules, policies and the deep chain. Plain data, built from the platform summary.
import type { DemoPlatformSummary } from './platform-generator.ts';

export const demoLadderDocument = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '300' }, keep: { turnover7d: '100' } },
    {
      level: 2,
      name: 'Silver',
      promote: { turnoverLifetime: '3000', turnover30d: '1000' },
      keep: { turnover7d: '1000' },
    },
    {
      level: 3,
      name: 'Gold',
      promote: { turnoverLifetime: '25000', turnover30d: '10000' },
      keep: { turnover7d: '8000' },
      policy: { 'attributes.lounge': 'gold' },
    },
    {
      level: 4,
      name: 'Platinum',
      promote: { turnoverLifetime: '150000', turnover30d: '50000', activeDays30d: 5 },
      keep: { turnover7d: '40000' },
      policy: { 'attributes.lounge': 'platinum', 'attributes.withdrawalsPerDay': 5 },
    },
    {
      level: 5,
      name: 'Diamond',
      promote: { turnoverLifetime: '1000000', turnover30d: '300000', activeDays30d: 10 },
      keep: { turnover7d: '250000' },
      policy: { 'attributes.lounge': 'diamond', 'attributes.withdrawalsPerDay': 20 },
    },
  ],
  promotion: { maxStepsPerEvent: null },
  demotion: { mode: 'one_down', cycleDays: 7, graceDays: 0, newTierProtectionDays: 0 },
} as const;

export interface DemoGroupDefinition {
  readonly groupId: string;
  readonly name: string;
  readonly kind: 'dynamic' | 'static';
  readonly rule?: unknown;
  readonly policy?: Readonly<Record<string, string | number | boolean>>;
  readonly priority: number;
  /** For static groups: members added after creation. */
  readonly members?: readonly string[];
}

export function demoGroupDefinitions(summary: DemoPlatformSummary): DemoGroupDefinition[] {
  const deepThreshold = Math.max(1, summary.chainDepth - Math.min(1_000, Math.floor(summary.chainDepth / 10)));
  return [
    {
      groupId: 'high-rollers',
      name: 'High rollers (7-day turnover >= 20,000)',
      kind: 'dynamic',
      rule: { field: 'metrics.turnover7d', op: 'gte', value: '20000' },
      policy: { 'attributes.host': 'personal', 'bet.maxAmount': '100000' },
      priority: 20,
    },
    {
      groupId: 'gold-plus',
      name: 'Gold and above',
      kind: 'dynamic',
      rule: { field: 'vip.level', op: 'gte', value: 3 },
      policy: { 'attributes.birthdayBonus': true },
      priority: 10,
    },
    {
      groupId: 'deep-chain-capped',
      name: `Deep chain below depth ${deepThreshold}: rebate capped at 5 per settlement`,
      kind: 'dynamic',
      rule: { all: [{ downlineOf: summary.chainRootId }, { field: 'agent.depth', op: 'gte', value: deepThreshold }] },
      policy: { 'rebate.maxPerSettlement': '5' },
      priority: 30,
    },
    {
      groupId: 'mobile-newcomers',
      name: 'Mobile players registered in the last 30 days',
      kind: 'dynamic',
      rule: {
        all: [
          { field: 'user.tags', op: 'has', value: 'mobile' },
          { field: 'user.registeredDays', op: 'lte', value: 30 },
        ],
      },
      priority: 5,
    },
    {
      groupId: 'rebate-suspended',
      name: 'Agents under review: no rebate',
      kind: 'static',
      policy: { 'rebate.enabled': false },
      priority: 50,
      members: summary.sampleAgentIds.slice(0, 2),
    },
  ];
}
