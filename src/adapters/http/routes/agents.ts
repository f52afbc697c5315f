// Agent network endpoints (DESIGN §6): upline and downline pages, team figures, moving an
// agent and changing its rebate rate. Ids and rates travel as decimal strings, amounts with
// 4 fraction digits. A bad id, rate or cursor is a 400 naming the field; refusals become
// problem+json through problem.ts, the only place that maps codes to statuses.
import { Type } from '@sinclair/typebox';
import type { AgentTreeRepository, AncestorRow, DescendantRow } from '../../../app/ports/agent-tree.ts';
import { changeRebateRate } from '../../../app/agents/change-rebate-rate.ts';
import { moveAgent } from '../../../app/agents/move-agent.ts';
import {
  agentPageLimitDefault,
  agentPageLimitMax,
  readDownline,
  readTeam,
  readUpline,
} from '../../../app/agents/read-agent-tree.ts';
import { parseId } from '../../../domain/ids.ts';
import { formatMinor } from '../../../domain/money.ts';
import { formatPpm, parseRatePpm } from '../../../domain/rate.ts';
import { accept, type Refusal } from '../../../domain/result.ts';
import { problemFromRefusal, sendProblem } from '../problem.ts';
import type { HttpApp } from '../server.ts';
import type { AgentCommandDeps } from '../../../app/agents/agent-command-deps.ts';

export interface AgentRouteDeps extends AgentCommandDeps {
  /** Bound to autocommit: reads. */
  readonly tree: AgentTreeRepository;
}

const actorHeader = 'x-tiernet-actor';
const actorDefault = 'admin';
/** Direct children unless the client asks for more levels; any positive depth is allowed. */
const downlineDepthDefault = 1;

const NullableId = Type.Union([Type.Null(), Type.String()]);
const NullableText = Type.Union([Type.Null(), Type.String()]);
const Params = Type.Object({ id: Type.String({ maxLength: 40, description: 'user id: decimal string, 1 to 2^63-1' }) });
const Cursor = Type.Optional(Type.String({ maxLength: 4096, description: 'nextCursor of the previous page' }));
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: agentPageLimitMax, default: agentPageLimitDefault }));
const Actor = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 200,
    description: `who asked (default: the ${actorHeader} header, else "${actorDefault}")`,
  }),
);
const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    field: Type.Optional(Type.String()),
  },
  { description: 'RFC 9457 problem details with a stable code' },
);
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

const Ancestor = Type.Object({
  userId: Type.String(),
  parentId: NullableId,
  distance: Type.Integer({ description: 'steps up from the agent: 1 is the parent' }),
  depth: Type.Integer({ description: 'absolute depth, root = 0' }),
  rebateRate: Type.String(),
  placeholder: Type.Boolean(),
});

const Descendant = Type.Object({
  userId: Type.String(),
  parentId: Type.String(),
  level: Type.Integer({ description: 'levels below the agent: 1 is a direct child' }),
  depth: Type.Integer({ description: 'absolute depth, root = 0' }),
  rebateRate: Type.String(),
  placeholder: Type.Boolean(),
  directCount: Type.Integer(),
});

const UplinePage = Type.Object({ userId: Type.String(), items: Type.Array(Ancestor), nextCursor: NullableId });
const DownlinePage = Type.Object({
  userId: Type.String(),
  depth: Type.Integer(),
  items: Type.Array(Descendant),
  nextCursor: NullableId,
});

const Team = Type.Object({
  userId: Type.String(),
  teamSize: Type.Integer({ description: 'descendants, the agent excluded' }),
  directCount: Type.Integer(),
  maxDepth: Type.Integer({ description: 'levels of the deepest descendant below the agent' }),
  teamTurnoverLifetime: Type.String({ description: "the agent's own lifetime turnover plus every descendant's" }),
});

const MoveBody = Type.Object(
  {
    // Null first: with the server's type coercion, a string branch tried first would turn null into "".
    parentId: Type.Union([Type.Null(), Type.String({ maxLength: 40 })], {
      description: 'the new parent, or null to make the agent a root',
    }),
    actor: Actor,
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const MoveResult = Type.Object({
  userId: Type.String(),
  parentId: NullableId,
  previousParentId: NullableId,
  depth: Type.Integer(),
  previousDepth: Type.Integer(),
  depthsShifted: Type.Integer({ description: 'users whose depth changed: the agent and its whole downline' }),
  changed: Type.Boolean(),
  actor: Type.String(),
  reason: NullableText,
});

const RateBody = Type.Object(
  {
    rebateRate: Type.String({ maxLength: 40, description: 'decimal in [0, 1], at most 6 fraction digits' }),
    actor: Actor,
  },
  { additionalProperties: false },
);

const RateResult = Type.Object({
  userId: Type.String(),
  parentId: NullableId,
  rebateRate: Type.String(),
  previousRebateRate: Type.String(),
  changed: Type.Boolean(),
  actor: Type.String(),
});

/** Refusal paths from the use cases name the field inside one part of the request. */
function inRequest(refusal: Refusal, part: 'querystring' | 'body'): Refusal {
  return refusal.path === undefined ? refusal : { ...refusal, path: `/${part}${refusal.path}` };
}

function actorOf(bodyActor: string | undefined, header: string | string[] | undefined): string {
  if (bodyActor !== undefined) return bodyActor;
  return typeof header === 'string' && header.length > 0 && header.length <= 200 ? header : actorDefault;
}

const wireAncestor = (row: AncestorRow) => ({
  userId: row.userId,
  parentId: row.parentId,
  distance: row.distance,
  depth: row.depth,
  rebateRate: formatPpm(row.rebateRatePpm),
  placeholder: row.placeholder,
});

const wireDescendant = (row: DescendantRow) => ({
  userId: row.userId,
  parentId: row.parentId,
  level: row.level,
  depth: row.depth,
  rebateRate: formatPpm(row.rebateRatePpm),
  placeholder: row.placeholder,
  directCount: row.directCount,
});

export function agentRoutes(deps: AgentRouteDeps): (app: HttpApp) => Promise<void> {
  return async (app: HttpApp): Promise<void> => {
    app.get(
      '/v1/agents/:id/upline',
      {
        schema: {
          tags: ['agents'],
          summary: 'Ancestors of an agent, nearest first',
          params: Params,
          querystring: Type.Object({ cursor: Cursor, limit: Limit }),
          response: { 200: UplinePage, ...problems },
        },
      },
      async (request, reply) => {
        const userId = parseId(request.params.id, '/params/id');
        if (!userId.ok) return sendProblem(reply, problemFromRefusal(userId));
        const page = await readUpline(deps.tree, {
          userId: userId.value,
          cursor: request.query.cursor ?? null,
          limit: request.query.limit ?? agentPageLimitDefault,
        });
        if (!page.ok) return sendProblem(reply, problemFromRefusal(inRequest(page, 'querystring')));
        return { userId: userId.value, items: page.value.items.map(wireAncestor), nextCursor: page.value.nextCursor };
      },
    );

    app.get(
      '/v1/agents/:id/downline',
      {
        schema: {
          tags: ['agents'],
          summary: 'Descendants of an agent, level by level (breadth-first, ids ascending within a level)',
          params: Params,
          querystring: Type.Object({
            depth: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: Number.MAX_SAFE_INTEGER,
                default: downlineDepthDefault,
                description: 'levels below the agent',
              }),
            ),
            cursor: Cursor,
            limit: Limit,
          }),
          response: { 200: DownlinePage, ...problems },
        },
      },
      async (request, reply) => {
        const userId = parseId(request.params.id, '/params/id');
        if (!userId.ok) return sendProblem(reply, problemFromRefusal(userId));
        const maxDepth = request.query.depth ?? downlineDepthDefault;
        const page = await readDownline(deps.tree, {
          userId: userId.value,
          maxDepth,
          cursor: request.query.cursor ?? null,
          limit: request.query.limit ?? agentPageLimitDefault,
        });
        if (!page.ok) return sendProblem(reply, problemFromRefusal(inRequest(page, 'querystring')));
        return {
          userId: userId.value,
          depth: maxDepth,
          items: page.value.items.map(wireDescendant),
          nextCursor: page.value.nextCursor,
        };
      },
    );

    app.get(
      '/v1/agents/:id/team',
      {
        schema: {
          tags: ['agents'],
          summary: "An agent's team: size, direct count, depth and lifetime turnover",
          params: Params,
          response: { 200: Team, ...problems },
        },
      },
      async (request, reply) => {
        const userId = parseId(request.params.id, '/params/id');
        if (!userId.ok) return sendProblem(reply, problemFromRefusal(userId));
        const team = await readTeam(deps.tree, userId.value);
        if (!team.ok) return sendProblem(reply, problemFromRefusal(team));
        return {
          userId: userId.value,
          teamSize: team.value.teamSize,
          directCount: team.value.directCount,
          maxDepth: team.value.maxRelativeDepth,
          teamTurnoverLifetime: formatMinor(team.value.teamTurnoverLifetimeMinor),
        };
      },
    );

    app.post(
      '/v1/agents/:id/move',
      {
        schema: {
          tags: ['agents'],
          summary: 'Move an agent and its whole downline under another parent (or to the root)',
          description:
            "Refused with 409 move_cycle when the new parent is the agent or in its downline, and 409 rate_above_parent when the agent's rate exceeds the new parent's.",
          params: Params,
          body: MoveBody,
          response: { 200: MoveResult, ...problems },
        },
      },
      async (request, reply) => {
        const userId = parseId(request.params.id, '/params/id');
        if (!userId.ok) return sendProblem(reply, problemFromRefusal(userId));
        const { parentId, reason } = request.body;
        const newParentId = parentId === null ? accept(null) : parseId(parentId, '/body/parentId');
        if (!newParentId.ok) return sendProblem(reply, problemFromRefusal(newParentId));
        const actor = actorOf(request.body.actor, request.headers[actorHeader]);
        const moved = await moveAgent(deps, {
          userId: userId.value,
          newParentId: newParentId.value,
          actor,
          reason: reason ?? null,
        });
        if (!moved.ok) return sendProblem(reply, problemFromRefusal(inRequest(moved, 'body')));
        const move = moved.value;
        if (move.changed) {
          request.log.info(
            {
              userId: move.userId,
              from: move.fromParentId,
              to: move.toParentId,
              depthsShifted: move.depthsShifted,
              actor,
              reason: move.reason,
            },
            'agent moved',
          );
        }
        return {
          userId: move.userId,
          parentId: move.toParentId,
          previousParentId: move.fromParentId,
          depth: move.depthAfter,
          previousDepth: move.depthBefore,
          depthsShifted: move.depthsShifted,
          changed: move.changed,
          actor: move.actor,
          reason: move.reason,
        };
      },
    );

    app.put(
      '/v1/agents/:id/rebate-rate',
      {
        schema: {
          tags: ['agents'],
          summary: "Change an agent's rebate rate",
          description:
            "Refused with 409 rate_above_parent above the parent's rate (unless the parent is a placeholder) and 409 rate_below_child below the highest child's.",
          params: Params,
          body: RateBody,
          response: { 200: RateResult, ...problems },
        },
      },
      async (request, reply) => {
        const userId = parseId(request.params.id, '/params/id');
        if (!userId.ok) return sendProblem(reply, problemFromRefusal(userId));
        const ratePpm = parseRatePpm(request.body.rebateRate, { path: '/body/rebateRate' });
        if (!ratePpm.ok) return sendProblem(reply, problemFromRefusal(ratePpm));
        const actor = actorOf(request.body.actor, request.headers[actorHeader]);
        const changed = await changeRebateRate(deps, { userId: userId.value, ratePpm: ratePpm.value, actor });
        if (!changed.ok) return sendProblem(reply, problemFromRefusal(inRequest(changed, 'body')));
        const change = changed.value;
        if (change.changed) {
          request.log.info(
            { userId: change.userId, fromRatePpm: change.fromRatePpm, toRatePpm: change.toRatePpm, actor },
            'agent rebate rate changed',
          );
        }
        return {
          userId: change.userId,
          parentId: change.parentId,
          rebateRate: formatPpm(change.toRatePpm),
          previousRebateRate: formatPpm(change.fromRatePpm),
          changed: change.changed,
          actor: change.actor,
        };
      },
    );
  };
}
