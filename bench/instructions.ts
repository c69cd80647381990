/**
 * Instructions per request, counted by valgrind's callgrind: the one figure of this machine that other
 * guests on the host cannot move (wall-clock CPU per request drifts by ±25 % here within minutes).
 * It counts user-space instructions of every thread of the target (JIT code, GC, the compiler), not
 * the kernel's share (syscalls, wake-ups) nor how fast they run (cache misses), so it complements the
 * bench's CPU figures rather than replacing them.
 *
 *   node bench/instructions.ts [--target switchyard|bare] [--stream] [--warmup 5000] [--requests 2000]
 *                              [--port 19431]   (the fake upstream's; the target listens on the next one)
 *                              [--cache off|alone] [--no-unique] [--shared]   (the production config, cache on, a
 *                              new prompt every request: misses; --no-unique sends one prompt (hits),
 *                              --cache off turns the cache off, --cache alone runs cacheAloneConfig,
 *                              --shared uses Redis state and PostgreSQL, --no-tenant drops the tenant: no
 *                              key, limits or budget)
 *                              [--config FILE]   (any gateway config instead, for taking one stage away)
 *                              [--threads]   (also each thread's share: the event loop is thread 1; the
 *                              others are V8's helpers (GC, the compiler) and, last, the SQLite log thread;
 *                              threads under 100 instructions a request are left out)
 *
 * The target runs under callgrind with instrumentation off; after the warm-up requests (the JIT has
 * tiered up by then) it is switched on for exactly `--requests` requests at 50 in flight, then off.
 * Runs of the same build differ by up to ±3 % for JSON and ±6 % for streams (the JIT, the GC and the
 * timers do not run at the same moments), so compare medians of a few runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scriptArgs } from '../scripts/command-line.ts';
import { Pool } from 'undici';
import {
  BENCH_MODEL,
  BENCH_TENANT_KEY,
  benchRequestBody,
  configFor,
  TARGET_OPTIONS,
  writeConfigs,
} from './configs.ts';
import {
  commandExists,
  type Started,
  sleep,
  startFakeUpstream,
  startServer,
  stopServer,
  waitForPort,
} from './processes.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const { values } = scriptArgs({
  allowNegative: true,
  options: {
    ...TARGET_OPTIONS,
    stream: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '5000' },
    requests: { type: 'string', default: '2000' },
    port: { type: 'string', default: '19431' },
    config: { type: 'string' },
    threads: { type: 'boolean', default: false },
  },
});
const CONCURRENCY = 50;
const ports = { upstream: Number(values.port), target: Number(values.port) + 1 };

async function main(): Promise<void> {
  if (!commandExists('valgrind') || !commandExists('callgrind_control')) {
    process.stderr.write('valgrind is not installed (apt-get install -y valgrind)\n');
    process.exit(2);
  }
  const workDir = await mkdtemp(join(tmpdir(), 'switchyard-instructions-'));
  const upstreamUrl = `http://127.0.0.1:${ports.upstream}`;
  const node = process.execPath;
  const isGateway = values.target === 'switchyard';
  const configs = await writeConfigs(workDir, upstreamUrl);
  const config = values.config ?? configFor(configs, values);
  const targetArgv = isGateway
    ? [join(root, 'bin', 'switchyard.js'), 'start', '--config', config, '--port', String(ports.target)]
    : [join(here, 'bare-proxy.ts'), String(ports.target), upstreamUrl];
  const outFile = join(workDir, 'callgrind.out');
  const servers: Started[] = [];
  try {
    servers.push(await startFakeUpstream(ports.upstream, undefined, workDir));
    const target = startServer({
      name: String(values.target),
      port: ports.target,
      argv: [
        'valgrind',
        '--tool=callgrind',
        '--instr-atstart=no',
        ...(values.threads ? ['--separate-threads=yes'] : []),
        `--callgrind-out-file=${outFile}`,
        node,
        ...targetArgv,
      ],
      cpu: undefined,
      logFile: join(workDir, 'target.log'),
    });
    servers.push(target);
    await waitForPort(target, 180_000);
    const pid = String(target.child.pid);

    const send = requestSender(
      ports.target,
      isGateway ? BENCH_TENANT_KEY : undefined,
      values.stream,
      values.unique,
    );
    await send(Number(values.warmup));
    execFileSync('callgrind_control', ['--instr=on', pid], { stdio: 'ignore' });
    const measured = Number(values.requests);
    await send(measured);
    execFileSync('callgrind_control', ['--instr=off', pid], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
    await sleep(500);
    const { total, byThread } = await countedInstructions(workDir);
    const kind = `${values.stream ? 'streamed' : 'JSON'} (production${values.shared ? ' on Redis/PostgreSQL' : ''}, cache ${values.cache ?? 'all'}, ${values.unique ? 'new prompts' : 'same prompt'})`;
    process.stdout.write(
      `${values.target}: ${Math.round(total / measured).toLocaleString('en-US')} instructions per ${kind} request ` +
        `(${total.toLocaleString('en-US')} over ${measured} requests after ${values.warmup} to warm up)\n`,
    );
    if (values.threads) {
      const shares = [...byThread]
        .filter(([, count]) => count / measured >= 100)
        .map(([thread, count]) => `${thread}: ${Math.round(count / measured).toLocaleString('en-US')}`);
      process.stdout.write(`  per request, by thread: ${shares.join(', ')}\n`);
    }
  } finally {
    for (const server of servers.reverse()) await stopServer(server);
  }
}

/** Sends exactly `count` completions with CONCURRENCY in flight and reads each answer to its end. */
function requestSender(port: number, key: string | undefined, stream: boolean, unique: boolean) {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY });
  const template = benchRequestBody(BENCH_MODEL, stream, unique);
  let sent = 0;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  return async (count: number): Promise<void> => {
    let left = count;
    const worker = async () => {
      while (left > 0) {
        left--;
        sent++;
        const body = unique ? template.replace('[<id>]', `#${sent}`) : template;
        const response = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body });
        await response.body.text();
        if (response.statusCode !== 200) throw new Error(`the target answered ${response.statusCode}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
}

/**
 * The `totals:` line of every dump callgrind wrote (one per `--dump`, one at exit), in all and by thread
 * (with --separate-threads=yes each thread's dump is a file of its own, named `…-<thread>`).
 */
async function countedInstructions(
  workDir: string,
): Promise<{ total: number; byThread: Map<number, number> }> {
  let total = 0;
  const byThread = new Map<number, number>();
  for (const name of (await readdir(workDir)).sort()) {
    if (!name.startsWith('callgrind.out')) continue;
    const thread = Number(/-(\d+)$/.exec(name)?.[1] ?? 1);
    const text = await readFile(join(workDir, name), 'utf8');
    for (const line of text.split('\n')) {
      if (!line.startsWith('totals:')) continue;
      const count = Number(line.split(/\s+/)[1]);
      total += count;
      byThread.set(thread, (byThread.get(thread) ?? 0) + count);
    }
  }
  return { total, byThread };
}

await main();
