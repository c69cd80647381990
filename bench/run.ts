/**
 * `npm run bench` (docs/design.md §4; method and figures in docs/performance.md). Starts a fake upstream
 * that answers at once, a bare undici reverse proxy (the ceiling for Node) and the gateway as a child
 * process with production settings, drives each from a separate load process, and prints one table
 * per scenario family and the budget check.
 *
 *   npm run bench                 full run, about 9 minutes
 *   npm run bench -- --quick      shorter cells, about 4 minutes
 *   options: --seconds N --warmup N (per cell), --rounds N (interleaved rounds of the throughput cells),
 *            --streams N (open-streams scenario), --keep (temp dir), --cache-only (the cache scenario alone),
 *            --no-shared (skip the Redis state + PostgreSQL store scenario), --shared-only (that scenario alone)
 *
 * The gateway runs the "production" configuration of issue 18 (bench/configs.ts): tenant virtual key,
 * RPM/TPM limits, a hard budget, pricing, the SQLite request log, the cache (misses in every cell: a
 * new prompt per request; hits in the cache scenario), guardrails in `flag` mode with local moderation,
 * metrics and the memory state; the same on Redis and PostgreSQL for the shared-state scenario. The run
 * ends with each target of issue 18 and whether it holds.
 *
 * CPU placement: with two or more CPUs the measured server runs alone on CPU 1 and the load generator
 * and fake upstream share CPU 0, so the gateway's cost is never hidden by the load's (or the other
 * way round). The workers scenario is unpinned: it needs every CPU.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptArgs } from '../scripts/command-line.ts';
import {
  BENCH_MODEL,
  BENCH_TENANT_KEY,
  benchRequestBody,
  LARGE_MODEL,
  LARGE_MODELS,
  LARGE_PROVIDERS,
  LARGE_TENANT_KEY,
  LARGE_TENANTS,
  writeConfigs,
} from './configs.ts';
import { type LoadOptions, type LoadResult, loadGenerator, runLoad } from './load.ts';
import {
  cpuSeconds,
  gatewayArgv,
  hasTaskset,
  machineCpuSeconds,
  machineStealSeconds,
  peakRssMb,
  processTree,
  resetPeakRss,
  runToEnd,
  type Started,
  startServer,
  stopServer,
  waitForPort,
  waitForQuiet,
} from './processes.ts';
import { type BudgetLine, budget, type Cell, ms, ratio, signedMs, table } from './report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const { values: flags } = scriptArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    streams: { type: 'string', default: '1000' },
    keep: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'cache-only': { type: 'boolean', default: false },
    'shared-only': { type: 'boolean', default: false },
    shared: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const quick = flags.quick === true;
const seconds = Number(flags.seconds ?? (quick ? 3 : 6));
const warmupSeconds = Number(flags.warmup ?? (quick ? 1 : 2));
/**
 * The throughput cells run in this many interleaved rounds (bare, gateway, gateway, bare, …), and the
 * ratio to bare is the median of the rounds' ratios: on a shared host the same build's CPU per request
 * drifts by ±25 % within minutes, far more than one cell of each target can tell apart.
 */
const rounds = Math.max(1, Number(flags.rounds ?? (quick ? 2 : 3)));
const openStreams = Number(flags.streams);
const ttfbCount = quick ? 500 : 2000;
// Each open stream drips 20 chunks this far apart, so every stream stays open for 20 × dripMs.
const dripMs = quick ? 150 : 300;

const cpuCount = availableParallelism();
const pinning = cpuCount >= 2 && hasTaskset;
const TARGET_CPU = pinning ? '1' : undefined;
const LOAD_CPU = pinning ? '0' : undefined;
const UPSTREAM_CPU = pinning ? (cpuCount >= 3 ? '2' : '0') : undefined;

const ports = {
  upstream: 19_401,
  bare: 19_402,
  switchyard: 19_403,
  large: 19_404,
  workers: 19_405,
  shared: 19_406,
};
const upstreamUrl = `http://127.0.0.1:${ports.upstream}`;

type TargetName = 'direct' | 'bare' | 'switchyard';
const targetNames: TargetName[] = ['direct', 'bare', 'switchyard'];

interface Target {
  name: string;
  server: Started;
  /** The bearer key the target needs, if any. */
  key: string | undefined;
  model: string;
  /** How the target names an upstream model directly: `fake/` for the gateway, nothing for the others. */
  upstreamPrefix: string;
}

interface CellResult {
  load: LoadResult;
  cpuMicrosPerRequest: number;
  peakRssMb: number;
  /** CPUs' worth of time other processes on the machine used during the measurement. */
  otherCpu: number;
  /** CPUs' worth of time the hypervisor gave to other guests during the measurement. */
  stealCpu: number;
}

const started: Started[] = [];
let workDir = '';

async function main(): Promise<void> {
  const runStartedAt = performance.now();
  const runStealBefore = machineStealSeconds();
  workDir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
  const configs = await writeConfigs(workDir, upstreamUrl);
  const node = process.execPath;
  const launch = async (
    name: string,
    port: number,
    argv: string[],
    cpu: string | undefined,
    readyMs = 20_000,
  ): Promise<Started> => {
    const server = startServer({ name, port, argv, cpu, logFile: join(workDir, `${name}.log`) });
    started.push(server);
    await waitForPort(server, readyMs);
    return server;
  };
  const stop = async (server: Started) => {
    await stopServer(server);
    started.splice(started.indexOf(server), 1);
  };

  printHeader();
  const upstream = await launch(
    'upstream',
    ports.upstream,
    [node, join(here, 'fake-upstream.ts'), String(ports.upstream)],
    UPSTREAM_CPU,
  );
  const bare = await launch(
    'bare',
    ports.bare,
    [node, join(here, 'bare-proxy.ts'), String(ports.bare), upstreamUrl],
    TARGET_CPU,
  );
  const switchyard = await launch(
    'switchyard',
    ports.switchyard,
    gatewayArgv(configs.production, ports.switchyard),
    TARGET_CPU,
  );
  const targets: Record<TargetName, Target> = {
    direct: { name: 'direct', server: upstream, key: undefined, model: BENCH_MODEL, upstreamPrefix: '' },
    bare: { name: 'bare', server: bare, key: undefined, model: BENCH_MODEL, upstreamPrefix: '' },
    switchyard: {
      name: 'switchyard',
      server: switchyard,
      key: BENCH_TENANT_KEY,
      model: BENCH_MODEL,
      upstreamPrefix: 'fake/',
    },
  };
  const chunksPerStream: Record<string, number> = {};
  for (const name of targetNames) chunksPerStream[name] = await sanityCheck(targets[name]);

  const output: string[] = [];
  const emit = (text: string) => {
    output.push(text);
    process.stdout.write(`\n${text}\n`);
  };

  // ---- the response cache (issue 14): hits against bare, misses against the cache off ---------------
  const cacheScenario = async (): Promise<BudgetLine[]> => {
    const freshBare = await launch(
      'bare-cache',
      ports.bare,
      [node, join(here, 'bare-proxy.ts'), String(ports.bare), upstreamUrl],
      TARGET_CPU,
    );
    const cacheAll = await launch(
      'switchyard-cache-all',
      ports.large,
      gatewayArgv(configs.production, ports.large),
      TARGET_CPU,
    );
    const cacheOff = await launch(
      'switchyard-cache-off',
      ports.workers,
      gatewayArgv(configs.cacheOff, ports.workers),
      TARGET_CPU,
    );
    const cacheAlone = await launch(
      'switchyard-cache-alone',
      ports.shared,
      gatewayArgv(configs.cacheAlone, ports.shared),
      TARGET_CPU,
    );
    const result = await measureCache(
      { ...targets.bare, server: freshBare },
      { ...targets.switchyard, name: 'cache-all', server: cacheAll },
      { ...targets.switchyard, name: 'cache-off', server: cacheOff },
      { ...targets.switchyard, name: 'cache-alone', server: cacheAlone, key: undefined },
    );
    emit(result.table);
    await stop(freshBare);
    await stop(cacheAll);
    await stop(cacheOff);
    await stop(cacheAlone);
    return result.lines;
  };

  const sharedScenario = async (): Promise<SharedResult> => {
    const sharedPort = ports.shared;
    const server = await launch(
      'switchyard-shared',
      sharedPort,
      gatewayArgv(configs.shared, sharedPort),
      TARGET_CPU,
    ).catch((error: unknown) => error as Error);
    if (server instanceof Error)
      return { skipped: `the gateway on Redis/PostgreSQL did not start (${server.message})` };
    const target: Target = { ...targets.switchyard, name: 'switchyard-shared', server };
    await sanityCheck(target);
    const result = await measureShared(targets.direct, targets.switchyard, target);
    await stop(server);
    return result;
  };

  if (flags['shared-only']) {
    // `--shared-only`: just the Redis state + PostgreSQL store scenario, for working on it.
    const result = await sharedScenario();
    emit(sharedTable(result));
    emit(budget([sharedLine(result)]));
    await stop(bare);
    await stop(switchyard);
    await stop(upstream);
    return;
  }

  if (flags['cache-only']) {
    // `--cache-only`: just the cache scenario (issue 14), for working on the cache.
    await stop(bare);
    await stop(switchyard);
    emit(budget(await cacheScenario()));
    await stop(upstream);
    return;
  }

  // ---- throughput and latency: non-streaming and streaming at c = 1, 50, 500 ----------------------
  const results: Record<string, CellResult> = {};
  /** Per kind and concurrency (`json|50`): the gateway's throughput over bare's, one per round. */
  const roundRatios: Record<string, number[]> = {};
  for (const stream of [false, true]) {
    for (const connections of [1, 50, 500]) {
      const kind = `${stream ? 'stream' : 'json'}|${connections}`;
      const cells: Record<TargetName, CellResult[]> = { direct: [], bare: [], switchyard: [] };
      for (let round = 0; round < rounds; round++) {
        // Alternating the order keeps a drifting host from favouring either target.
        const order = round % 2 === 0 ? targetNames : [...targetNames].reverse();
        for (const name of order) {
          const cell = await measureCell(targets[name], {
            connections,
            stream,
            warmupSeconds: round === 0 ? warmupSeconds : Math.min(1, warmupSeconds),
          });
          cells[name].push(cell);
          progress(`${kind}|${name} round ${round + 1}: ${cell.load.requestsPerSecond.toFixed(0)} req/s`);
        }
      }
      for (const name of targetNames) results[`${kind}|${name}`] = medianCell(cells[name] ?? []);
      roundRatios[kind] = (cells.switchyard ?? []).map(
        (cell, i) =>
          cell.load.requestsPerSecond / ((cells.bare ?? [])[i]?.load.requestsPerSecond ?? Number.NaN),
      );
    }
  }
  emit(latencyTable(results, false, chunksPerStream, roundRatios));
  emit(latencyTable(results, true, chunksPerStream, roundRatios));

  // ---- streaming time to first byte, one stream at a time ----------------------------------------
  // ---- c=1 latency timed per request by the client (wrk's c=1 statistics are not self-consistent here)
  const perRequest: Record<string, ProbeResult> = {};
  for (const name of targetNames) {
    perRequest[name] = await measureOneAtATime(targets[name]);
    progress(`c=1 per request ${name}: p99 ${perRequest[name].p99.toFixed(3)} ms`);
  }
  emit(perRequestTable(perRequest));

  const ttfb: Record<string, TtfbResult> = {};
  for (const name of targetNames) {
    ttfb[name] = await measureTtfb(targets[name]);
    progress(`ttfb ${name}: p50 ${ttfb[name].firstEventMs.p50.toFixed(3)} ms`);
  }
  emit(ttfbTable(ttfb));

  // ---- the same on Redis state and a PostgreSQL store: added latency at c=1 against the memory state -
  let shared: SharedResult = { skipped: 'not run (--no-shared)' };
  if (flags.shared) {
    shared = await sharedScenario();
    emit(sharedTable(shared));
  }

  // The one-line-per-request rule, checked: the gateway's own request counter against its log file.
  const counted = await requestsCounted(ports.switchyard);
  await stop(switchyard);
  const logged = await countLogLines(join(workDir, 'switchyard.log'));
  const logCheck = `Logging: switchyard wrote ${logged.toLocaleString('en-US')} request log lines for ${counted.toLocaleString('en-US')} requests it counted (pino, asynchronous destination, to a file).`;
  emit(logCheck);

  // ---- 1,000 concurrent open streams: peak RSS, fresh processes -----------------------------------
  await stop(bare);
  const open: Record<string, OpenResult> = {};
  {
    const freshBare = await launch(
      'bare-streams',
      ports.bare,
      [node, join(here, 'bare-proxy.ts'), String(ports.bare), upstreamUrl],
      TARGET_CPU,
    );
    const freshSwitchyard = await launch(
      'switchyard-streams',
      ports.switchyard,
      gatewayArgv(configs.production, ports.switchyard),
      TARGET_CPU,
    );
    const streamTargets: Target[] = [
      targets.direct,
      { ...targets.bare, server: freshBare },
      { ...targets.switchyard, server: freshSwitchyard },
    ];
    for (const target of streamTargets) {
      open[target.name] = await measureOpenStreams(target);
      progress(`open streams ${target.name}: peak RSS ${open[target.name]?.peakRssMb.toFixed(0)} MB`);
    }
    await stop(freshBare);
    await stop(freshSwitchyard);
  }
  emit(openStreamsTable(open));

  // ---- config size: 1 model / 1 tenant against 1,000 models / 10,000 tenants ----------------------
  const sizes: Record<string, { c1: CellResult; c50: CellResult; startupMs: number; idleRssMb: number }> = {};
  {
    const small = await timedLaunch(
      'switchyard-small',
      ports.switchyard,
      gatewayArgv(configs.production, ports.switchyard),
    );
    const large = await timedLaunch(
      'switchyard-large',
      ports.large,
      gatewayArgv(configs.large, ports.large),
      120_000,
    );
    const smallTarget: Target = { ...targets.switchyard, name: 'small', server: small.server };
    const largeTarget: Target = {
      ...targets.switchyard,
      name: 'large',
      server: large.server,
      key: LARGE_TENANT_KEY,
      model: LARGE_MODEL,
    };
    await sanityCheck(largeTarget);
    // Interleaved, so drift over time (thermal, page cache) lands on both alike.
    const c1Small = await measureCell(smallTarget, { connections: 1, stream: false });
    const c1Large = await measureCell(largeTarget, { connections: 1, stream: false });
    const c50Small = await measureCell(smallTarget, { connections: 50, stream: false });
    const c50Large = await measureCell(largeTarget, { connections: 50, stream: false });
    sizes.small = { c1: c1Small, c50: c50Small, startupMs: small.startupMs, idleRssMb: small.idleRssMb };
    sizes.large = { c1: c1Large, c50: c50Large, startupMs: large.startupMs, idleRssMb: large.idleRssMb };
    progress('config size done');
    await stop(small.server);
    await stop(large.server);
  }
  emit(configSizeTable(sizes));

  // ---- --workers: 1 against 2, unpinned -----------------------------------------------------------
  const workers: Record<string, CellResult> = {};
  if (cpuCount >= 2) {
    for (const count of [1, 2]) {
      const server = await launch(
        `switchyard-workers${count}`,
        ports.workers,
        gatewayArgv(configs.production, ports.workers, count),
        undefined,
      );
      // Cluster workers come up after the primary's port check passes; give them a moment to listen.
      await waitForWorkers(server, count);
      workers[count] = await measureCell(
        { ...targets.switchyard, name: `workers${count}`, server },
        { connections: 50, stream: false, unpinned: true },
      );
      progress(`workers ${count}: ${workers[count].load.requestsPerSecond.toFixed(0)} req/s`);
      await stop(server);
    }
    emit(workersTable(workers));
  }

  const cacheLines = await cacheScenario();

  emit(budget([...budgetLines(roundRatios, results, perRequest, ttfb, open, sizes, shared), ...cacheLines]));
  const runSeconds = (performance.now() - runStartedAt) / 1000;
  const stealShare = (machineStealSeconds() - runStealBefore) / (runSeconds * cpuCount);
  emit(
    `Hypervisor steal over the whole run: ${(stealShare * 100).toFixed(1)} % of the machine's CPU time` +
      (stealShare > 0.02 ? ' (a busy host: compare ratios within this run, not figures across runs)' : ''),
  );
  await stop(upstream);

  const resultsDir = join(here, 'results');
  await mkdir(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(resultsDir, `${stamp}${quick ? '-quick' : ''}.txt`);
  await writeFile(file, `${headerText()}\n\n${output.join('\n\n')}\n`);
  process.stdout.write(`\nresults: ${file}\n`);
}

// ---- measurements ---------------------------------------------------------------------------------

/**
 * The cache scenario (issue 14), c = 50, interleaved rounds like the throughput cells: hits (the same
 * prompt every request, `cache.mode: all`) against the bare proxy, which must do its upstream round
 * trip; and misses (a new prompt every request) with the cache on against the cache off, in gateway
 * CPU per request and in throughput.
 */
async function measureCache(
  bare: Target,
  cacheAll: Target,
  cacheOff: Target,
  cacheAlone: Target,
): Promise<{ table: string; lines: BudgetLine[] }> {
  await expectCacheStatus(cacheAll, false, 'HIT');
  await expectCacheStatus(cacheAlone, false, 'HIT');
  await expectCacheStatus(cacheAll, true, 'MISS');
  await expectCacheStatus(cacheOff, true, 'BYPASS');
  const hitRatios: number[] = [];
  const aloneRatios: number[] = [];
  const missCpuRatios: number[] = [];
  const missRpsRatios: number[] = [];
  const cells: Record<string, CellResult[]> = { bare: [], hit: [], alone: [], miss: [], off: [] };
  const opts = (unique: boolean, round: number) => ({
    connections: 50,
    stream: false,
    unique,
    warmupSeconds: round === 0 ? warmupSeconds : Math.min(1, warmupSeconds),
  });
  for (let round = 0; round < rounds; round++) {
    const hitFirst = round % 2 === 0;
    const bareCell = hitFirst ? undefined : await measureCell(bare, opts(false, round));
    const hit = await measureCell(cacheAll, opts(false, round));
    const alone = await measureCell(cacheAlone, opts(false, round));
    const bareResult = bareCell ?? (await measureCell(bare, opts(false, round)));
    const off = hitFirst ? await measureCell(cacheOff, opts(true, round)) : undefined;
    const hitsBefore = await cacheHitsCounted(cacheAll.server.port);
    const miss = await measureCell(cacheAll, opts(true, round));
    // Every prompt of a miss cell is new: a hit there would measure replays, not misses.
    const replayed = (await cacheHitsCounted(cacheAll.server.port)) - hitsBefore;
    if (replayed > 0) throw new Error(`the cache-miss cell was answered ${replayed} times from the cache`);
    const offResult = off ?? (await measureCell(cacheOff, opts(true, round)));
    cells.bare?.push(bareResult);
    cells.hit?.push(hit);
    cells.alone?.push(alone);
    cells.miss?.push(miss);
    cells.off?.push(offResult);
    hitRatios.push(hit.load.requestsPerSecond / bareResult.load.requestsPerSecond);
    aloneRatios.push(alone.load.requestsPerSecond / bareResult.load.requestsPerSecond);
    missCpuRatios.push(miss.cpuMicrosPerRequest / offResult.cpuMicrosPerRequest);
    missRpsRatios.push(offResult.load.requestsPerSecond / miss.load.requestsPerSecond);
    progress(
      `cache round ${round + 1}: hit ${hit.load.requestsPerSecond.toFixed(0)} (cache alone ${alone.load.requestsPerSecond.toFixed(0)}) vs bare ${bareResult.load.requestsPerSecond.toFixed(0)} req/s; ` +
        `miss ${miss.load.requestsPerSecond.toFixed(0)} vs off ${offResult.load.requestsPerSecond.toFixed(0)} req/s`,
    );
  }
  const figures = (list: CellResult[]) => {
    const cell = medianCell(list);
    return [
      cell.load.requestsPerSecond.toFixed(0),
      ms(cell.load.latency.p50),
      ms(cell.load.latency.p99),
      cell.cpuMicrosPerRequest.toFixed(0),
    ];
  };
  const hitRatio = median(hitRatios);
  const aloneRatio = median(aloneRatios);
  const missCpu = median(missCpuRatios);
  const missRps = median(missRpsRatios);
  const text = table(
    `Response cache, c = 50, non-streaming (median of ${rounds} interleaved rounds)`,
    ['target', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req'],
    [
      ['bare', 'same prompt, upstream call', ...figures(cells.bare ?? [])],
      ['switchyard', 'cache hit (mode all, same prompt)', ...figures(cells.hit ?? [])],
      ['switchyard', 'cache hit, the cache alone', ...figures(cells.alone ?? [])],
      ['switchyard', 'cache miss (mode all, new prompts)', ...figures(cells.miss ?? [])],
      ['switchyard', 'cache off (new prompts)', ...figures(cells.off ?? [])],
    ],
  );
  return {
    table: text,
    lines: [
      {
        figure: 'cache hit throughput / bare proxy (c=50)',
        limit: '≥ 0.90',
        measured: ratio(hitRatio),
        ok: Number.isFinite(hitRatio) ? hitRatio >= 0.9 : undefined,
      },
      {
        figure: 'cache hit throughput / bare proxy, the cache alone (c=50)',
        limit: '≥ 0.90',
        measured: ratio(aloneRatio),
        ok: Number.isFinite(aloneRatio) ? aloneRatio >= 0.9 : undefined,
      },
      {
        figure: 'cache miss CPU per request / cache off (c=50)',
        limit: '≤ 1.03',
        measured: ratio(missCpu),
        ok: Number.isFinite(missCpu) ? missCpu <= 1.03 : undefined,
      },
      {
        figure: 'cache off throughput / cache miss (c=50)',
        limit: '≤ 1.03',
        measured: ratio(missRps),
        ok: Number.isFinite(missRps) ? missRps <= 1.03 : undefined,
      },
    ],
  };
}

/** Fails the bench when a cache target does not answer as its scenario assumes. */
async function expectCacheStatus(target: Target, unique: boolean, expected: string): Promise<void> {
  const url = `http://127.0.0.1:${target.server.port}/v1/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.key !== undefined) headers.authorization = `Bearer ${target.key}`;
  let status: string | null = null;
  for (let i = 0; i < 3; i++) {
    const body = benchRequestBody(target.model, false).replace(
      'fox do?',
      unique ? `fox do? check-${Date.now()}-${i}` : 'fox do?',
    );
    const response = await fetch(url, { method: 'POST', headers, body });
    await response.arrayBuffer();
    status = response.headers.get('x-switchyard-cache');
    // A hit needs the first answer stored: it is, once the response has ended; try again briefly.
    if (status === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${target.name}: expected x-switchyard-cache ${expected}, got ${status}`);
}

/** Others' CPU use above this share of one CPU makes a cell run again (up to MAX_ATTEMPTS times). */
const NOISE_LIMIT = 0.1;
const MAX_ATTEMPTS = 3;
/** Longest wait for other processes (a type-check, a test run) to finish before a measurement. */
const QUIET_WAIT_MS = 15_000;

/** The round whose throughput is the median (the lower middle one of an even count). */
function medianCell(cells: CellResult[]): CellResult {
  const sorted = [...cells].sort((a, b) => a.load.requestsPerSecond - b.load.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)] as CellResult;
}

function median(values: number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length / 2;
  return sorted.length % 2 === 1
    ? (sorted[Math.floor(mid)] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function measureCell(
  target: Target,
  options: {
    connections: number;
    stream: boolean;
    unpinned?: boolean;
    warmupSeconds?: number;
    unique?: boolean;
  },
): Promise<CellResult> {
  const cpu = options.unpinned ? undefined : LOAD_CPU;
  const base = {
    port: target.server.port,
    connections: options.connections,
    model: target.model,
    stream: options.stream,
    key: target.key,
    cpu,
    // A new prompt per request unless told otherwise: with the cache on, the cells measure misses.
    unique: options.unique ?? true,
  };
  await waitForQuiet(QUIET_WAIT_MS);
  await runLoad({ ...base, seconds: options.warmupSeconds ?? warmupSeconds });
  let best: CellResult | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (attempt > 1) await waitForQuiet(QUIET_WAIT_MS);
    const result = await measureOnce(target, base);
    if (best === undefined || result.otherCpu < best.otherCpu) best = result;
    if (best.otherCpu <= NOISE_LIMIT) break;
    progress(
      `${target.name}: other processes used ${(result.otherCpu * 100).toFixed(0)} % of a CPU; measuring again`,
    );
  }
  return best as CellResult;
}

async function measureOnce(target: Target, base: Omit<LoadOptions, 'seconds'>): Promise<CellResult> {
  const targetPids = processTree(target.server.child.pid as number);
  const ourPids = () => started.flatMap((server) => processTree(server.child.pid as number));
  resetPeakRss(targetPids);
  const machineBefore = machineCpuSeconds();
  const stealBefore = machineStealSeconds();
  const oursBefore = cpuSeconds(ourPids());
  const targetBefore = cpuSeconds(targetPids);
  const load = await runLoad({ ...base, seconds });
  const targetAfter = cpuSeconds(processTree(target.server.child.pid as number));
  const oursAfter = cpuSeconds(ourPids());
  const machineAfter = machineCpuSeconds();
  const stealAfter = machineStealSeconds();
  const other = machineAfter - machineBefore - (oursAfter - oursBefore) - load.loadCpuSeconds;
  return {
    load,
    cpuMicrosPerRequest:
      load.requests > 0 ? ((targetAfter - targetBefore) * 1e6) / load.requests : Number.NaN,
    peakRssMb: peakRssMb(processTree(target.server.child.pid as number)),
    otherCpu: Math.max(0, other / load.seconds),
    stealCpu: Math.max(0, (stealAfter - stealBefore) / load.seconds),
  };
}

function atMost(x: number, limit: number): boolean | undefined {
  return Number.isFinite(x) ? x <= limit : undefined;
}

function sharedLine(shared: SharedResult): BudgetLine {
  const figure = 'added p50 on Redis + PostgreSQL, c=1';
  const limit = '≤ memory + 0.3 ms';
  if ('skipped' in shared) return { figure, limit, measured: shared.skipped, ok: undefined };
  const direct = shared.direct.load.latency.p50;
  const onMemory = shared.memory.load.latency.p50 - direct;
  const onShared = shared.shared.load.latency.p50 - direct;
  return {
    figure,
    limit,
    measured: `${signedMs(onShared)} ms (memory ${signedMs(onMemory)})`,
    ok: atMost(onShared - onMemory, 0.3),
  };
}

type SharedResult = { direct: CellResult; memory: CellResult; shared: CellResult } | { skipped: string };

/**
 * Redis state and a PostgreSQL store against the memory state and SQLite, one request at a time, in
 * interleaved rounds with the upstream called directly (the rows are the median rounds).
 */
async function measureShared(direct: Target, memory: Target, shared: Target): Promise<SharedResult> {
  const cells: Record<'direct' | 'memory' | 'shared', CellResult[]> = { direct: [], memory: [], shared: [] };
  const order: ['direct' | 'memory' | 'shared', Target][] = [
    ['direct', direct],
    ['memory', memory],
    ['shared', shared],
  ];
  for (let round = 0; round < rounds; round++) {
    for (const [name, target] of round % 2 === 0 ? order : [...order].reverse()) {
      cells[name].push(
        await measureCell(target, {
          connections: 1,
          stream: false,
          warmupSeconds: round === 0 ? warmupSeconds : Math.min(1, warmupSeconds),
        }),
      );
    }
    progress(`shared state round ${round + 1} done`);
  }
  // The median by p50, the figure this scenario is about (medianCell picks by throughput).
  const byP50 = (list: CellResult[]) =>
    [...list].sort((a, b) => a.load.latency.p50 - b.load.latency.p50)[
      Math.floor((list.length - 1) / 2)
    ] as CellResult;
  return { direct: byP50(cells.direct), memory: byP50(cells.memory), shared: byP50(cells.shared) };
}

interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
}

interface TtfbResult {
  ok: number;
  count: number;
  eventsPerStream: number;
  headersMs: Percentiles;
  firstEventMs: Percentiles;
  totalMs: Percentiles;
}

interface ProbeResult {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

/** bench/c1-probe.ts: one JSON completion at a time, each timed by the client. */
async function measureOneAtATime(target: Target): Promise<ProbeResult> {
  await waitForQuiet(QUIET_WAIT_MS);
  const stdout = await runToEnd(
    pinnedNode(LOAD_CPU, [
      join(here, 'c1-probe.ts'),
      `http://127.0.0.1:${target.server.port}/v1/chat/completions`,
      String(quick ? 5000 : 20_000),
      target.key ?? '',
    ]),
    180_000,
  );
  return JSON.parse(stdout) as ProbeResult;
}

async function measureTtfb(target: Target): Promise<TtfbResult> {
  await waitForQuiet(QUIET_WAIT_MS);
  const stdout = await runToEnd(
    pinnedNode(LOAD_CPU, [
      join(here, 'stream-probe.ts'),
      'ttfb',
      `http://127.0.0.1:${target.server.port}/v1/chat/completions`,
      String(ttfbCount),
      target.key ?? '',
    ]),
    120_000,
  );
  return JSON.parse(stdout) as TtfbResult;
}

interface OpenResult {
  count: number;
  ok: number;
  peakOpen: number;
  allOpenMs: number;
  peakRssMb: number;
  idleRssMb: number;
  firstEventMs: Percentiles;
}

async function measureOpenStreams(target: Target): Promise<OpenResult> {
  await waitForQuiet(QUIET_WAIT_MS);
  const pids = processTree(target.server.child.pid as number);
  const idleRssMb = peakRssMb(pids);
  resetPeakRss(pids);
  const stdout = await runToEnd(
    pinnedNode(LOAD_CPU, [
      join(here, 'stream-probe.ts'),
      'open',
      `http://127.0.0.1:${target.server.port}/v1/chat/completions`,
      String(openStreams),
      `${target.upstreamPrefix}drip-${dripMs}`,
      target.key ?? '',
    ]),
    120_000,
  );
  const result = JSON.parse(stdout) as Omit<OpenResult, 'peakRssMb' | 'idleRssMb'>;
  return { ...result, idleRssMb, peakRssMb: peakRssMb(processTree(target.server.child.pid as number)) };
}

async function timedLaunch(
  name: string,
  port: number,
  argv: string[],
  readyMs = 20_000,
): Promise<{ server: Started; startupMs: number; idleRssMb: number }> {
  const startedAt = performance.now();
  const server = startServer({ name, port, argv, cpu: TARGET_CPU, logFile: join(workDir, `${name}.log`) });
  started.push(server);
  await waitForPort(server, readyMs);
  const startupMs = performance.now() - startedAt;
  return { server, startupMs, idleRssMb: peakRssMb(processTree(server.child.pid as number)) };
}

async function waitForWorkers(server: Started, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && processTree(server.child.pid as number).length < count + 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Each worker listens once its config is compiled; a second of requests settles them all in.
  await runLoad({
    port: server.port,
    connections: 10,
    seconds: 1,
    model: BENCH_MODEL,
    stream: false,
    key: BENCH_TENANT_KEY,
    cpu: undefined,
  });
}

function pinnedNode(cpu: string | undefined, args: string[]): string[] {
  const argv = [process.execPath, ...args];
  return cpu !== undefined && hasTaskset ? ['taskset', '-c', cpu, ...argv] : argv;
}

/** One JSON and one streamed completion must come back well-formed; returns chunks per stream. */
async function sanityCheck(target: Target): Promise<number> {
  const url = `http://127.0.0.1:${target.server.port}/v1/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.key !== undefined) headers.authorization = `Bearer ${target.key}`;
  // A new prompt each time: with the cache on, the stream must not be a replay of the JSON answer.
  const messages = () => [{ role: 'user', content: `hi ${process.hrtime.bigint()}` }];
  const json = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: target.model, messages: messages() }),
  });
  const completion = (await json.json()) as { object?: string; usage?: unknown };
  if (json.status !== 200 || completion.object !== 'chat.completion' || completion.usage === undefined)
    throw new Error(`${target.name}: bad JSON completion (${json.status}): ${JSON.stringify(completion)}`);
  const sse = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      model: target.model,
      messages: messages(),
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  const text = await sse.text();
  const events = text.split('\n\n').filter((event) => event.startsWith('data: '));
  if (sse.status !== 200 || events.at(-1) !== 'data: [DONE]')
    throw new Error(`${target.name}: bad stream (${sse.status}): ${text.slice(-300)}`);
  const chunks = events
    .slice(0, -1)
    .map((event) => JSON.parse(event.slice(6)) as { object?: string; usage?: unknown });
  if (
    chunks.some((chunk) => chunk.object !== 'chat.completion.chunk') ||
    !chunks.some((chunk) => chunk.usage)
  )
    throw new Error(`${target.name}: stream chunks are not chat.completion.chunk with a usage chunk`);
  return chunks.length;
}

/** The gateway's `switchyard_cache_requests_total{result="hit"}`. */
async function cacheHitsCounted(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text
    .split('\n')
    .find((row) => row.startsWith('switchyard_cache_requests_total{result="hit"}'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function requestsCounted(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('switchyard_requests_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function countLogLines(file: string): Promise<number> {
  const needle = Buffer.from('"msg":"request"');
  let count = 0;
  let carry = Buffer.alloc(0);
  for await (const piece of createReadStream(file)) {
    const buffer = Buffer.concat([carry, piece as Buffer]);
    let at = buffer.indexOf(needle);
    let end = 0;
    while (at !== -1) {
      count++;
      end = at + needle.length;
      at = buffer.indexOf(needle, end);
    }
    carry = buffer.subarray(Math.max(end, buffer.length - needle.length));
  }
  return count;
}

// ---- tables --------------------------------------------------------------------------------------

function latencyTable(
  results: Record<string, CellResult>,
  stream: boolean,
  chunks: Record<string, number>,
  roundRatios: Record<string, number[]>,
): string {
  const kind = stream ? 'stream' : 'json';
  const rows: Cell[][] = [];
  for (const connections of [1, 50, 500]) {
    const direct = results[`${kind}|${connections}|direct`];
    const bare = results[`${kind}|${connections}|bare`];
    for (const name of targetNames) {
      const cell = results[`${kind}|${connections}|${name}`];
      if (cell === undefined) continue;
      const l = cell.load;
      const row: Cell[] = [name === 'direct' ? `c=${connections}` : '', name, l.requestsPerSecond];
      if (stream) row.push(l.requestsPerSecond * (chunks[name] ?? 0));
      const perRound = roundRatios[`${kind}|${connections}`];
      row.push(
        name === 'direct' || bare === undefined
          ? ''
          : name === 'switchyard' && perRound !== undefined && perRound.length > 0
            ? ratio(median(perRound))
            : ratio(l.requestsPerSecond / bare.load.requestsPerSecond),
        ms(l.latency.p50),
        ms(l.latency.p99),
        ms(l.latency.p999),
        name === 'direct' || direct === undefined ? '' : signedMs(l.latency.p50 - direct.load.latency.p50),
        name === 'direct' || direct === undefined ? '' : signedMs(l.latency.p99 - direct.load.latency.p99),
        cell.cpuMicrosPerRequest,
        cell.peakRssMb,
        String(l.errors),
        `${(cell.otherCpu * 100).toFixed(0)} %${cell.otherCpu > NOISE_LIMIT ? ' !' : ''}`,
        `${(cell.stealCpu * 100).toFixed(0)} %`,
      );
      rows.push(row);
    }
  }
  const columns = ['conns', 'target', stream ? 'streams/s' : 'req/s'];
  if (stream) columns.push('chunks/s');
  columns.push(
    'vs bare',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    '+p50 ms',
    '+p99 ms',
    'cpu µs/req',
    'RSS MB',
    'errors',
    'others',
    'steal',
  );
  const title = stream
    ? `Streaming (${chunks.switchyard ?? '?'} chunks per stream incl. usage, then [DONE]; latency = whole stream; chunks/s = streams/s × chunks)`
    : 'Non-streaming';
  const perRound = [1, 50, 500]
    .map((c) => `c=${c} ${(roundRatios[`${kind}|${c}`] ?? []).map(ratio).join(' ')}`)
    .join(', ');
  const note =
    `each row: the median of ${rounds} interleaved round(s); switchyard's "vs bare" is the median of the rounds' ratios (${perRound})\n` +
    'others: CPU used by other processes on the machine during the cell, in % of one CPU; above ' +
    `${NOISE_LIMIT * 100} % a cell is measured again (up to ${MAX_ATTEMPTS} times) and "!" marks one that never got quiet\n` +
    'steal: CPU time the hypervisor gave to other guests during the cell, in % of one CPU; a few % already turn cross-CPU wake-ups from microseconds into milliseconds, so c=1 latencies are not comparable with a quiet run';
  return `${table(title, columns, rows)}\n${note}`;
}

function sharedTable(shared: SharedResult): string {
  const title = 'State and store: memory + SQLite against Redis + PostgreSQL (non-streaming, c=1)';
  if ('skipped' in shared) return `${title}\nskipped: ${shared.skipped}`;
  const direct = shared.direct.load.latency;
  const rows: Cell[][] = (
    [
      ['direct', shared.direct],
      ['switchyard, memory state, SQLite store', shared.memory],
      ['switchyard, Redis state, PostgreSQL store', shared.shared],
    ] as const
  ).map(([name, cell]) => [
    name,
    ms(cell.load.latency.p50),
    ms(cell.load.latency.p99),
    name === 'direct' ? '' : signedMs(cell.load.latency.p50 - direct.p50),
    name === 'direct' ? '' : signedMs(cell.load.latency.p99 - direct.p99),
    cell.cpuMicrosPerRequest,
  ]);
  return table(title, ['target', 'p50 ms', 'p99 ms', '+p50 ms', '+p99 ms', 'cpu µs/req'], rows);
}

function perRequestTable(probe: Record<string, ProbeResult>): string {
  const direct = probe.direct;
  const rows: Cell[][] = targetNames.map((name) => {
    const r = probe[name] as ProbeResult;
    return [
      name,
      r.n,
      ms(r.p50),
      ms(r.p99),
      ms(r.p999),
      name === 'direct' || direct === undefined ? '' : signedMs(r.p50 - direct.p50),
      name === 'direct' || direct === undefined ? '' : signedMs(r.p99 - direct.p99),
    ];
  });
  return table(
    'Non-streaming, one request at a time, each timed by the client (bench/c1-probe.ts, after 3,000 to warm up)',
    ['target', 'requests', 'p50 ms', 'p99 ms', 'p99.9 ms', '+p50 ms', '+p99 ms'],
    rows,
  );
}

function ttfbTable(ttfb: Record<string, TtfbResult>): string {
  const direct = ttfb.direct;
  const rows: Cell[][] = targetNames.map((name) => {
    const t = ttfb[name] as TtfbResult;
    return [
      name,
      `${t.ok}/${t.count}`,
      ms(t.firstEventMs.p50),
      ms(t.firstEventMs.p99),
      ms(t.firstEventMs.p999),
      name === 'direct' || direct === undefined ? '' : signedMs(t.firstEventMs.p50 - direct.firstEventMs.p50),
      name === 'direct' || direct === undefined ? '' : signedMs(t.firstEventMs.p99 - direct.firstEventMs.p99),
      ms(t.headersMs.p50),
      ms(t.totalMs.p50),
    ];
  });
  return table(
    'Streaming time to first byte (first `data:` event), one stream at a time',
    ['target', 'ok', 'p50 ms', 'p99 ms', 'p99.9 ms', '+p50 ms', '+p99 ms', 'headers p50', 'whole p50'],
    rows,
  );
}

function openStreamsTable(open: Record<string, OpenResult>): string {
  const bare = open.bare;
  const rows: Cell[][] = Object.entries(open).map(([name, r]) => [
    name,
    `${r.ok}/${r.count}`,
    r.peakOpen,
    r.allOpenMs,
    ms(r.firstEventMs.p50),
    r.idleRssMb,
    r.peakRssMb,
    name === 'direct' || bare === undefined ? '' : ratio(r.peakRssMb / bare.peakRssMb),
  ]);
  return table(
    `${openStreams.toLocaleString('en-US')} concurrent open streams (each ${20} chunks ${dripMs} ms apart; fresh processes)`,
    [
      'target',
      'ok',
      'open at once',
      'all open ms',
      'first event p50 ms',
      'RSS before MB',
      'peak RSS MB',
      'vs bare',
    ],
    rows,
  );
}

function configSizeTable(
  sizes: Record<string, { c1: CellResult; c50: CellResult; startupMs: number; idleRssMb: number }>,
): string {
  const small = sizes.small;
  const rows: Cell[][] = Object.entries(sizes).map(([name, s]) => [
    name === 'small'
      ? '1 provider, 1 model, 1 tenant'
      : `${LARGE_PROVIDERS} providers, ${LARGE_MODELS} models, ${LARGE_TENANTS} tenants`,
    ms(s.c1.load.latency.p50),
    ms(s.c1.load.latency.p99),
    name === 'small' || small === undefined
      ? ''
      : signedMs(s.c1.load.latency.p50 - small.c1.load.latency.p50),
    s.c50.load.requestsPerSecond,
    name === 'small' || small === undefined
      ? ''
      : ratio(s.c50.load.requestsPerSecond / small.c50.load.requestsPerSecond),
    s.c50.cpuMicrosPerRequest,
    s.startupMs,
    s.idleRssMb,
  ]);
  return table(
    'Config size (non-streaming; same process settings)',
    [
      'config',
      'c=1 p50 ms',
      'c=1 p99 ms',
      'Δp50 ms',
      'c=50 req/s',
      'vs small',
      'cpu µs/req',
      'start ms',
      'RSS MB',
    ],
    rows,
  );
}

function workersTable(workers: Record<string, CellResult>): string {
  const one = workers[1];
  const rows: Cell[][] = Object.entries(workers).map(([count, cell]) => [
    `--workers ${count}`,
    cell.load.requestsPerSecond,
    one === undefined ? '' : ratio(cell.load.requestsPerSecond / one.load.requestsPerSecond),
    ms(cell.load.latency.p50),
    ms(cell.load.latency.p99),
    cell.peakRssMb,
  ]);
  return table(
    `Workers (non-streaming c=50, unpinned: gateway, load and upstream share all ${cpuCount} CPUs)`,
    ['gateway', 'req/s', 'vs 1 worker', 'p50 ms', 'p99 ms', 'RSS MB'],
    rows,
  );
}

/** The targets of issue 18 (and docs/design.md §4), each with its figure from this run. */
function budgetLines(
  roundRatios: Record<string, number[]>,
  results: Record<string, CellResult>,
  perRequest: Record<string, ProbeResult>,
  ttfb: Record<string, TtfbResult>,
  open: Record<string, OpenResult>,
  sizes: Record<string, { c1: CellResult; c50: CellResult }>,
  shared: SharedResult,
): BudgetLine[] {
  const get = (key: string) => results[key]?.load as LoadResult;
  const throughput = (kind: string, c: number) => median(roundRatios[`${kind}|${c}`] ?? []);
  const addedP50 = get('json|1|switchyard').latency.p50 - get('json|1|direct').latency.p50;
  const addedP99 = get('json|1|switchyard').latency.p99 - get('json|1|direct').latency.p99;
  const bareP50 = get('json|1|bare').latency.p50 - get('json|1|direct').latency.p50;
  const bareP99 = get('json|1|bare').latency.p99 - get('json|1|direct').latency.p99;
  const probeP99 = (perRequest.switchyard?.p99 ?? Number.NaN) - (perRequest.direct?.p99 ?? Number.NaN);
  const probeBareP99 = (perRequest.bare?.p99 ?? Number.NaN) - (perRequest.direct?.p99 ?? Number.NaN);
  const ttfbAdded =
    (ttfb.switchyard?.firstEventMs.p50 ?? Number.NaN) - (ttfb.direct?.firstEventMs.p50 ?? Number.NaN);
  const rss = (open.switchyard?.peakRssMb ?? Number.NaN) / (open.bare?.peakRssMb ?? Number.NaN);
  const sizeRatio =
    (sizes.large?.c50.load.requestsPerSecond ?? Number.NaN) /
    (sizes.small?.c50.load.requestsPerSecond ?? Number.NaN);
  const sizeCpu =
    (sizes.large?.c50.cpuMicrosPerRequest ?? Number.NaN) /
    (sizes.small?.c50.cpuMicrosPerRequest ?? Number.NaN);
  const sizeP50 =
    (sizes.large?.c1.load.latency.p50 ?? Number.NaN) - (sizes.small?.c1.load.latency.p50 ?? Number.NaN);
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  const atLeast = (x: number, limit: number) => (Number.isFinite(x) ? x >= limit : undefined);
  const lines: BudgetLine[] = [
    {
      figure: 'JSON throughput vs bare, c=50',
      limit: '≥ 85 %',
      measured: pct(throughput('json', 50)),
      ok: atLeast(throughput('json', 50), 0.85),
    },
    {
      figure: 'stream throughput vs bare, c=50',
      limit: '≥ 85 %',
      measured: pct(throughput('stream', 50)),
      ok: atLeast(throughput('stream', 50), 0.85),
    },
    {
      figure: 'added p50 vs direct, c=1',
      limit: '≤ 0.3 ms',
      measured: `${signedMs(addedP50)} ms (bare ${signedMs(bareP50)})`,
      ok: atMost(addedP50, 0.3),
    },
    {
      figure: 'added p99 vs direct, c=1, timed per request',
      limit: '≤ 1.0 ms',
      measured: `${signedMs(probeP99)} ms (bare ${signedMs(probeBareP99)}; wrk: ${signedMs(addedP99)}, bare ${signedMs(bareP99)})`,
      ok: atMost(probeP99, 1.0),
    },
    {
      figure: 'stream time to first byte added (p50)',
      limit: '≤ 0.5 ms',
      measured: `${signedMs(ttfbAdded)} ms`,
      ok: atMost(ttfbAdded, 0.5),
    },
    {
      figure: `peak RSS, ${openStreams.toLocaleString('en-US')} open streams, vs bare`,
      limit: '≤ 1.2×',
      measured: `${ratio(rss)}×`,
      ok: atMost(rss, 1.2),
    },
    {
      figure: `cost per request, ${LARGE_MODELS.toLocaleString('en-US')} models / ${LARGE_TENANTS.toLocaleString('en-US')} tenants vs 1 / 1`,
      limit: 'flat',
      measured: `c=50 req/s ${pct(sizeRatio)}, CPU/req ${pct(sizeCpu)}, c=1 p50 ${signedMs(sizeP50)} ms`,
      ok:
        Number.isFinite(sizeRatio) && Number.isFinite(sizeP50)
          ? sizeRatio >= 0.95 && sizeP50 <= 0.05
          : undefined,
    },
  ];
  lines.push(sharedLine(shared));
  lines.push({
    figure: 'JSON throughput vs bare, c=500 (docs/design.md §4)',
    limit: '≥ 85 %',
    measured: pct(throughput('json', 500)),
    ok: atLeast(throughput('json', 500), 0.85),
  });
  return lines;
}

// ---- output ----------------------------------------------------------------------------------------

function headerText(): string {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    // Not a git checkout (an unpacked tarball): the commit is simply unknown.
  }
  const placement = pinning
    ? `targets pinned to CPU ${TARGET_CPU}; load generator on CPU ${LOAD_CPU}, fake upstream on CPU ${UPSTREAM_CPU}`
    : 'no CPU pinning (one CPU or no taskset)';
  return [
    `Switchyard bench ${new Date().toISOString()}  commit ${commit}  node ${process.version}`,
    `${cpus()[0]?.model ?? 'cpu'} × ${cpuCount}; load: ${loadGenerator} (1 thread); ${placement}`,
    `${quick ? 'quick' : 'full'} run: ${warmupSeconds} s warmup + ${seconds} s measured per cell; targets: direct (fake upstream), bare (undici proxy), switchyard (production: tenant key, RPM/TPM, budget, pricing, SQLite request log, cache misses, guardrails flag + local moderation, metrics, memory state, log to file)`,
  ].join('\n');
}

function printHeader(): void {
  process.stdout.write(`${headerText()}\n`);
  if (loadGenerator !== 'wrk')
    process.stdout.write('wrk is not installed (apt-get install -y wrk); autocannon latencies are coarser\n');
}

function progress(text: string): void {
  process.stderr.write(`  · ${text}\n`);
}

async function cleanup(): Promise<void> {
  for (const server of [...started].reverse()) await stopServer(server);
  if (workDir !== '' && !flags.keep) await rm(workDir, { recursive: true, force: true });
  else if (workDir !== '') process.stdout.write(`kept: ${workDir}\n`);
}

process.on('SIGINT', () => {
  cleanup().finally(() => process.exit(130));
});

try {
  await main();
} catch (error) {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  await cleanup();
}
