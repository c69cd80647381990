/**
 * Live latency while a large batch job comes in (issue 16): the gateway in its own process (pinned to
 * one CPU when taskset exists) with the production configuration plus a `batch` section, the bench's
 * fake upstream in another, and this process as the client. One live request at a time (c = 1, a new
 * prompt each, so the cache does not answer) is timed in five phases: idle, while a 50,000-line JSONL
 * file is uploaded (streamed from disk), while the job's lines are validated and stored (until the job
 * leaves `validating`), idle again, and a final idle phase to show the noise between two idle phases.
 *
 *   npm run bench:batch-intake -- [--lines 50000] [--idle 2000] [--port 19471]   (about 25 s)
 *
 * The provider batch is never sent during the run (flush_interval_s is an hour): what is measured is
 * the gateway's own work on the job, not the upstream's.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { scriptArgs } from '../scripts/command-line.ts';
import { writeFile } from 'node:fs/promises';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { BENCH_MODEL, BENCH_TENANT_KEY, productionConfig } from './configs.ts';
import {
  gatewayArgv,
  hasTaskset,
  type Started,
  startFakeUpstream,
  startServer,
  stopServer,
  waitForPort,
} from './processes.ts';

const { values } = scriptArgs({
  options: {
    lines: { type: 'string', default: '50000' },
    idle: { type: 'string', default: '2000' },
    port: { type: 'string', default: '19471' },
  },
});
const LINES = Number(values.lines);
const IDLE_REQUESTS = Number(values.idle);
const ports = { upstream: Number(values.port), gateway: Number(values.port) + 1 };
const BOUNDARY = 'switchyard-bench-upload';
const auth = { authorization: `Bearer ${BENCH_TENANT_KEY}` };

let probeId = 0;

/** Times one live request after another until `stop` says so or `count` were sent. */
async function liveLatencies(pool: Pool, count: number, stop: () => boolean): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count && !stop(); i++) {
    const body = JSON.stringify({
      model: BENCH_MODEL,
      messages: [{ role: 'user', content: `live probe ${probeId++}` }],
      max_tokens: 16,
      temperature: 0.3,
    });
    const started = performance.now();
    const response = await pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...auth, 'content-type': 'application/json' },
      body,
    });
    await response.body.arrayBuffer();
    if (response.statusCode !== 200) throw new Error(`live request answered ${response.statusCode}`);
    out.push(performance.now() - started);
  }
  return out;
}

async function writeInput(path: string): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < LINES; i++) {
    const line = JSON.stringify({
      custom_id: `big-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: BENCH_MODEL,
        max_tokens: 4,
        messages: [{ role: 'user', content: `question number ${i}` }],
      },
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The multipart upload streamed from disk, as the `openai` SDK sends it. */
async function upload(path: string): Promise<string> {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="large.jsonl"\r\n` +
      'Content-Type: application/jsonl\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const size = (await stat(path)).size;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: ports.gateway,
        path: '/v1/files',
        method: 'POST',
        headers: {
          ...auth,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': String(head.length + size + tail.length),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        res.on('end', () =>
          res.statusCode === 200
            ? resolve((JSON.parse(text) as { id: string }).id)
            : reject(new Error(`upload answered ${res.statusCode}: ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.write(head);
    const file = createReadStream(path);
    file.pipe(req, { end: false });
    file.on('end', () => req.end(tail));
  });
}

/** Creates the job and waits, polling every 100 ms, until its intake is over. */
async function intake(control: Pool, fileId: string): Promise<void> {
  const created = await control.request({
    method: 'POST',
    path: '/v1/batches',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    }),
  });
  const job = (await created.body.json()) as { id: string; status: string };
  if (created.statusCode !== 200) throw new Error(`creating the batch answered ${created.statusCode}`);
  for (;;) {
    const polled = await control.request({ method: 'GET', path: `/v1/batches/${job.id}`, headers: auth });
    const current = (await polled.body.json()) as { status: string; request_counts: { total: number } };
    if (current.status !== 'validating') {
      if (current.request_counts.total !== LINES)
        throw new Error(`the job holds ${current.request_counts.total} lines, not ${LINES}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function row(name: string, values: number[], ms?: number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const figures = [50, 90, 99].map((p) => percentile(sorted, p).toFixed(3).padStart(7));
  const span = ms === undefined ? '' : `  (${(ms / 1000).toFixed(1)} s)`;
  return `${name.padEnd(22)}${String(values.length).padStart(7)}${figures.join('')}${span}`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-batch-intake-'));
  const servers: Started[] = [];
  try {
    const upstreamUrl = `http://127.0.0.1:${ports.upstream}`;
    const config = {
      ...productionConfig(upstreamUrl, { state: 'memory', store: `sqlite:${join(dir, 'store.db')}` }),
      batch: { flush_interval_s: 3600, max_batch_size: 50_000, files_dir: join(dir, 'files') },
    };
    const configPath = join(dir, 'switchyard.yaml');
    await writeFile(configPath, stringify(config, { aliasDuplicateObjects: false }));
    const input = join(dir, 'input.jsonl');
    await writeInput(input);
    servers.push(await startFakeUpstream(ports.upstream, hasTaskset ? '1' : undefined, dir));
    const gateway = startServer({
      name: 'switchyard',
      port: ports.gateway,
      argv: gatewayArgv(configPath, ports.gateway),
      cpu: hasTaskset ? '0' : undefined,
      logFile: join(dir, 'gateway.log'),
    });
    servers.push(gateway);
    await waitForPort(gateway, 30_000);

    const live = new Pool(`http://127.0.0.1:${ports.gateway}`, { connections: 1 });
    const control = new Pool(`http://127.0.0.1:${ports.gateway}`, { connections: 1 });
    await liveLatencies(live, 3000, () => false); // warm-up: the JIT settles
    const measure = async (work: () => Promise<unknown>): Promise<{ latencies: number[]; ms: number }> => {
      let busy = true;
      const started = performance.now();
      const during = liveLatencies(live, Number.MAX_SAFE_INTEGER, () => !busy);
      await work();
      const ms = performance.now() - started;
      busy = false;
      return { latencies: await during, ms };
    };
    const idleBefore = await liveLatencies(live, IDLE_REQUESTS, () => false);
    let fileId = '';
    const uploading = await measure(async () => {
      fileId = await upload(input);
    });
    const idleBetween = await liveLatencies(live, IDLE_REQUESTS, () => false);
    const intaking = await measure(() => intake(control, fileId));
    const idleAfter = await liveLatencies(live, IDLE_REQUESTS, () => false);
    const size = (await stat(input)).size;
    process.stdout.write(
      `Live latency during a ${LINES.toLocaleString('en-US')}-line batch job (${(size / 1e6).toFixed(1)} MB), ` +
        `c = 1, gateway in its own process${hasTaskset ? ' pinned to CPU 0' : ''}\n` +
        `${'phase'.padEnd(22)}${'req'.padStart(7)}${'p50 ms'.padStart(7)}${'p90 ms'.padStart(7)}${'p99 ms'.padStart(7)}\n` +
        `${row('idle', idleBefore)}\n${row('during the upload', uploading.latencies, uploading.ms)}\n` +
        `${row('idle', idleBetween)}\n${row('during intake', intaking.latencies, intaking.ms)}\n` +
        `${row('idle', idleAfter)}\n`,
    );
    await live.close();
    await control.close();
  } finally {
    for (const server of servers.reverse()) await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
