/**
 * Where the gateway's CPU goes under load (docs/style.md §2.9: profile, don't guess). Starts the fake
 * upstream and the gateway under `node --cpu-prof` with the bench's production config, drives it with wrk
 * (or autocannon) for a while, stops it so the profile is written, and prints self time by package
 * and by function, and inclusive time for the gateway's own functions.
 *
 *   node bench/profile.ts [--target switchyard|bare] [--stream] [--connections 50] [--seconds 10] [--top 40]
 *                         [--cache off|alone] [--no-unique] [--shared]   (the production config has the cache on and
 *                         gets a new prompt per request, i.e. misses; --no-unique sends one prompt (hits),
 *                         --cache off turns the cache off, --cache alone runs bench/configs.ts cacheAloneConfig,
 *                         --shared runs it on Redis state and PostgreSQL, --large the 1,000-model config,
 *                         --no-tenant the production config without its tenant: no key, limits or budget)
 *   node bench/profile.ts --analyze FILE.cpuprofile [--requests N]   the summary of an existing profile
 *
 * Times are also given per request (CPU µs / request), which compares directly with the bare proxy's.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptArgs } from '../scripts/command-line.ts';
import {
  BENCH_MODEL,
  BENCH_TENANT_KEY,
  configFor,
  LARGE_MODEL,
  LARGE_TENANT_KEY,
  TARGET_OPTIONS,
  writeConfigs,
} from './configs.ts';
import { runLoad } from './load.ts';
import {
  hasTaskset,
  type Started,
  startFakeUpstream,
  startServer,
  stopServer,
  waitForPort,
  waitForQuiet,
} from './processes.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const { values } = scriptArgs({
  allowNegative: true,
  options: {
    stream: { type: 'boolean', default: false },
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    top: { type: 'string', default: '40' },
    ...TARGET_OPTIONS,
    large: { type: 'boolean', default: false },
    analyze: { type: 'string' },
    requests: { type: 'string' },
  },
});

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Keeps only the samples taken between `fromMs` and `toMs` after the profile started (drops startup). */
function window(profile: Profile, fromMs: number, toMs: number): Profile {
  const hits = new Map<number, number>();
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    const at = (time - profile.startTime) / 1000;
    if (at < fromMs || at > toMs) continue;
    const id = profile.samples[i] as number;
    samples.push(id);
    timeDeltas.push(profile.timeDeltas[i] ?? 0);
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  return {
    nodes: profile.nodes.map((node) => ({ ...node, hitCount: hits.get(node.id) ?? 0 })),
    startTime: profile.startTime + fromMs * 1000,
    endTime: profile.startTime + Math.min(toMs, (profile.endTime - profile.startTime) / 1000) * 1000,
    samples,
    timeDeltas,
  };
}

function category(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return (rest[0] ?? '').startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? '?');
  }
  const src = url.indexOf('/src/');
  return src === -1 ? url : url.slice(src + 1);
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) return url.slice(modules + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  return src === -1 ? url.replace(/^file:\/\//, '') : url.slice(src + 1);
}

export function summarize(profile: Profile, top: number, requests: number | undefined): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totalSamples = profile.samples.length;
  const ms = (samples: number) => (samples / totalSamples) * ((profile.endTime - profile.startTime) / 1000);
  const pct = (samples: number) => {
    const share = `${((samples / totalSamples) * 100).toFixed(1).padStart(5)} %`;
    if (requests === undefined) return share;
    return `${share} ${((ms(samples) * 1000) / requests).toFixed(2).padStart(7)} µs/req`;
  };
  const idle = profile.nodes
    .filter((node) => node.callFrame.functionName === '(idle)')
    .reduce((sum, node) => sum + node.hitCount, 0);

  const selfByCategory = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const cat = category(url, functionName);
    selfByCategory.set(cat, (selfByCategory.get(cat) ?? 0) + node.hitCount);
    const key = `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + node.hitCount);
  }

  // Inclusive time of the gateway's own functions: a node's hits plus its subtree's, counted once per
  // function on each stack so recursion does not double count.
  const inclusive = new Map<string, number>();
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id) as ProfileNode;
    let total = node.hitCount;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = url.includes('/src/')
      ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`
      : '';
    const added = key !== '' && !onStack.has(key);
    if (added) onStack.add(key);
    for (const child of node.children ?? []) total += walk(child, onStack);
    if (added) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + total);
    }
    return total;
  };
  walk(profile.nodes[0]?.id as number, new Set());

  const busy = totalSamples - idle;
  const lines: string[] = [];
  lines.push(
    `profile: ${ms(totalSamples).toFixed(0)} ms sampled, ${pct(busy).trim()} busy (${ms(busy).toFixed(0)} ms); percentages are of all samples`,
  );
  const list = (title: string, entries: Map<string, number>, count: number) => {
    lines.push('', title);
    for (const [name, samples] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      lines.push(`  ${pct(samples)}  ${name}`);
    }
  };
  list('self time by package / file', selfByCategory, 25);
  list('self time by function', selfByFunction, top);
  list('inclusive time, src/ functions', inclusive, 30);
  return lines.join('\n');
}

async function profileTarget(): Promise<{ file: string; requests: number; fromMs: number; toMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-profile-'));
  const upstreamPort = 19_451;
  const gatewayPort = 19_452;
  const configs = await writeConfigs(dir, `http://127.0.0.1:${upstreamPort}`);
  const pin = hasTaskset ? { target: '1', load: '0' } : { target: undefined, load: undefined };
  const servers: Started[] = [];
  try {
    servers.push(await startFakeUpstream(upstreamPort, pin.load, dir));
    const bare = values.target === 'bare';
    const profiling = [process.execPath, '--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${dir}`];
    const gateway = startServer({
      name: values.target ?? 'switchyard',
      port: gatewayPort,
      argv: bare
        ? [...profiling, join(here, 'bare-proxy.ts'), String(gatewayPort), `http://127.0.0.1:${upstreamPort}`]
        : [
            ...profiling,
            join(root, 'bin', 'switchyard.js'),
            'start',
            '--config',
            configFor(configs, values),
            '--port',
            String(gatewayPort),
          ],
      cpu: pin.target,
      logFile: join(dir, 'target.log'),
    });
    const spawnedAt = performance.now();
    servers.push(gateway);
    await waitForPort(gateway, 20_000);
    await waitForQuiet(15_000);
    const loadStartMs = performance.now() - spawnedAt;
    const load = await runLoad({
      port: gatewayPort,
      connections: Number(values.connections),
      seconds: Number(values.seconds),
      model: values.large ? LARGE_MODEL : BENCH_MODEL,
      stream: values.stream === true,
      key: bare ? undefined : values.large ? LARGE_TENANT_KEY : BENCH_TENANT_KEY,
      cpu: pin.load,
      unique: values.unique === true,
    });
    process.stderr.write(
      `load: ${load.requestsPerSecond.toFixed(0)} req/s, p50 ${load.latency.p50.toFixed(3)} ms, errors ${load.errors}\n`,
    );
    await stopServer(gateway);
    const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error(`no profile written in ${dir}`);
    process.stderr.write(`profile: ${join(dir, file)} (${load.requests} requests)\n`);
    // The first second of load is warmup (JIT, pool connections); wrk's own start-up is in it too.
    const fromMs = loadStartMs + 1000;
    const toMs = loadStartMs + load.seconds * 1000;
    return {
      file: join(dir, file),
      requests: load.requests * ((toMs - fromMs) / (load.seconds * 1000)),
      fromMs,
      toMs,
    };
  } finally {
    for (const server of servers.reverse()) await stopServer(server);
  }
}

const run =
  values.analyze === undefined
    ? await profileTarget()
    : {
        file: values.analyze,
        requests: values.requests === undefined ? undefined : Number(values.requests),
        fromMs: 0,
        toMs: Number.POSITIVE_INFINITY,
      };
const profile = window(JSON.parse(await readFile(run.file, 'utf8')) as Profile, run.fromMs, run.toMs);
process.stdout.write(`${summarize(profile, Number(values.top), run.requests)}\n`);
