// Rebate policy endpoints (DESIGN §5, §6): the policy in force, a new version (validated: a
// refusal is 400 naming the JSON path at fault), and the stored versions. Version 0 is the
// built-in default (differential, self rebate on) until one is stored.
import { Type } from '@sinclair/typebox';
import type { Clock } from '../../../app/ports/clock.ts';
import type { Store } from '../../../app/ports/store.ts';
import { isoTime } from '../../../app/outbox/messages.ts';
import {
  currentRebatePolicy,
  putRebatePolicy,
  rebatePolicyVersions,
  type CurrentRebatePolicy,
} from '../../../app/settlement/rebate-policy-source.ts';
import { problemFromRefusal, sendProblem } from '../problem.ts';
import type { HttpApp } from '../server.ts';
import { PageQuery, authProblemResponses, paged, problemResponses } from './schemas.ts';

export interface RebateRouteDeps {
  readonly store: Store;
  readonly clock: Clock;
}

const actorHeader = 'x-tiernet-actor';

const Policy = Type.Object({
  version: Type.Integer({ description: '0: the built-in default' }),
  policy: Type.Unknown({
    description:
      '{"model":"differential","selfRebate":true} or {"model":"per_level","selfRate":"0.01","rates":["0.005",...]}',
  }),
  actor: Type.Union([Type.Null(), Type.String()]),
  createdAt: Type.Union([Type.Null(), Type.String()]),
});

const wirePolicy = (current: CurrentRebatePolicy) => ({
  version: current.version,
  policy: current.document,
  actor: current.actor,
  createdAt: current.createdAtMs === null ? null : isoTime(current.createdAtMs),
});

export function rebateRoutes(deps: RebateRouteDeps): (app: HttpApp) => Promise<void> {
  return async (app: HttpApp): Promise<void> => {
    app.get(
      '/v1/rebates/policy',
      {
        schema: {
          tags: ['rebates'],
          summary: 'The rebate policy in force',
          response: { 200: Policy, ...authProblemResponses },
        },
      },
      async () => wirePolicy(await currentRebatePolicy(deps.store.rebatePolicies)),
    );

    app.put(
      '/v1/rebates/policy',
      {
        schema: {
          tags: ['rebates'],
          summary: 'Store a new rebate policy version (validated; refused with the JSON path at fault)',
          body: Type.Object({}, { additionalProperties: true }),
          headers: Type.Object({ [actorHeader]: Type.Optional(Type.String({ maxLength: 128 })) }),
          response: { 200: Policy, ...problemResponses },
        },
      },
      async (request, reply) => {
        const actor = request.headers[actorHeader];
        const result = await putRebatePolicy(
          deps.store,
          deps.clock,
          request.body,
          typeof actor === 'string' && actor.length > 0 ? actor : 'admin',
        );
        if (!result.ok) return sendProblem(reply, problemFromRefusal(result));
        return reply.code(200).send(wirePolicy(result.value));
      },
    );

    app.get(
      '/v1/rebates/policy/versions',
      {
        schema: {
          tags: ['rebates'],
          summary: 'Stored rebate policy versions, newest first',
          querystring: PageQuery,
          response: {
            200: paged(
              Type.Object({
                version: Type.Integer(),
                actor: Type.String(),
                createdAt: Type.String(),
                policy: Type.Unknown({
                  description: 'the rebate policy document of that version (differential or per_level)',
                }),
              }),
            ),
            ...problemResponses,
          },
        },
      },
      async (request) => {
        const page = await rebatePolicyVersions(
          deps.store.rebatePolicies,
          request.query.cursor ?? null,
          request.query.limit ?? 100,
        );
        return {
          items: page.items.map((item) => ({
            version: item.version,
            actor: item.actor,
            createdAt: isoTime(item.createdAtMs),
            policy: JSON.parse(item.document) as unknown,
          })),
          nextCursor: page.nextCursor,
        };
      },
    );
  };
}
