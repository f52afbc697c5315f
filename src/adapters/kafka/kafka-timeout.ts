// Bounds a kafkajs call whose own retries could otherwise run for minutes (or, for the
// idempotent producer, forever) while the broker is away.
import { TiernetError } from '../../app/errors.ts';

export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new TiernetError('kafka_unavailable', `${what} took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
