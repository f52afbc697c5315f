// VIP endpoints: the ladder (read, versioned edit, versions) and per-user views (status and
// metrics, history, explanation, manual override).
import { Type, type Static } from '@sinclair/typebox';
import { parseId } from '../../../domain/ids.ts';
import { formatMinor } from '../../../domain/money.ts';
import { formatPpm } from '../../../domain/rate.ts';
import type { MetricComparison } from '../../../domain/vip/requirement.ts';
import { isoTime } from '../../../app/outbox/messages.ts';
import {
  currentLadder,
  explainUser,
  ladderVersions,
  putLadder,
  setOverride,
  userView,
  vipHistory,
  wireMetrics,
  type OverrideRequest,
  type VipAdminDependencies,
} from '../../../app/vip/vip-admin.ts';
import type { CachedVipStatus } from '../../../app/vip/vip-cache.ts';
import { groupsOfUser } from '../../../app/groups/policies.ts';
import type { VipOverride } from '../../../domain/vip/vip-state.ts';
import { problem, problemFromRefusal, sendProblem } from '../problem.ts';
import type { HttpApp } from '../server.ts';
import {
  authProblemResponses,
  IdParam,
  MetricValue,
  Metrics,
  Money,
  NullableTime,
  NullableUserId,
  PageQuery,
  Rate,
  Time,
  UserId,
  nullable,
  paged,
  problemResponses,
} from './schemas.ts';

const actorHeader = 'x-tiernet-actor';

const Override = Type.Object(
  {
    kind: Type.Union([Type.Literal('set'), Type.Literal('floor'), Type.Literal('freeze')]),
    level: Type.Optional(Type.Integer({ description: 'set and floor only: the pinned level or the floor' })),
    reason: Type.String(),
    actor: Type.String(),
    expiresAt: NullableTime,
  },
  { description: 'the manual override in force; null when there is none' },
);

const VipStatus = Type.Object({
  level: Type.Integer({ minimum: 0 }),
  name: Type.String({ description: 'level name on the ladder in force' }),
  since: Time,
  status: Type.Union([Type.Literal('ok'), Type.Literal('at_risk')]),
  override: nullable(Override),
  seq: Type.Integer({ description: 'per-user change counter: the seq of the latest history row' }),
  ruleVersion: Type.Integer({ description: 'ladder version the status was decided under' }),
});

// Open shapes are typed `unknown` for the handlers (they pass the stored JSON through) while
// the schema still says "an object" to OpenAPI readers and the serialiser.
const LadderDocument = Type.Unsafe<unknown>(
  Type.Object(
    {},
    {
      additionalProperties: true,
      description:
        'the ladder as the operator wrote it (DESIGN.md §3): timezone, levels [{level, name, promote, keep, policy}], promotion, demotion',
    },
  ),
);
const CurrentLadder = Type.Object({
  version: Type.Integer({ description: '0: the built-in default' }),
  ladder: LadderDocument,
});
const LadderVersion = Type.Object({
  version: Type.Integer(),
  actor: Type.String(),
  createdAt: Time,
  ladder: LadderDocument,
});

const UserView = Type.Object({
  userId: UserId,
  parentId: NullableUserId,
  rebateRate: Rate,
  placeholder: Type.Boolean({ description: "known only as some user's parent; not registered yet" }),
  registeredAt: NullableTime,
  tags: Type.Array(Type.String()),
  depth: Type.Integer({ description: 'absolute depth in the agent tree, root = 0' }),
  directCount: Type.Integer(),
  vip: VipStatus,
  metrics: Metrics,
  groups: Type.Array(Type.String(), { description: 'ids of the groups the user is a member of' }),
});

const HistoryCause = Type.Object(
  {
    kind: Type.String({
      description: 'bet | boundary | override | override_expired | override_removed | ladder_changed',
    }),
  },
  {
    additionalProperties: true,
    description:
      'what caused the row; fields by kind: bet {betId}, boundary {boundaryMs, deadline}, override and override_expired {override}, override_removed {override, actor, reason}, ladder_changed {topLevel, override}',
  },
);
const HistoryEntry = Type.Object({
  seq: Type.Integer(),
  fromLevel: Type.Integer(),
  toLevel: Type.Integer(),
  reason: Type.String({
    description:
      'promotion | demotion | renewal | held | at_risk | override | override_expired | override_removed | ladder_changed',
  }),
  detail: nullable(
    Type.String({ description: 'one_down | recalc (demotion mode) or protection | floor (what held the level)' }),
  ),
  ruleVersion: Type.Integer(),
  cause: Type.Unsafe<unknown>(nullable(HistoryCause)),
  at: Time,
});

const WireMetricComparison = Type.Object({
  metric: Type.String(),
  kind: Type.Union([Type.Literal('turnover'), Type.Literal('betCount'), Type.Literal('activeDays')]),
  current: MetricValue,
  required: MetricValue,
  met: Type.Boolean(),
  gap: Type.Union([Money, Type.Integer()], {
    description: 'what is still missing, in the unit of required; zero when met',
  }),
});
const ChangeDetail = nullable(
  Type.Union([Type.Literal('one_down'), Type.Literal('recalc'), Type.Literal('protection'), Type.Literal('floor')]),
);
const Explanation = Type.Object({
  level: Type.Integer({ minimum: 0 }),
  name: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('at_risk')]),
  since: Time,
  basis: Type.Union([
    Type.Literal('override'),
    Type.Literal('base'),
    Type.Literal('promote_met'),
    Type.Literal('keep_met'),
    Type.Literal('no_keep'),
    Type.Literal('protected'),
    Type.Literal('until_review'),
  ]),
  override: nullable(Override),
  protectedUntil: NullableTime,
  keep: nullable(
    Type.Object(
      {
        deadline: Time,
        deadlineKind: Type.Union([Type.Literal('cycle'), Type.Literal('grace')]),
        met: Type.Boolean(),
        metrics: Type.Array(WireMetricComparison),
        ifJudgedNow: Type.Object(
          {
            reason: Type.Union([
              Type.Literal('renewal'),
              Type.Literal('held'),
              Type.Literal('at_risk'),
              Type.Literal('demotion'),
            ]),
            toLevel: Type.Integer(),
            detail: ChangeDetail,
          },
          { description: "what the deadline would do with today's values" },
        ),
      },
      { description: 'null without a running keep cycle (level 0, no keep requirement, or pinned)' },
    ),
  ),
  rise: nullable(
    Type.Object(
      {
        level: Type.Integer(),
        name: Type.String(),
        metrics: nullable(
          Type.Array(WireMetricComparison, {
            description: 'null: the next level has no promote requirement (override only)',
          }),
        ),
        met: Type.Boolean(),
        targetLevel: Type.Integer({ description: 'the level the current metrics would promote to on the next bet' }),
        blockedBy: nullable(Type.Union([Type.Literal('set'), Type.Literal('freeze')])),
      },
      { description: 'the next level up; null at the top level' },
    ),
  ),
  metrics: Metrics,
});
const OverrideResult = Type.Object({ userId: UserId, vip: VipStatus });

function wireOverride(override: VipOverride | null): Static<typeof Override> | null {
  if (override === null) return null;
  return {
    kind: override.kind,
    ...(override.kind === 'freeze' ? {} : { level: override.level }),
    reason: override.reason,
    actor: override.actor,
    expiresAt: override.expiresAtMs === null ? null : isoTime(override.expiresAtMs),
  };
}

export function wireVip(vip: CachedVipStatus): Static<typeof VipStatus> {
  return {
    level: vip.level,
    name: vip.name,
    since: isoTime(vip.sinceMs),
    status: vip.status,
    override: wireOverride(vip.override),
    seq: vip.seq,
    ruleVersion: vip.ladderVersion,
  };
}

function wireComparison(comparison: MetricComparison): Static<typeof WireMetricComparison> {
  const format = (value: bigint | number): string | number => (typeof value === 'bigint' ? formatMinor(value) : value);
  return {
    ...comparison,
    current: format(comparison.current),
    required: format(comparison.required),
    gap: format(comparison.gap),
  };
}

const OverrideBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('set'), Type.Literal('floor'), Type.Literal('freeze'), Type.Literal('none')], {
      description:
        'set pins the level; floor bounds it from below; freeze pins the current level; none removes the override',
    }),
    level: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    actor: Type.String({ minLength: 1, maxLength: 128 }),
    expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);

export function vipRoutes(deps: VipAdminDependencies) {
  return async (app: HttpApp): Promise<void> => {
    app.get(
      '/v1/vip/ladder',
      {
        schema: {
          tags: ['vip'],
          summary: 'The ladder in force',
          response: { 200: CurrentLadder, ...authProblemResponses },
        },
      },
      async () => {
        const ladder = await currentLadder(deps);
        return { version: ladder.version, ladder: ladder.document };
      },
    );

    app.put(
      '/v1/vip/ladder',
      {
        schema: {
          tags: ['vip'],
          summary: 'Store a new ladder version (validated; refused with the JSON path at fault)',
          body: Type.Object({}, { additionalProperties: true }),
          headers: Type.Object({ [actorHeader]: Type.Optional(Type.String({ maxLength: 128 })) }),
          response: { 200: CurrentLadder, ...problemResponses },
        },
      },
      async (request, reply) => {
        const actor = request.headers[actorHeader] ?? 'admin';
        const result = await putLadder(deps, request.body, typeof actor === 'string' ? actor : 'admin');
        if (!result.ok) return sendProblem(reply, problemFromRefusal(result));
        return reply.code(200).send({ version: result.value.version, ladder: result.value.document });
      },
    );

    app.get(
      '/v1/vip/ladder/versions',
      {
        schema: {
          tags: ['vip'],
          summary: 'Stored ladder versions, newest first',
          querystring: PageQuery,
          response: { 200: paged(LadderVersion), ...problemResponses },
        },
      },
      async (request) => {
        const page = await ladderVersions(deps, request.query.cursor ?? null, request.query.limit ?? 100);
        return {
          items: page.items.map((item) => ({
            version: item.version,
            actor: item.actor,
            createdAt: isoTime(item.createdAtMs),
            ladder: JSON.parse(item.document) as unknown,
          })),
          nextCursor: page.nextCursor,
        };
      },
    );

    app.get(
      '/v1/users/:id',
      {
        schema: {
          tags: ['users'],
          summary: 'A user: agent position, VIP status and metrics',
          params: IdParam,
          response: { 200: UserView, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = parseId(request.params.id, '/params/id');
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const view = await userView(deps, id.value);
        if (view === null) return sendProblem(reply, problem('user_unknown', `user ${id.value} is not known`));
        return {
          userId: view.user.userId,
          parentId: view.user.parentId,
          rebateRate: formatPpm(view.user.rebateRatePpm),
          placeholder: view.user.placeholder,
          registeredAt: view.user.registeredAtMs === null ? null : isoTime(view.user.registeredAtMs),
          tags: [...view.user.tags],
          depth: view.user.depth,
          directCount: view.user.directCount,
          vip: wireVip(view.vip),
          metrics: wireMetrics(view.metrics, deps.windowDays),
          groups: await groupsOfUser(deps.store, id.value),
        };
      },
    );

    app.get(
      '/v1/users/:id/vip-history',
      {
        schema: {
          tags: ['users'],
          summary: 'VIP history, newest first',
          params: IdParam,
          querystring: PageQuery,
          response: { 200: paged(HistoryEntry), ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = parseId(request.params.id, '/params/id');
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const page = await vipHistory(deps, id.value, request.query.cursor ?? null, request.query.limit ?? 100);
        if (page === null) return sendProblem(reply, problem('user_unknown', `user ${id.value} is not known`));
        return {
          items: page.items.map((row) => ({
            seq: row.seq,
            fromLevel: row.fromLevel,
            toLevel: row.toLevel,
            reason: row.reason,
            detail: row.detail,
            ruleVersion: row.ladderVersion,
            cause: row.cause,
            at: isoTime(row.atMs),
          })),
          nextCursor: page.nextCursor,
        };
      },
    );

    app.get(
      '/v1/users/:id/explain',
      {
        schema: {
          tags: ['users'],
          summary: 'Why this tier; what is left to keep or rise, by when',
          params: IdParam,
          response: { 200: Explanation, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = parseId(request.params.id, '/params/id');
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const result = await explainUser(deps, id.value);
        if (result === null) return sendProblem(reply, problem('user_unknown', `user ${id.value} is not known`));
        const { explanation } = result;
        return {
          level: explanation.level,
          name: explanation.name,
          status: explanation.status,
          since: isoTime(explanation.levelSinceMs),
          basis: explanation.basis,
          override: wireOverride(explanation.override),
          protectedUntil: explanation.protectedUntilMs === null ? null : isoTime(explanation.protectedUntilMs),
          keep:
            explanation.keep === null
              ? null
              : {
                  deadline: isoTime(explanation.keep.deadlineMs),
                  deadlineKind: explanation.keep.deadlineKind,
                  met: explanation.keep.met,
                  metrics: explanation.keep.metrics.map(wireComparison),
                  ifJudgedNow: explanation.keep.ifJudgedNow,
                },
          rise:
            explanation.rise === null
              ? null
              : {
                  ...explanation.rise,
                  metrics: explanation.rise.metrics === null ? null : explanation.rise.metrics.map(wireComparison),
                },
          metrics: wireMetrics(result.metrics, deps.windowDays),
        };
      },
    );

    app.put(
      '/v1/users/:id/vip',
      {
        schema: {
          tags: ['users'],
          summary: 'Place, replace or remove a manual VIP override',
          params: IdParam,
          body: OverrideBody,
          response: { 200: OverrideResult, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = parseId(request.params.id, '/params/id');
        if (!id.ok) return sendProblem(reply, problemFromRefusal(id));
        const body = request.body;
        let expiresAtMs: number | null = null;
        if (body.expiresAt !== undefined && body.expiresAt !== null) {
          expiresAtMs = Date.parse(body.expiresAt);
          if (Number.isNaN(expiresAtMs))
            return sendProblem(reply, problem('request_invalid', 'expiresAt is not a valid time', '/body/expiresAt'));
        }
        let overrideRequest: OverrideRequest;
        if (body.kind === 'none') overrideRequest = { kind: 'none', reason: body.reason, actor: body.actor };
        else if (body.kind === 'freeze')
          overrideRequest = { kind: 'freeze', reason: body.reason, actor: body.actor, expiresAtMs };
        else {
          if (body.level === undefined)
            return sendProblem(reply, problem('request_invalid', `level is required for ${body.kind}`, '/body/level'));
          overrideRequest = { kind: body.kind, level: body.level, reason: body.reason, actor: body.actor, expiresAtMs };
        }
        const result = await setOverride(deps, id.value, overrideRequest);
        if (!result.ok) return sendProblem(reply, problemFromRefusal(result));
        return { userId: id.value, vip: wireVip(result.value) };
      },
    );
  };
}
