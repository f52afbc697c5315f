// The tiernet command line. Exit codes: 0 success, 1 the work failed, 2 bad usage or
// configuration. Human output on stdout (or JSON with --json); logs go to stderr.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { isTiernetError } from '../../app/errors.ts';
import { loadConfig, redactConfig, type Config } from '../../config/config.ts';
import { createLogger } from '../../main/logger.ts';
import { openRuntime } from '../../main/runtime.ts';
import { startService } from '../../main/service.ts';
import { replayVip } from '../../app/vip/replay.ts';
import { createProgress } from './progress.ts';
import { registerDemoCommand } from './demo.ts';
import { registerBenchCommand } from './bench.ts';
import { registerSettleCommand } from './settle.ts';

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

interface CommonOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
  logLevel?: string;
}

function resolveConfig(options: CommonOptions, overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: process.env,
    ...(options.config === undefined ? {} : { file: options.config }),
    overrides: { dataDir: options.dataDir, logLevel: options.logLevel, ...overrides },
  });
}

function print(json: boolean | undefined, human: string, data: unknown): void {
  process.stdout.write(
    json
      ? `${JSON.stringify(data, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`
      : `${human}\n`,
  );
}

function addCommonOptions(command: Command): Command {
  return command
    .option('--config <file>', 'JSON configuration file (also TIERNET_CONFIG)')
    .option('--data-dir <dir>', 'directory for the embedded backends (also TIERNET_DATA_DIR)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (also TIERNET_LOG_LEVEL)')
    .option('--json', 'machine-readable output');
}

export function buildProgram(): Command {
  const program = new Command('tiernet')
    .description(
      'VIP tiers, user groups and exactly-once agent rebates, driven by platform events.\nWith no configuration every backend is embedded (SQLite, in-process log, in-memory locks).',
    )
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();

  addCommonOptions(
    program.command('migrate').description('apply database migrations (idempotent: running it again changes nothing)'),
  ).action(async (options: CommonOptions) => {
    const config = resolveConfig(options);
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const runtime = await openRuntime(config, logger);
    try {
      const report = await runtime.migrate((message) => {
        if (!options.json) process.stdout.write(`${message}\n`);
      });
      print(
        options.json,
        report.applied.length === 0
          ? `schema is up to date (${report.alreadyApplied} migrations already applied) on ${runtime.store.backend}`
          : `applied ${report.applied.length} migration(s) on ${runtime.store.backend}`,
        { backend: runtime.store.backend, ...report },
      );
    } finally {
      await runtime.close();
    }
  });

  addCommonOptions(
    program
      .command('serve')
      .description('run the service: HTTP API, consumers, outbox relay and scheduler')
      .addOption(new Option('--port <port>', 'HTTP port (also TIERNET_PORT)').argParser((value) => Number(value)))
      .option('--host <host>', 'HTTP bind address (also TIERNET_HOST)'),
  ).action(async (options: CommonOptions & { port?: number; host?: string }) => {
    const config = resolveConfig(options, { 'server.port': options.port, 'server.host': options.host });
    const logger = createLogger(config.logLevel);
    logger.info({ config: redactConfig(config) }, 'starting');
    const runtime = await openRuntime(config, logger);
    let service: Awaited<ReturnType<typeof startService>>;
    try {
      await runtime.migrate((message) => logger.info(message));
      service = await startService(runtime, { version: packageVersion() });
    } catch (error) {
      // A start that fails (Kafka unreachable) must end the process with the error, so that a
      // supervisor restarts it; the open connections would otherwise keep it up, serving nothing.
      await runtime.close();
      throw error;
    }
    logger.info({ address: service.address }, 'listening');
    print(options.json, `tiernet listening on ${service.address} (store: ${runtime.store.backend})`, {
      address: service.address,
      backend: runtime.store.backend,
    });
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    logger.info('stopping');
    await service.stop();
    await runtime.close();
  });

  addCommonOptions(
    program
      .command('replay')
      .description(
        "recompute every user's VIP state from the stored bets under the ladder in force (run with ingestion paused)",
      )
      .option('--dry-run', 'report who would move; write nothing')
      .option('--rebuild-metrics', "also rebuild day buckets in the ladder's time zone (after a time-zone change)")
      .option('--page-size <users>', 'users per transaction', (value) => Number(value), 200),
  ).action(async (options: CommonOptions & { dryRun?: boolean; rebuildMetrics?: boolean; pageSize: number }) => {
    const config = resolveConfig(options);
    const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
    const runtime = await openRuntime(config, logger);
    const progress = createProgress('replay', !options.json);
    try {
      await runtime.migrate();
      const report = await replayVip(
        {
          store: runtime.store,
          clock: runtime.clock,
          ladders: runtime.ladders,
          windowDays: config.metrics.windowDays,
          vipChangesTopic: config.topics.vipChanges,
        },
        {
          dryRun: options.dryRun ?? false,
          rebuildMetrics: options.rebuildMetrics ?? false,
          usersPerPage: options.pageSize,
          onProgress: (done, total) => progress.update(done, total),
        },
      );
      progress.finish();
      const moves = report.moves
        .slice(0, 20)
        .map((move) => `  ${move.userId}: ${move.fromLevel} -> ${move.toLevel}`)
        .join('\n');
      print(
        options.json,
        `${report.dryRun ? 'dry run: ' : ''}${report.users} users, ${report.bets} bets replayed under ladder v${report.ladderVersion}; ` +
          `${report.changed} states ${report.dryRun ? 'would change' : 'changed'}, ${report.moves.length} level moves${moves ? `\n${moves}` : ''}`,
        report,
      );
    } finally {
      await runtime.close();
    }
  });

  registerBenchCommand(program, { print, setExitCode: (code) => (process.exitCode = code) });
  registerSettleCommand(program, {
    print,
    addCommonOptions,
    resolveConfig: (options) => resolveConfig(options),
    setExitCode: (code) => (process.exitCode = code),
  });

  registerDemoCommand(program, { addCommonOptions, print, version: packageVersion });
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    // A command may have set a failing exit code (e.g. bench --check found a regression).
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (isTiernetError(error, 'config_invalid')) {
      process.stderr.write(`tiernet: ${error.message}\n`);
      return exitCodes.usage;
    }
    const message = isTiernetError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
    process.stderr.write(`tiernet: ${message}\n`);
    return exitCodes.failed;
  }
}
