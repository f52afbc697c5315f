// The crash harness's handle on `tiernet serve`: the real binary as a child process (as
// test/support/cli.ts runs it), which the harness may kill with SIGKILL at any moment, even
// before it listens, and start again on the same environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { binPath } from './cli.ts';

/** Characters of a child's stderr kept for a failure message. */
const stderrTailChars = 4_000;

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly startedAtMs: number;
  /** Resolves with the HTTP address once the service listens; rejects if it exits first. */
  readonly listening: Promise<string>;
  /** Resolves when the process has exited, however. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9, then wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean stop), then wait for the exit code. */
  stop(): Promise<number | null>;
  stderrTail(): string;
}

export function spawnServe(env: Record<string, string>): ServeProcess {
  const child = spawn(process.execPath, [binPath, 'serve', '--port', '0', '--json'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-stderrTailChars);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.includes('"address"'));
      if (line !== undefined) resolve((JSON.parse(line) as { address: string }).address);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`serve exited (code ${code}, signal ${signal}) before listening\n${stderr}`)),
    );
  });
  // A kill before the address is printed is expected here; whoever awaits `listening` sees it.
  listening.catch(() => undefined);
  return {
    child,
    startedAtMs: Date.now(),
    listening,
    exited,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return (await exited).code;
    },
    stderrTail: () => stderr,
  };
}
