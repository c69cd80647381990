/**
 * What garbage collection costs the target per request under load, from V8's own record of every
 * collection (`--trace-gc-nvp`): the scavenges of the main thread (how often, how long, how much they
 * promote to the old generation) and its mark-compacts. A scavenge's pause grows with what survives it,
 * so the bytes promoted per request tell how much of a request's garbage lives long enough to be copied.
 * Beside them, the CPU each of the target's threads spent per request (the event loop, V8's helpers,
 * libuv's pool, the SQLite log thread), to read the pauses against the event loop's own time. Last, the
 * target's peak resident memory since it started (a run of `--seconds 60` or more fills the default
 * 64 MiB cache with new prompts, to read what the cache really holds against `--cache off`).
 *
 *   node bench/gc-cost.ts [--target switchyard|bare] [--cache off|alone] [--no-unique] [--no-tenant]
 *                         [--shared] [--stream] [--seconds 10] [--warmup 5] [--connections 50]
 *                         [--node-flags="--max-semi-space-size=16 …"]   (V8 flags for the target's node;
 *                         the `=` is needed, as the value starts with a dash)
 *
 * The configs and flags are bench/profile.ts's: the production config with the cache on and a new prompt
 * per request (misses); --no-unique sends one prompt (hits). The target is pinned to CPU 1, wrk and the
 * fake upstream to CPU 0. Pauses are wall-clock time of the main thread (the scavenger's helper threads
 * work alongside it); on a host whose CPU is shared they move with the neighbours, so compare runs of
 * the same minute, alternated.
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptArgs } from '../scripts/command-line.ts';
import { BENCH_MODEL, BENCH_TENANT_KEY, configFor, TARGET_OPTIONS, writeConfigs } from './configs.ts';
import { runLoad } from './load.ts';
import {
  cpuSeconds,
  gatewayArgv,
  hasTaskset,
  peakRssMb,
  processTree,
  type Started,
  startFakeUpstream,
  startServer,
  stopServer,
  threadCpuSeconds,
  waitForPort,
} from './processes.ts';

const here = dirname(fileURLToPath(import.meta.url));

const { values } = scriptArgs({
  allowNegative: true,
  options: {
    ...TARGET_OPTIONS,
    stream: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    'node-flags': { type: 'string', default: '' },
  },
});

/** One collection as --trace-gc-nvp prints it: `[pid:isolate:thread]  <ms> ms: pause=… gc=s … promoted=…`. */
interface Collection {
  /** 0 is the main thread's isolate; workers (the SQLite log thread) have their own. */
  thread: number;
  kind: string;
  pauseMs: number;
  promotedBytes: number;
}

const NVP_LINE = /^\[\d+:0x[0-9a-f]+:(\d+)\]\s+[\d.]+ ms: pause=([\d.]+) .*?\bgc=(\w+)\b/;

function parseCollections(text: string): Collection[] {
  const collections: Collection[] = [];
  for (const line of text.split('\n')) {
    const match = NVP_LINE.exec(line);
    if (match === null) continue;
    collections.push({
      thread: Number(match[1]),
      kind: match[3] as string,
      pauseMs: Number(match[2]),
      promotedBytes: Number(/\bpromoted=(\d+)/.exec(line)?.[1] ?? 0),
    });
  }
  return collections;
}

/** The bytes a file gained since `from`: what the target logged during the measured load. */
function readFrom(path: string, from: number): string {
  return readFileSync(path).subarray(from).toString('utf8');
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-gc-cost-'));
  const ports = { upstream: 19_461, target: 19_462 };
  const upstreamUrl = `http://127.0.0.1:${ports.upstream}`;
  const configs = await writeConfigs(dir, upstreamUrl);
  const pin = hasTaskset ? { target: '1', load: '0' } : { target: undefined, load: undefined };
  const bare = values.target === 'bare';
  const nodeFlags = ['--trace-gc-nvp', ...values['node-flags'].split(/\s+/).filter((flag) => flag !== '')];
  const [node, ...gatewayArgs] = gatewayArgv(configFor(configs, values), ports.target);
  const argv = bare
    ? [process.execPath, ...nodeFlags, join(here, 'bare-proxy.ts'), String(ports.target), upstreamUrl]
    : [node as string, ...nodeFlags, ...gatewayArgs];
  // The target's output: V8's trace lines among the gateway's own (kept, for reading them whole).
  const logFile = join(dir, 'target.log');
  process.stderr.write(`target output: ${logFile}\n`);
  const servers: Started[] = [];
  try {
    servers.push(await startFakeUpstream(ports.upstream, pin.load, dir));
    const target = startServer({
      name: String(values.target),
      port: ports.target,
      argv,
      cpu: pin.target,
      logFile,
    });
    servers.push(target);
    await waitForPort(target, 20_000);
    const load = (seconds: number) =>
      runLoad({
        port: ports.target,
        connections: Number(values.connections),
        seconds,
        model: BENCH_MODEL,
        stream: values.stream,
        key: bare || values.tenant === false || values.cache === 'alone' ? undefined : BENCH_TENANT_KEY,
        cpu: pin.load,
        unique: values.unique,
      });
    await load(Number(values.warmup));
    const pid = target.child.pid as number;
    const pids = processTree(pid);
    const logFrom = statSync(logFile).size;
    const cpuBefore = cpuSeconds(pids);
    const threadsBefore = threadCpuSeconds(pid);
    const result = await load(Number(values.seconds));
    const cpu = cpuSeconds(pids) - cpuBefore;
    const threads = new Map<string, number>();
    for (const [name, seconds] of threadCpuSeconds(pid))
      threads.set(name, seconds - (threadsBefore.get(name) ?? 0));
    const peakRss = peakRssMb(pids);
    const collections = parseCollections(readFrom(logFile, logFrom)).filter((gc) => gc.thread === 0);
    // Ten seconds of load always collects: none read means the trace's format is not the one parsed here.
    if (collections.length === 0) throw new Error(`no --trace-gc-nvp line of the main thread in ${logFile}`);
    report(result.requests, result.requestsPerSecond, cpu, threads, collections, peakRss);
  } finally {
    for (const server of servers.reverse()) await stopServer(server);
  }
}

function report(
  requests: number,
  perSecond: number,
  cpu: number,
  threads: Map<string, number>,
  collections: Collection[],
  peakRss: number,
): void {
  const perRequestUs = (ms: number) => ((ms * 1000) / requests).toFixed(1);
  const scavenges = collections.filter((gc) => gc.kind === 's');
  const majors = collections.filter((gc) => gc.kind !== 's');
  const sum = (list: Collection[], field: 'pauseMs' | 'promotedBytes') =>
    list.reduce((total, gc) => total + gc[field], 0);
  const scavengeMs = sum(scavenges, 'pauseMs');
  const promoted = sum(scavenges, 'promotedBytes');
  const what = `${values.target}${values.target === 'bare' ? '' : ` (cache ${values.cache ?? 'all'}${values.tenant ? '' : ', no tenant'})`}`;
  process.stdout.write(
    `${what}, ${values.unique ? 'new prompts' : 'same prompt'}${values['node-flags'] ? `, node ${values['node-flags']}` : ''}: ` +
      `${requests.toLocaleString('en-US')} requests, ${perSecond.toFixed(0)} req/s, ${((cpu * 1e6) / requests).toFixed(1)} µs CPU a request\n` +
      `  main thread: ${scavenges.length} scavenges, ${perRequestUs(scavengeMs)} µs a request ` +
      `(${(scavengeMs / Math.max(1, scavenges.length)).toFixed(2)} ms each), promoting ${(promoted / requests / 1024).toFixed(2)} KiB a request; ` +
      `${majors.length} mark-compacts, ${perRequestUs(sum(majors, 'pauseMs'))} µs a request; peak RSS ${peakRss.toFixed(0)} MB\n` +
      `  CPU a request by thread: ${[...threads]
        .filter(([, seconds]) => seconds > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([name, seconds]) => `${name} ${perRequestUs(seconds * 1000)} µs`)
        .join(', ')}\n`,
  );
}

await main();
