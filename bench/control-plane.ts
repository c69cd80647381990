/**
 * What the control plane costs on the hot path (issue 11): the same gateway and upstream, once with no
 * tenant at all (single-user mode) and once with a tenant key, RPM/TPM/concurrency limits and a hard
 * budget (so every request is authenticated, tokenized for its estimate, admitted, priced and settled),
 * measured in interleaved rounds at c=50; then the added p50 at c=1 of the same on the Redis state.
 *
 *   npm run bench:control-plane [-- --rounds N --seconds N --redis redis://127.0.0.1:6379/15]
 *
 * Prints one table with the ratio (median of the rounds' ratios) and whether it holds the issue's
 * "within 5 %". Uses the bench's fake upstream (answers at once) and its load generator (wrk if
 * installed, else autocannon); targets pinned to CPU 1 and the load to CPU 0 where taskset exists.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptArgs } from '../scripts/command-line.ts';
import { stringify } from 'yaml';
import { BENCH_MODEL, BENCH_TENANT_KEY } from './configs.ts';
import { type LoadResult, loadGenerator, runLoad } from './load.ts';
import { hasTaskset, type Started, startServer, stopServer, waitForPort } from './processes.ts';

const { values: flags } = scriptArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '2' },
    redis: { type: 'string', default: process.env.SWITCHYARD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14' },
  },
});
const rounds = Math.max(1, Number(flags.rounds));
const seconds = Math.max(1, Number(flags.seconds));
const warmup = Math.max(0, Number(flags.warmup));
const pinning = availableParallelism() >= 2 && hasTaskset;
const TARGET_CPU = pinning ? '1' : undefined;
const LOAD_CPU = pinning ? '0' : undefined;
const ports = { upstream: 19_421, plain: 19_422, controlled: 19_423, redis: 19_424 };
const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..');
const upstreamUrl = `http://127.0.0.1:${ports.upstream}`;
const started: Started[] = [];

function provider() {
  return { fake: { type: 'openai-compatible', base_url: `${upstreamUrl}/v1`, keys: ['sk-upstream-bench'] } };
}

function config(kind: 'plain' | 'controlled' | 'redis', dir: string): Record<string, unknown> {
  const base = {
    server: { host: '127.0.0.1' },
    providers: provider(),
    models: { [BENCH_MODEL]: { strategy: 'fallback', targets: ['fake/gpt-4o-mini'] } },
    store: `sqlite:${join(dir, `${kind}.db`)}`,
  };
  if (kind === 'plain') return { ...base, state: 'memory' };
  return {
    ...base,
    // Limits and a budget no bench run reaches: every check runs, none refuses.
    tenants: {
      bench: {
        keys: [BENCH_TENANT_KEY],
        rate_limit: { rpm: 1_000_000_000, tpm: 1_000_000_000_000, concurrent: 100_000 },
        budget: { usd: 1_000_000, period: 'day', mode: 'hard' },
      },
    },
    state: kind === 'redis' ? flags.redis : 'memory',
  };
}

async function launch(name: string, port: number, argv: string[]): Promise<Started> {
  const server = startServer({ name, port, argv, cpu: TARGET_CPU, logFile: join(workDir, `${name}.log`) });
  started.push(server);
  await waitForPort(server, 20_000);
  return server;
}

async function measure(port: number, key: string | undefined, connections: number): Promise<LoadResult> {
  const base = { port, connections, model: BENCH_MODEL, stream: false, key, cpu: LOAD_CPU };
  if (warmup > 0) await runLoad({ ...base, seconds: warmup });
  return runLoad({ ...base, seconds });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function redisAnswers(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

let workDir = '';

async function main(): Promise<void> {
  workDir = await mkdtemp(join(tmpdir(), 'switchyard-bench-cp-'));
  const node = process.execPath;
  const gatewayArgv = (file: string, port: number) => [
    node,
    join(root, 'bin', 'switchyard.js'),
    'start',
    '--config',
    file,
    '--port',
    String(port),
  ];
  const useRedis = await redisAnswers(flags.redis as string);
  console.log(
    `control-plane bench: ${rounds} interleaved rounds, ${warmup} s warmup + ${seconds} s per cell, load: ${loadGenerator}${pinning ? ', targets on CPU 1, load on CPU 0' : ''}${useRedis ? `, redis ${flags.redis}` : ', no redis answering: redis row skipped'}`,
  );
  await launch('upstream', ports.upstream, [node, join(here, 'fake-upstream.ts'), String(ports.upstream)]);
  const kinds = useRedis ? (['plain', 'controlled', 'redis'] as const) : (['plain', 'controlled'] as const);
  for (const kind of kinds) {
    const file = join(workDir, `${kind}.yaml`);
    await writeFile(file, stringify(config(kind, workDir)));
    await launch(kind, ports[kind], gatewayArgv(file, ports[kind]));
  }

  const ratios: number[] = [];
  const rps: Record<'plain' | 'controlled', number[]> = { plain: [], controlled: [] };
  for (let round = 0; round < rounds; round++) {
    // Alternate the order, so drift over a round lands on both alike.
    const order = round % 2 === 0 ? (['plain', 'controlled'] as const) : (['controlled', 'plain'] as const);
    const results: Partial<Record<'plain' | 'controlled', LoadResult>> = {};
    for (const kind of order) {
      results[kind] = await measure(ports[kind], kind === 'plain' ? undefined : BENCH_TENANT_KEY, 50);
      if ((results[kind]?.errors ?? 0) > 0) throw new Error(`${kind}: ${results[kind]?.errors} errors`);
    }
    rps.plain.push(results.plain?.requestsPerSecond ?? 0);
    rps.controlled.push(results.controlled?.requestsPerSecond ?? 0);
    ratios.push((results.controlled?.requestsPerSecond ?? 0) / (results.plain?.requestsPerSecond ?? 1));
    console.log(
      `round ${round + 1}: plain ${rps.plain.at(-1)?.toFixed(0)} req/s, controlled ${rps.controlled.at(-1)?.toFixed(0)} req/s, ratio ${ratios.at(-1)?.toFixed(3)}`,
    );
  }

  const p50: Record<string, number[]> = { plain: [], controlled: [], redis: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of kinds) {
      const result = await measure(ports[kind], kind === 'plain' ? undefined : BENCH_TENANT_KEY, 1);
      p50[kind]?.push(result.latency.p50);
    }
  }
  const ratio = median(ratios);
  const rows = [
    ['c=50 throughput, plain (no tenant)', `${median(rps.plain).toFixed(0)} req/s`, ''],
    ['c=50 throughput, tenant + limits + budget (memory)', `${median(rps.controlled).toFixed(0)} req/s`, ''],
    ['ratio (median of rounds), target ≥ 0.95', ratio.toFixed(3), ratio >= 0.95 ? 'holds' : 'does not hold'],
    ['c=1 p50, plain', `${median(p50.plain ?? []).toFixed(3)} ms`, ''],
    [
      'c=1 p50, tenant + limits + budget (memory)',
      `${median(p50.controlled ?? []).toFixed(3)} ms`,
      `+${(median(p50.controlled ?? []) - median(p50.plain ?? [])).toFixed(3)} ms`,
    ],
  ];
  if (useRedis)
    rows.push([
      'c=1 p50, tenant + limits + budget (redis)',
      `${median(p50.redis ?? []).toFixed(3)} ms`,
      `+${(median(p50.redis ?? []) - median(p50.plain ?? [])).toFixed(3)} ms over plain, +${(median(p50.redis ?? []) - median(p50.controlled ?? [])).toFixed(3)} ms over memory`,
    ]);
  const width = Math.max(...rows.map((row) => (row[0] as string).length));
  console.log('');
  for (const [name, value, note] of rows)
    console.log(`${(name as string).padEnd(width)}  ${(value as string).padStart(12)}  ${note}`);
}

try {
  await main();
} finally {
  for (const server of started.reverse()) await stopServer(server);
  if (workDir !== '') await rm(workDir, { recursive: true, force: true });
}
