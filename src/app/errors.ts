// Operational failures: one error class, a closed list of codes, and the underlying cause.
// Refusals (bad input) are data, see src/domain/result.ts; broken invariants are assertion
// failures (src/domain/assert.ts) that stop the process.
export const operationalErrorCodes = [
  'config_invalid',
  'db_unavailable',
  'db_conflict',
  'migration_failed',
  'kafka_unavailable',
  'redis_unavailable',
  'lock_lost',
  'fence_rejected',
  'bound_exceeded',
  'not_found',
  'internal',
] as const;

export type OperationalErrorCode = (typeof operationalErrorCodes)[number];

export class TiernetError extends Error {
  override readonly name = 'TiernetError';
  readonly code: OperationalErrorCode;

  constructor(code: OperationalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isTiernetError(error: unknown, code?: OperationalErrorCode): error is TiernetError {
  return error instanceof TiernetError && (code === undefined || error.code === code);
}
