// Shared TypeBox pieces for the admin API: ids, cursors, the problem body, paging params.
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
export const Money = Type.String({ pattern: '^-?[0-9]+\\.[0-9]{4}$', description: 'decimal amount with 4 fraction digits' });
export const Rate = Type.String({ description: 'decimal rate in [0, 1]' });
export const Time = Type.String({ format: 'date-time' });

export function paged<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const problemResponses = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
  409: Problem,
} as const;

/** A JSON object whose fields are documented in the route's description (serialised as is). */
export const JsonObject = Type.Object({}, { additionalProperties: true });
