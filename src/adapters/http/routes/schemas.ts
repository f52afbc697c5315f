// Shared TypeBox pieces for the admin API: ids, cursors, the problem body, paging params, and
// the wire forms of money, rates, times and metrics. Response schemas are not documentation
// only: Fastify serialises each response from its schema (fast-json-stringify), so a field a
// schema leaves out is dropped from the body. Shapes that are open by design (documents the
// operator wrote, history causes) are permissive and say so in their description.
import { Type, type TSchema } from '@sinclair/typebox';

export const IdParam = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,20}$', description: 'decimal id' }) });
export const Problem = Type.Object(
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
export const PageQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
export const Money = Type.String({
  pattern: '^-?[0-9]+\\.[0-9]{4}$',
  description: 'decimal amount with 4 fraction digits',
});
export const Rate = Type.String({ description: 'decimal rate in [0, 1]' });
export const Time = Type.String({ format: 'date-time' });
export const UserId = Type.String({ pattern: '^[0-9]{1,20}$', description: 'user id: decimal string' });

/** `null` or the schema; null first, as a string branch tried first would coerce null to "" in request bodies. */
export function nullable<T extends TSchema>(schema: T) {
  return Type.Union([Type.Null(), schema]);
}

export const NullableTime = nullable(Time);
export const NullableUserId = nullable(UserId);

/** One metric value: turnover is money, counts (betCount*, activeDays*) are integers. */
export const MetricValue = Type.Union([Money, Type.Integer()]);
export const Metrics = Type.Record(Type.String(), MetricValue, {
  description:
    'metric name -> value as of now, for every configured window: turnoverLifetime, turnover{N}d (money), betCountLifetime, betCount{N}d, activeDays{N}d (integers)',
});

export function paged<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

/** Every /v1 route answers these when an admin token is configured (missing or wrong token). */
export const authProblemResponses = {
  401: Problem,
  403: Problem,
} as const;

export const problemResponses = {
  400: Problem,
  ...authProblemResponses,
  404: Problem,
  409: Problem,
} as const;
