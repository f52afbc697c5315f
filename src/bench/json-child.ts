// Runs a benchmark's own process (a TypeScript file under src/bench, through tsx) and takes
// the last line it prints on stdout as its JSON result. A process of its own keeps what it
// does off the parent's event loop and out of the parent's memory figures.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function runJsonChild<T>(childUrl: URL, args: readonly string[], what: string): Promise<T> {
  const childPath = fileURLToPath(childUrl);
  const tsx = import.meta.resolve('tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, childPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(stdout).toString('utf8').trim();
      if (code !== 0) {
        reject(new Error(`${what} exited ${code}: ${Buffer.concat(stderr).toString('utf8').slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(text.split('\n').at(-1) ?? '{}') as T);
    });
  });
}
