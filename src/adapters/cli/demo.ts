// `tiernet demo`: the whole service on the embedded backends with a synthetic platform
// flowing through the normal pipeline (event log → ingest consumers → VIP, groups,
// settlement → outbox → out topics), and the operator console to watch it. Nothing to
// install; the data lives in a temporary directory unless --data-dir names one.
import { randomInt } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Logger } from 'pino';
import { TiernetError } from '../../app/errors.ts';
import { demoGroupDefinitions, demoLadderDocument, type DemoGroupDefinition } from '../../app/demo/demo-catalog.ts';
import { DemoDriver } from '../../app/demo/demo-driver.ts';
import { startOutEventTally, type OutEventTally } from '../../app/demo/out-event-tally.ts';
import {
  demoBounds,
  demoDefaults,
  DemoPlatformGenerator,
  type DemoPlatformSummary,
} from '../../app/demo/platform-generator.ts';
import { putLadder } from '../../app/vip/vip-admin.ts';
import { loadConfig, type Config } from '../../config/config.ts';
import { formatMinor } from '../../domain/money.ts';
import { createLogger } from '../../main/logger.ts';
import { openRuntime, type Runtime } from '../../main/runtime.ts';
import { startService, type RunningService } from '../../main/service.ts';
import { createProgress } from './progress.ts';

export interface DemoCommandHelpers {
  readonly addCommonOptions: (command: Command) => Command;
  readonly print: (json: boolean | undefined, human: string, data: unknown) => void;
  readonly version: () => string;
}

interface DemoOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
  logLevel?: string;
  users: number;
  chainDepth: number;
  historyDays: number;
  historyBets: number;
  rate: number;
  duration: number;
  seed?: number;
  port?: number;
  host?: string;
  summaryEvery: number;
}

/** The demo is the embedded stack by definition; these would select real backends. */
const backendVariables = ['TIERNET_MYSQL_URL', 'TIERNET_REDIS_URL', 'TIERNET_KAFKA_BROKERS'] as const;
const monitorGroupId = 'tiernet-demo-monitor';
const drainTimeoutMs = 20_000;

function integerOption(name: string, low: number, high: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < low || parsed > high) {
      throw new InvalidArgumentError(`${name} must be an integer in [${low}, ${high}]`);
    }
    return parsed;
  };
}

function demoConfig(options: DemoOptions, dataDir: string): Config {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of backendVariables) delete env[name];
  const config = loadConfig({
    env,
    ...(options.config === undefined ? {} : { file: options.config }),
    overrides: { dataDir, logLevel: options.logLevel, 'server.port': options.port, 'server.host': options.host },
  });
  if (config.mysql !== undefined || config.redis !== undefined || config.kafka !== undefined) {
    throw new TiernetError(
      'config_invalid',
      'invalid configuration: tiernet demo runs on the embedded backends only; remove mysql, redis and kafka from the config file',
    );
  }
  return config;
}

/** Sum of tiernet_ingest_events_total over every status: events the consumers are done with. */
async function ingestedCount(runtime: Runtime): Promise<number> {
  const metric = await runtime.metrics.ingestEvents.get();
  return metric.values.reduce((sum, entry) => sum + entry.value, 0);
}

interface GroupOutcome {
  readonly available: boolean;
  readonly created: string[];
  readonly refused: { groupId: string; detail: string }[];
}

/** Creates the demo groups through the groups API when this build has it (feature-detected). */
async function createDemoGroups(
  service: RunningService,
  config: Config,
  definitions: readonly DemoGroupDefinition[],
): Promise<GroupOutcome> {
  const headers: Record<string, string> =
    config.adminToken === undefined ? {} : { authorization: `Bearer ${config.adminToken}` };
  const probe = await service.app.inject({ method: 'GET', url: '/v1/groups', headers });
  if (probe.statusCode === 404 && (probe.json<{ code?: string }>().code ?? '') === 'route_not_found')
    return { available: false, created: [], refused: [] };
  const created: string[] = [];
  const refused: { groupId: string; detail: string }[] = [];
  for (const definition of definitions) {
    const { members, groupId, ...fields } = definition;
    const response = await service.app.inject({
      method: 'POST',
      url: '/v1/groups',
      headers,
      payload: { id: groupId, ...fields },
    });
    if (response.statusCode >= 300 && response.statusCode !== 409) {
      refused.push({ groupId: definition.groupId, detail: `${response.statusCode} ${response.body.slice(0, 300)}` });
      continue;
    }
    created.push(definition.groupId);
    if (members !== undefined && members.length > 0) {
      const added = await service.app.inject({
        method: 'POST',
        url: `/v1/groups/${definition.groupId}/members`,
        headers,
        payload: { userIds: members },
      });
      if (added.statusCode >= 300)
        refused.push({
          groupId: definition.groupId,
          detail: `members: ${added.statusCode} ${added.body.slice(0, 300)}`,
        });
    }
  }
  return { available: true, created, refused };
}

function formatCount(value: number): string {
  return value.toLocaleString('en');
}

function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, ' ')}:${String(seconds % 60).padStart(2, '0')}`;
}

interface SummaryData {
  readonly event: 'summary' | 'done';
  readonly phase: string;
  readonly elapsedMs: number;
  readonly produced: number;
  readonly ingested: number;
  readonly backlog: number;
  readonly eventsPerSecond: number;
  readonly liveLagMs: number;
  readonly users: number;
  readonly bets: number;
  readonly voids: number;
  readonly periodsClosed: number;
  readonly vip: { readonly promotions: number; readonly demotions: number; readonly other: number };
  readonly groups: { readonly joined: number; readonly left: number };
  readonly settlements: { readonly committed: number; readonly beneficiaries: number; readonly totalRebate: string };
  readonly deadLetters: number;
  readonly deadLetterCodes: readonly string[];
}

function summaryLine(data: SummaryData): string {
  const parts = [
    `[${formatElapsed(data.elapsedMs)}] ${data.phase}`,
    `${formatCount(data.ingested)} events applied (${formatCount(Math.round(data.eventsPerSecond))}/s${data.backlog > 0 ? `, backlog ${formatCount(data.backlog)}` : ''})`,
    `VIP ▲${formatCount(data.vip.promotions)} ▼${formatCount(data.vip.demotions)}`,
    `groups +${formatCount(data.groups.joined)} -${formatCount(data.groups.left)}`,
    `settlements ${formatCount(data.settlements.committed)} (rebate ${data.settlements.totalRebate})`,
    `bets ${formatCount(data.bets)}, voids ${formatCount(data.voids)}, periods ${formatCount(data.periodsClosed)}`,
  ];
  if (data.liveLagMs > 2_000) parts.push(`live generation ${Math.round(data.liveLagMs / 1000)} s behind`);
  if (data.deadLetters > 0) parts.push(`DLQ ${formatCount(data.deadLetters)} (${data.deadLetterCodes.join(', ')})`);
  return parts.join(' · ');
}

export function registerDemoCommand(program: Command, helpers: DemoCommandHelpers): void {
  helpers
    .addCommonOptions(
      program
        .command('demo')
        .description(
          'run tiernet on the embedded backends with a synthetic betting platform flowing through it, and the console to watch it\n' +
            '(agent forest with a deep chain, Zipf-skewed bettors, games closing periods every few seconds, occasional voids)',
        )
        .addOption(
          new Option('--users <count>', 'users in the agent forest')
            .argParser(integerOption('--users', 10, demoBounds.usersMax))
            .default(demoDefaults.users),
        )
        .addOption(
          new Option('--chain-depth <levels>', 'ancestors above the deepest user of the extra agent chain')
            .argParser(integerOption('--chain-depth', 1, demoBounds.chainDepthMax))
            .default(demoDefaults.chainDepth),
        )
        .addOption(
          new Option('--history-days <days>', 'days of past activity replayed before going live')
            .argParser(integerOption('--history-days', 0, demoBounds.historyDaysMax))
            .default(demoDefaults.historyDays),
        )
        .addOption(
          new Option('--history-bets <perUser>', 'average history bets per forest user')
            .argParser(integerOption('--history-bets', 0, demoBounds.historyBetsPerUserMax))
            .default(demoDefaults.historyBetsPerUser),
        )
        .addOption(
          new Option('--rate <betsPerSecond>', 'live bets per second')
            .argParser(integerOption('--rate', 0, demoBounds.liveBetsPerSecondMax))
            .default(demoDefaults.liveBetsPerSecond),
        )
        .addOption(
          new Option('--duration <seconds>', 'seconds of live traffic after setup; 0 runs until Ctrl-C')
            .argParser(integerOption('--duration', 0, 7 * 86_400))
            .default(0),
        )
        .addOption(
          new Option(
            '--seed <n>',
            'seed of the generator: the same seed gives the same platform and events (default: random, printed)',
          ).argParser(integerOption('--seed', 0, 2 ** 32 - 1)),
        )
        .addOption(
          new Option('--port <port>', 'HTTP port, 0 for any free port (also TIERNET_PORT)').argParser(
            integerOption('--port', 0, 65_535),
          ),
        )
        .addOption(
          new Option('--summary-every <seconds>', 'seconds between live summary lines')
            .argParser(integerOption('--summary-every', 1, 3_600))
            .default(5),
        )
        .option('--host <host>', 'HTTP bind address (also TIERNET_HOST)'),
    )
    .action(async (options: DemoOptions) => {
      await runDemo(options, helpers);
    });
}

async function runDemo(options: DemoOptions, helpers: DemoCommandHelpers): Promise<void> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tiernet-demo-'));
  if (!ownsDataDir) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dataDir);
    } catch {
      entries = [];
    }
    if (entries.length > 0)
      throw new TiernetError(
        'config_invalid',
        `invalid configuration: tiernet demo needs an empty or new --data-dir; ${dataDir} already holds ${entries.length} entries`,
      );
  }
  const config = demoConfig(options, dataDir);
  const logger: Logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const seed = options.seed ?? randomInt(0, 2 ** 32 - 1);
  const json = options.json ?? false;
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let runtime: Runtime | null = null;
  let service: RunningService | null = null;
  let tallyConsumer: { stop(): Promise<void> } | null = null;
  try {
    runtime = await openRuntime(config, logger);
    await runtime.migrate();
    // Registrations travel on one partition, so a parent is always applied before its
    // children: a child first would make its parent a placeholder that can no longer register.
    await runtime.eventLog.ensureTopics([config.topics.users], 1);
    const ladder = await putLadder(runtime.vip, demoLadderDocument, 'demo');
    if (!ladder.ok)
      throw new TiernetError('internal', `demo ladder refused: ${ladder.message} at ${ladder.path ?? ''}`);

    const startMs = runtime.clock.nowMs();
    const generator = new DemoPlatformGenerator({
      ...demoDefaults,
      seed,
      users: options.users,
      chainDepth: options.chainDepth,
      historyDays: options.historyDays,
      historyBetsPerUser: options.historyBets,
      liveBetsPerSecond: options.rate,
      startMs,
    });
    const summary: DemoPlatformSummary = generator.summary();
    service = await startService(runtime, { version: helpers.version(), consoleHints: summary });
    const tally = await startOutEventTally(runtime.eventLog, config.topics, monitorGroupId);
    tallyConsumer = tally.consumer;

    const address = service.address;
    const urls = { address, console: `${address}/console/`, docs: `${address}/docs` };
    const description = `seed ${seed}: ${formatCount(options.users)} users + a ${formatCount(options.chainDepth)}-deep chain, ${options.historyDays} days of history, ${formatCount(options.rate)} live bets/s`;
    helpers.print(
      json,
      `tiernet demo — ${description}\n  console   ${urls.console}\n  API docs  ${urls.docs}\n  data      ${dataDir}${ownsDataDir ? ' (temporary, removed at exit)' : ''}`,
      { event: 'listening', ...urls, dataDir, seed },
    );

    const activeRuntime = runtime;
    const driver = new DemoDriver(
      {
        producer: runtime.eventLog.producer(),
        topics: { users: config.topics.users, bets: config.topics.bets, periods: config.topics.periods },
        clock: runtime.clock,
        sleep: (delayMs) => sleep(delayMs, undefined, { signal: abort.signal }).catch(() => undefined),
        ingestedCount: () => ingestedCount(activeRuntime),
        signal: abort.signal,
      },
      generator,
    );

    const registrationProgress = createProgress('registering users', !json);
    await driver.registerUsers((done, total) => registrationProgress.update(Math.min(done, total), total));
    registrationProgress.finish();

    const groups = abort.signal.aborted
      ? { available: false, created: [], refused: [] }
      : await createDemoGroups(service, config, demoGroupDefinitions(summary));
    if (!groups.available)
      helpers.print(json, 'groups: the groups API is not available in this build; skipping demo groups', {
        event: 'groups',
        available: false,
      });
    else {
      helpers.print(
        json,
        `groups: created ${groups.created.join(', ') || 'none'}${groups.refused.length > 0 ? `; refused ${groups.refused.map((entry) => `${entry.groupId} (${entry.detail})`).join('; ')}` : ''}`,
        { event: 'groups', ...groups },
      );
    }

    const historyProgress = createProgress('replaying history (hours)', !json);
    await driver.produceHistory((done, total) => historyProgress.update(done, total));
    historyProgress.finish();

    if (!abort.signal.aborted) {
      helpers.print(
        json,
        `ready: ${formatCount(await driver.ingested())} events applied; live traffic ${options.duration > 0 ? `for ${options.duration} s` : 'until Ctrl-C'}\n  look at   ${urls.console}  (chain root ${summary.chainRootId}, deepest ${summary.chainDeepestId}, heaviest bettor ${summary.heavyBettorIds[0] ?? '-'})`,
        {
          event: 'ready',
          ...urls,
          dataDir,
          seed,
          users: options.users,
          chain: { rootId: summary.chainRootId, deepestId: summary.chainDeepestId, depth: summary.chainDepth },
          agentRootIds: summary.agentRootIds,
          heavyBettorIds: summary.heavyBettorIds,
        },
      );
    }

    const startedMs = runtime.clock.nowMs();
    let lastSummaryMs = startedMs;
    let lastIngested = await driver.ingested();
    const snapshot = async (event: 'summary' | 'done', nowMs: number): Promise<SummaryData> => {
      const ingested = await driver.ingested();
      const rate = ((ingested - lastIngested) * 1000) / Math.max(1, nowMs - lastSummaryMs);
      lastIngested = ingested;
      lastSummaryMs = nowMs;
      return summaryOf(event, driver, generator, tally.tally, ingested, rate, nowMs - startedMs);
    };
    await driver.runLive(options.duration * 1000, async () => {
      const nowMs = activeRuntime.clock.nowMs();
      if (nowMs - lastSummaryMs < options.summaryEvery * 1000) return;
      const data = await snapshot('summary', nowMs);
      helpers.print(json, summaryLine(data), data);
    });

    const drained = await driver.drain(drainTimeoutMs);
    // Let the relay publish what the last batches decided before the final count.
    service.relay.notify();
    await sleep(1_000);
    const final = await snapshot('done', runtime.clock.nowMs());
    helpers.print(
      json,
      `${summaryLine(final)}\ndone${drained ? '' : ` (stopped with ${formatCount(final.backlog)} events not yet applied)`}`,
      { ...final, drained },
    );
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    if (tallyConsumer !== null) await tallyConsumer.stop().catch(() => undefined);
    if (service !== null) await service.stop();
    if (runtime !== null) await runtime.close();
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

function summaryOf(
  event: 'summary' | 'done',
  driver: DemoDriver,
  generator: DemoPlatformGenerator,
  tally: OutEventTally,
  ingested: number,
  eventsPerSecond: number,
  elapsedMs: number,
): SummaryData {
  return {
    event,
    phase: driver.phase,
    elapsedMs,
    produced: driver.produced,
    ingested,
    backlog: Math.max(0, driver.produced - ingested),
    eventsPerSecond,
    liveLagMs: driver.liveLagMs,
    users: generator.counters.registrations,
    bets: generator.counters.bets,
    voids: generator.counters.voids,
    periodsClosed: generator.counters.periodsClosed,
    vip: { promotions: tally.promotions, demotions: tally.demotions, other: tally.otherVipChanges },
    groups: { joined: tally.groupJoins, left: tally.groupLeaves },
    settlements: {
      committed: tally.settlements,
      beneficiaries: tally.settlementBeneficiaries,
      totalRebate: formatMinor(tally.totalRebateMinor),
    },
    deadLetters: tally.deadLetters,
    deadLetterCodes: tally.deadLetterCodes,
  };
}
