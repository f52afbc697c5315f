// Runs the real `tiernet demo --json` binary for the e2e tests: collects its JSON lines,
// resolves once a given event (listening, ready, done) has been printed, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { binPath } from '../support/cli.ts';

export interface DemoLine {
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface ReadyLine extends DemoLine {
  readonly event: 'ready';
  readonly address: string;
  readonly console: string;
  readonly seed: number;
  readonly chain: { readonly rootId: string; readonly deepestId: string; readonly depth: number };
  readonly agentRootIds: readonly string[];
  readonly heavyBettorIds: readonly string[];
}

export interface DemoProcess {
  readonly child: ChildProcess;
  readonly lines: DemoLine[];
  stderr(): string;
  /** Resolves with the first line of this event (already printed or still to come). */
  waitFor(event: string, timeoutMs: number): Promise<DemoLine>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export function startDemo(args: readonly string[], env: Record<string, string | undefined> = {}): DemoProcess {
  const child = spawn(process.execPath, [binPath, 'demo', '--json', ...args], {
    env: { ...process.env, TIERNET_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: DemoLine[] = [];
  const waiters: { event: string; resolve: (line: DemoLine) => void }[] = [];
  let stdoutBuffer = '';
  let stderr = '';
  let exitCode: number | null | undefined;
  const exitWaiters: ((code: number | null) => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdoutBuffer += chunk.toString();
    let newline = stdoutBuffer.indexOf('\n');
    while (newline >= 0) {
      const text = stdoutBuffer.slice(0, newline).trim();
      stdoutBuffer = stdoutBuffer.slice(newline + 1);
      newline = stdoutBuffer.indexOf('\n');
      if (text === '') continue;
      const line = JSON.parse(text) as DemoLine;
      lines.push(line);
      for (const waiter of waiters.filter((candidate) => candidate.event === line.event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  child.on('exit', (code) => {
    exitCode = code;
    for (const waiter of exitWaiters.splice(0)) waiter(code);
  });
  const exited = (): Promise<number | null> =>
    exitCode !== undefined ? Promise.resolve(exitCode) : new Promise((resolve) => exitWaiters.push(resolve));
  return {
    child,
    lines,
    stderr: () => stderr,
    waitFor(event, timeoutMs) {
      const seen = lines.find((line) => line.event === event);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `demo printed no "${event}" line within ${timeoutMs} ms\nstdout: ${JSON.stringify(lines).slice(-2000)}\nstderr: ${stderr.slice(-4000)}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          event,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited().then((code) => {
          clearTimeout(timer);
          reject(new Error(`demo exited with ${code} before printing "${event}"\nstderr: ${stderr.slice(-4000)}`));
        });
      });
    },
    exited,
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited();
    },
  };
}

/** GET a JSON body from the demo's API; fails the test on a non-2xx answer. */
export async function getJson<T>(baseUrl: string, path: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
