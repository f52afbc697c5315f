// RFC 9457 problem+json. Only the HTTP adapter maps codes to statuses (STYLE.md §5).
import type { FastifyReply } from 'fastify';
import type { RefusalCode } from '../../domain/refusal-codes.ts';
import type { Refusal } from '../../domain/result.ts';
import type { OperationalErrorCode } from '../../app/errors.ts';

export type ProblemCode =
  RefusalCode | OperationalErrorCode | 'unauthorized' | 'forbidden' | 'route_not_found' | 'rate_limited';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string;
  /** JSON pointer of the offending input, when there is one. */
  readonly field?: string;
}

const conflictCodes: ReadonlySet<string> = new Set([
  'rate_above_parent',
  'rate_below_child',
  'move_cycle',
  'group_exists',
  'bet_conflict',
  'user_conflict',
  'db_conflict',
  'settlement_in_progress',
]);
const notFoundCodes: ReadonlySet<string> = new Set([
  'user_unknown',
  'group_unknown',
  'not_found',
  'route_not_found',
  'bet_unknown',
  'settlement_unknown',
]);

export function statusOf(code: ProblemCode): number {
  if (code === 'unauthorized') return 401;
  if (code === 'forbidden') return 403;
  if (code === 'rate_limited') return 429;
  if (notFoundCodes.has(code)) return 404;
  if (conflictCodes.has(code)) return 409;
  if (code === 'db_unavailable' || code === 'kafka_unavailable' || code === 'redis_unavailable' || code === 'lock_lost')
    return 503;
  if (
    code === 'internal' ||
    code === 'bound_exceeded' ||
    code === 'migration_failed' ||
    code === 'config_invalid' ||
    code === 'fence_rejected'
  )
    return 500;
  return 400;
}

export function problem(code: ProblemCode, detail: string, field?: string): Problem {
  const status = statusOf(code);
  return {
    type: `https://tiernet.dev/problems/${code.replaceAll('_', '-')}`,
    title: code.replaceAll('_', ' '),
    status,
    code,
    detail,
    ...(field === undefined ? {} : { field }),
  };
}

export function problemFromRefusal(refusal: Refusal): Problem {
  return problem(refusal.code, refusal.message, refusal.path);
}

export async function sendProblem(reply: FastifyReply, body: Problem): Promise<FastifyReply> {
  return reply.code(body.status).type('application/problem+json').send(body);
}
