// A warning that is logged at most once per interval, with the count of occurrences it
// stands for. For failures that repeat per batch while a dependency is down (the cache):
// the operator needs to know it is happening and how often, not to read one line per batch.
export interface ThrottledWarning {
  (error: unknown): void;
}

export function throttledWarning(
  intervalMs: number,
  nowMs: () => number,
  warn: (error: unknown, occurrences: number) => void,
): ThrottledWarning {
  let lastLoggedMs = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  return (error) => {
    unlogged += 1;
    const now = nowMs();
    if (now - lastLoggedMs < intervalMs) return;
    lastLoggedMs = now;
    warn(error, unlogged);
    unlogged = 0;
  };
}
