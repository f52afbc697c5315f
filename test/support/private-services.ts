// Private MariaDB, Redis and Kafka servers for the outage tests (test/fault/outage-*.test.ts).
// Those tests stop and restart a dependency under load; the machine's shared servers (3306,
// 6379, 9092) serve everyone else's tests and must never be touched, so each outage test runs
// its own instances on free ports with their data in a temporary folder.
//
// - MariaDB: `mariadb-install-db` into a temp datadir, then /usr/sbin/mariadbd on a free port
//   with --skip-grant-tables (root, no password) and a small buffer pool.
// - Redis: redis-server on a free port without persistence (--save "" --appendonly no): a
//   restart loses every key, as a production Redis without persistence would.
// - Kafka: scripts/kafka.sh with TIERNET_KAFKA_PORT / _CONTROLLER_PORT / _RUN_DIR, sharing the
//   cached jars; a restart keeps the data dir, as a broker restart would.
//
// Every wait is bounded. dispose() kills the process and removes the folder; a process exit
// handler SIGKILLs whatever is still running if the test process dies without its after().
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';

const kafkaScript = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));
const readyTimeoutMs = 60_000;
const exitTimeoutMs = 30_000;
const kafkaStartTimeoutS = 180;

/** Pids of every private server process alive, killed on exit if after() never ran. */
const livePids = new Set<number>();
/** Pid files of private Kafka brokers (the JVM is kafka.sh's child, not ours). */
const livePidFiles = new Set<string>();
process.once('exit', () => {
  for (const pidFile of livePidFiles) {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      // Never 0 or negative: process.kill would signal a whole process group.
      if (Number.isSafeInteger(pid) && pid > 1) livePids.add(pid);
    } catch {
      // no broker running
    }
  }
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A TCP port nobody listens on right now (the kernel's pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function run(file: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`, { cause: error }));
        else resolve(`${stdout}${stderr}`);
      },
    );
  });
}

/** One server process that can be stopped (SIGTERM or SIGKILL) and started again on the same port and data. */
abstract class ChildServer {
  readonly directory: string;
  #child: ChildProcess | null = null;
  #exited: Promise<void> | null = null;
  #disposed = false;

  protected constructor(prefix: string) {
    this.directory = mkdtempSync(join(tmpdir(), prefix));
  }

  protected abstract command(): { file: string; args: string[] };
  protected abstract answers(): Promise<boolean>;
  abstract readonly name: string;

  get running(): boolean {
    return this.#child !== null;
  }

  async start(): Promise<void> {
    if (this.#disposed) throw new Error(`${this.name} was disposed`);
    if (this.#child !== null) return;
    const { file, args } = this.command();
    const child = spawn(file, args, { stdio: 'ignore' });
    this.#child = child;
    if (child.pid !== undefined) livePids.add(child.pid);
    let exitCode: number | null | undefined;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        exitCode = code;
        if (child.pid !== undefined) livePids.delete(child.pid);
        resolve();
      });
    });
    await waitUntil(
      `${this.name} to answer`,
      async () => {
        if (exitCode !== undefined) throw new Error(`${this.name} exited with ${exitCode} while starting`);
        return this.answers();
      },
      readyTimeoutMs,
    ).catch(async (error: unknown) => {
      await this.stop('SIGKILL');
      throw error;
    });
  }

  /** Stops the process and waits (bounded) for it to exit; SIGKILL after the bound. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    const exited = this.#exited;
    if (child === null || exited === null) return;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), exitTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
    this.#child = null;
    this.#exited = null;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    try {
      await this.stop('SIGKILL');
    } finally {
      rmSync(this.directory, { recursive: true, force: true });
    }
  }
}

export class PrivateMariadb extends ChildServer {
  readonly name = 'private mariadbd';
  readonly port: number;

  private constructor(port: number) {
    super('tiernet-private-mariadb-');
    this.port = port;
  }

  /** Installs the system tables into a fresh datadir and starts mariadbd on a free port. */
  static async start(): Promise<PrivateMariadb> {
    const server = new PrivateMariadb(await freePort());
    try {
      await run(
        'mariadb-install-db',
        [
          '--no-defaults',
          `--datadir=${join(server.directory, 'data')}`,
          '--user=root',
          '--auth-root-authentication-method=normal',
          '--skip-test-db',
        ],
        {},
        120_000,
      );
      await server.start();
      return server;
    } catch (error) {
      await server.dispose();
      throw error;
    }
  }

  /** mysql://root@127.0.0.1:<port> (append /<database>). */
  get serverUrl(): string {
    return `mysql://root@127.0.0.1:${this.port}`;
  }

  async createDatabase(name: string): Promise<string> {
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`database name must be [a-z0-9_]+, got "${name}"`);
    const connection = await createConnection({ uri: this.serverUrl, connectTimeout: 5_000 });
    try {
      await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    } finally {
      await connection.end();
    }
    return `${this.serverUrl}/${name}`;
  }

  protected command(): { file: string; args: string[] } {
    return {
      file: '/usr/sbin/mariadbd',
      args: [
        '--no-defaults',
        `--datadir=${join(this.directory, 'data')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(this.directory, 'mariadb.sock')}`,
        `--pid-file=${join(this.directory, 'mariadb.pid')}`,
        `--log-error=${join(this.directory, 'error.log')}`,
        '--user=root',
        '--skip-name-resolve',
        '--skip-grant-tables',
        '--innodb-buffer-pool-size=128M',
        '--max-connections=200',
      ],
    };
  }

  protected async answers(): Promise<boolean> {
    const connection = await createConnection({ uri: this.serverUrl, connectTimeout: 1_000 });
    try {
      await connection.query('SELECT 1');
      return true;
    } finally {
      await connection.end().catch(() => undefined);
    }
  }
}

export class PrivateRedis extends ChildServer {
  readonly name = 'private redis-server';
  readonly port: number;

  private constructor(port: number) {
    super('tiernet-private-redis-');
    this.port = port;
  }

  static async start(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    try {
      await server.start();
      return server;
    } catch (error) {
      await server.dispose();
      throw error;
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  protected command(): { file: string; args: string[] } {
    return {
      file: 'redis-server',
      args: [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        this.directory,
        '--logfile',
        join(this.directory, 'redis.log'),
      ],
    };
  }

  protected answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: this.port });
      let reply = '';
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(1_000, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString();
        if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
      });
    });
  }
}

/** A one-node KRaft broker run by scripts/kafka.sh in its own run dir and ports. */
export class PrivateKafka {
  readonly name = 'private Kafka broker';
  readonly port: number;
  readonly controllerPort: number;
  readonly directory: string;
  #disposed = false;

  private constructor(port: number, controllerPort: number) {
    this.port = port;
    this.controllerPort = controllerPort;
    this.directory = mkdtempSync(join(tmpdir(), 'tiernet-private-kafka-'));
    livePidFiles.add(join(this.directory, 'kafka.pid'));
  }

  static async start(): Promise<PrivateKafka> {
    const port = await freePort();
    let controllerPort = await freePort();
    for (let attempt = 0; controllerPort === port && attempt < 10; attempt += 1) controllerPort = await freePort();
    const broker = new PrivateKafka(port, controllerPort);
    try {
      await broker.start();
      return broker;
    } catch (error) {
      await broker.dispose();
      throw error;
    }
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  async start(): Promise<void> {
    if (this.#disposed) throw new Error(`${this.name} was disposed`);
    await this.#script('start', (kafkaStartTimeoutS + 30) * 1000);
  }

  /** SIGTERM through kafka.sh, which waits (bounded) and SIGKILLs a broker that does not exit. */
  async stop(): Promise<void> {
    await this.#script('stop', 120_000);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    try {
      await this.stop();
    } finally {
      livePidFiles.delete(join(this.directory, 'kafka.pid'));
      rmSync(this.directory, { recursive: true, force: true });
    }
  }

  async #script(action: 'start' | 'stop', timeoutMs: number): Promise<string> {
    return run(
      'bash',
      [kafkaScript, action],
      {
        TIERNET_KAFKA_PORT: String(this.port),
        TIERNET_KAFKA_CONTROLLER_PORT: String(this.controllerPort),
        TIERNET_KAFKA_RUN_DIR: this.directory,
        TIERNET_KAFKA_START_TIMEOUT_S: String(kafkaStartTimeoutS),
      },
      timeoutMs,
    );
  }
}
