/**
 * Closed-loop load from a separate process: wrk when installed (C, microsecond latencies, one thread
 * per core it is given), otherwise autocannon from devDependencies (Node; coarser latencies, and it
 * needs more CPU per request, so its ceiling is lower: the table says which one ran).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchRequestBody } from './configs.ts';
import { commandExists, pinned, runMeasured } from './processes.ts';

const here = dirname(fileURLToPath(import.meta.url));

export const loadGenerator: 'wrk' | 'autocannon' = commandExists('wrk') ? 'wrk' : 'autocannon';

export interface LoadOptions {
  port: number;
  connections: number;
  seconds: number;
  model: string;
  stream: boolean;
  /** Tenant key sent as a bearer token; undefined for targets that need none. */
  key: string | undefined;
  cpu: string | undefined;
  /** A new prompt on every request (the cache scenario's misses); default: the same body each time. */
  unique?: boolean;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Milliseconds. */
  latency: { p50: number; p99: number; p999: number; mean: number };
  errors: number;
  /** CPU time the load generator itself used. */
  loadCpuSeconds: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  return loadGenerator === 'wrk' ? runWrk(options) : runAutocannon(options);
}

async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-wrk-'));
  const resultFile = join(dir, 'result.json');
  try {
    const run = await runMeasured(
      pinned(options.cpu, [
        'wrk',
        '-t1',
        `-c${options.connections}`,
        `-d${options.seconds}s`,
        '--timeout',
        '10s',
        '-s',
        join(here, 'wrk-chat.lua'),
        `http://127.0.0.1:${options.port}`,
      ]),
      (options.seconds + 30) * 1000,
      {
        BENCH_MODEL: options.model,
        BENCH_STREAM: options.stream ? '1' : '0',
        BENCH_AUTH: options.key ?? '',
        BENCH_RESULT: resultFile,
        BENCH_UNIQUE: options.unique ? '1' : '0',
        // New for every run: a warm-up run and the measured run must not share prompts.
        BENCH_RUN_ID: randomBytes(6).toString('hex'),
      },
    );
    const raw = JSON.parse(readFileSync(resultFile, 'utf8')) as {
      requests: number;
      duration_us: number;
      errors: Record<string, number>;
      latency_us: { mean: number; p50: number; p99: number; p999: number };
    };
    const seconds = raw.duration_us / 1e6;
    return {
      requests: raw.requests,
      seconds,
      requestsPerSecond: raw.requests / seconds,
      latency: {
        p50: raw.latency_us.p50 / 1000,
        p99: raw.latency_us.p99 / 1000,
        p999: raw.latency_us.p999 / 1000,
        mean: raw.latency_us.mean / 1000,
      },
      errors: Object.values(raw.errors).reduce((sum, n) => sum + n, 0),
      loadCpuSeconds: run.cpuSeconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const body = benchRequestBody(options.model, options.stream, options.unique === true);
  const headers = ['-H', 'content-type=application/json'];
  if (options.unique) headers.push('-I');
  if (options.key !== undefined) headers.push('-H', `authorization=Bearer ${options.key}`);
  const { stdout, cpuSeconds } = await runMeasured(
    pinned(options.cpu, [
      process.execPath,
      join(here, '..', 'node_modules', 'autocannon', 'autocannon.js'),
      '--json',
      '-c',
      String(options.connections),
      '-d',
      String(options.seconds),
      '-m',
      'POST',
      ...headers,
      '-b',
      body,
      `http://127.0.0.1:${options.port}/v1/chat/completions`,
    ]),
    (options.seconds + 30) * 1000,
  );
  const raw = JSON.parse(stdout) as {
    requests: { total: number };
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    latency: { p50: number; p99: number; p99_9: number; mean: number };
  };
  return {
    requests: raw.requests.total,
    seconds: raw.duration,
    requestsPerSecond: raw.requests.total / raw.duration,
    latency: { p50: raw.latency.p50, p99: raw.latency.p99, p999: raw.latency.p99_9, mean: raw.latency.mean },
    errors: raw.errors + raw.timeouts + raw.non2xx,
    loadCpuSeconds: cpuSeconds,
  };
}
