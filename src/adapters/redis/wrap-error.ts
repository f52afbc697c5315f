// Every Redis failure leaves this adapter as a TiernetError, so callers handle one error
// class (src/app/errors.ts). A server that answered with an error about its own state
// (loading, read-only replica, busy script) is as unavailable as one that did not answer;
// any other reply error means we sent something wrong, which is our bug, not an outage.
import { TiernetError } from '../../app/errors.ts';

const unavailableReplyPrefixes = ['LOADING', 'READONLY', 'MASTERDOWN', 'CLUSTERDOWN', 'TRYAGAIN', 'BUSY', 'NOREPLICAS'];

export function wrapRedisError(error: unknown, action: string): TiernetError {
  if (error instanceof TiernetError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const isReply = error instanceof Error && error.name === 'ReplyError';
  if (isReply && !unavailableReplyPrefixes.some((prefix) => message.startsWith(prefix))) {
    return new TiernetError('internal', `Redis refused ${action}: ${message}`, { cause: error });
  }
  return new TiernetError('redis_unavailable', `Redis unavailable during ${action}: ${message}`, { cause: error });
}

/** The URL without its password, for error messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable Redis URL>';
  }
}
