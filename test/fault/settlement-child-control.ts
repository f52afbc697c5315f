// Parent side of test/fault/settlement-child.ts: spawns a settlement runner process on the
// fixture's store and lets a test wait for its protocol lines, stop, continue or kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SettlementFixture } from '../support/settlement-fixture.ts';

const childScript = fileURLToPath(new URL('./settlement-child.ts', import.meta.url));

export interface SettlementChild {
  readonly process: ChildProcess;
  /** Resolves with the first stdout line starting with `prefix` (seen before or after the call). */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  send(line: string): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function spawnSettlementChild(
  fixture: SettlementFixture,
  options: { stopAt?: 'after_claim' | 'before_commit'; lockTtlMs: number },
): SettlementChild {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
    env: {
      ...process.env,
      SETTLEMENT_CHILD_MYSQL_URL: fixture.mysqlUrl ?? '',
      SETTLEMENT_CHILD_REDIS_PREFIX: fixture.redisKeyPrefix ?? '',
      SETTLEMENT_CHILD_SQLITE_PATH: fixture.sqlitePath ?? '',
      SETTLEMENT_CHILD_LOCK_TTL_MS: String(options.lockTtlMs),
      SETTLEMENT_CHILD_STOP_AT: options.stopAt ?? '',
      SETTLEMENT_CHILD_CLOCK_OFFSET_MS: String(fixture.clock.offsetMs),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      for (const waiter of waiters.filter((candidate) => line.startsWith(candidate.prefix))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
      newline = buffered.indexOf('\n');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    waitFor(prefix, timeoutMs = 60_000) {
      const seen = lines.find((line) => line.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `child did not print "${prefix}" within ${timeoutMs} ms; stdout: ${lines.join(' | ')}; stderr: ${stderr}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          prefix,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(() => {
          const line = lines.find((candidate) => candidate.startsWith(prefix));
          if (line === undefined) {
            clearTimeout(timer);
            reject(
              new Error(`child exited without printing "${prefix}"; stdout: ${lines.join(' | ')}; stderr: ${stderr}`),
            );
          }
        });
      });
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    exited,
    stderr: () => stderr,
  };
}
