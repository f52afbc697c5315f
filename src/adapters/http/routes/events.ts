// POST /v1/events: the same events as the Kafka topics, applied synchronously through the same
// ingest use case, with a result per item (207 when any item was rejected).
import { Type } from '@sinclair/typebox';
import { ingestBatch, type IngestDependencies, type IngestStats } from '../../../app/ingest/ingest-batch.ts';
import type { HttpApp } from '../server.ts';
import { problemResponses } from './schemas.ts';

export const eventsPerRequestMax = 5_000;

const ItemResult = Type.Object({
  index: Type.Integer(),
  status: Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('rejected')]),
  error: Type.Optional(
    Type.Object({ code: Type.String(), message: Type.String(), path: Type.Optional(Type.String()) }),
  ),
});

export function eventRoutes(deps: { ingest: IngestDependencies; afterIngest: (stats: IngestStats) => void }) {
  return async (app: HttpApp): Promise<void> => {
    app.post(
      '/v1/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Apply a batch of events (same schema as the Kafka topics)',
          body: Type.Object(
            { events: Type.Array(Type.Unknown(), { minItems: 1, maxItems: eventsPerRequestMax }) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ results: Type.Array(ItemResult) }),
            207: Type.Object({ results: Type.Array(ItemResult) }),
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        const { results, stats } = await ingestBatch(
          deps.ingest,
          request.body.events.map((value) => ({ input: { kind: 'json', value } })),
        );
        deps.afterIngest(stats);
        const body = {
          results: results.map((result, index) => ({
            index,
            status: result.status,
            ...(result.error ? { error: result.error } : {}),
          })),
        };
        return reply.code(stats.rejected > 0 ? 207 : 200).send(body);
      },
    );
  };
}
