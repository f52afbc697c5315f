// Bearer-token auth for the admin API. The comparison is constant-time over SHA-256 digests,
// so neither the token's content nor its length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

export function tokenMatches(expected: string, presented: string): boolean {
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  const presentedDigest = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(expectedDigest, presentedDigest);
}

/** Extracts the token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
