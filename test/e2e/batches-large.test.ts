/**
 * A 50,000-line job (issue 16): uploaded as a stream from disk, accepted, stored line by line, sent in
 * provider batches of `max_batch_size` and split back into one output file, while live chat requests
 * keep being answered. The live latency figures are printed (no timing assertion: the machine is
 * shared, and this process also runs the client and the fake); bench/batch-intake.ts measures them with
 * the gateway in its own process (docs/batches.md).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBatchOptions } from '../../src/demo/fakes/openai/batches.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const LINES = 50_000;
const BOUNDARY = 'switchyard-large-upload';

let fake: FakeServer;
let gw: TestGateway;
let dir: string;
// Held back until the intake is measured, so the fake's own work (same process) does not pollute it.
const fakeBatches: FakeBatchOptions = { processingMs: 3_600_000 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-batch-large-'));
  fake = await startFakeOpenAI({ keys: ['sk-up'], batches: fakeBatches });
  gw = await startTestGateway(
    {
      // The ordinary body limit is far below the file: the upload never goes through a buffered read.
      server: { body_limit_bytes: 1024 * 1024 },
      providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
      models: { smart: { targets: ['openai/gpt-4.1'] } },
      batch: {
        // One provider batch for the whole job, sent once intake is done: the fake (in this process)
        // then does its work after the measured window.
        flush_interval_s: 30,
        max_batch_size: 50_000,
        poll_interval_s: 0.05,
        max_poll_interval_s: 0.2,
        files_dir: join(dir, 'files'),
      },
    },
    { store: await openStore(`sqlite:${join(dir, 'store.db')}`) },
  );
});

afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Streams the multipart upload from disk: the test holds no more of the file than the gateway does. */
async function uploadFromDisk(path: string): Promise<{ id: string }> {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="large.jsonl"\r\n` +
      'Content-Type: application/jsonl\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const size = (await stat(path)).size;
  const url = new URL(`${gw.url}/v1/files`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
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
          res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode} ${text}`)),
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

async function liveLatencies(count: number, stop: () => boolean = () => false): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count && !stop(); i++) {
    const started = performance.now();
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', max_tokens: 4, messages: [{ role: 'user', content: 'ping' }] }),
    });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    out.push(performance.now() - started);
  }
  return out;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

describe('a 50,000-line job', () => {
  it('is accepted, stored and split back while live requests keep flowing', async () => {
    const path = join(dir, 'input.jsonl');
    const rows: string[] = [];
    for (let i = 0; i < LINES; i++)
      rows.push(
        JSON.stringify({
          custom_id: `big-${i}`,
          method: 'POST',
          url: '/v1/chat/completions',
          body: {
            model: 'smart',
            max_tokens: 4,
            messages: [{ role: 'user', content: `question number ${i}` }],
          },
        }),
      );
    await writeFile(path, `${rows.join('\n')}\n`);
    rows.length = 0;

    const baseline = await liveLatencies(200);
    const measure = async <T>(
      work: () => Promise<T>,
    ): Promise<{ value: T; latencies: number[]; ms: number }> => {
      let busy = true;
      const started = performance.now();
      const during = liveLatencies(100_000, () => !busy);
      const value = await work();
      const ms = performance.now() - started;
      busy = false;
      return { value, latencies: await during, ms };
    };
    const heapBefore = process.memoryUsage().heapUsed;
    const upload = await measure(() => uploadFromDisk(path));
    const batches = gw.gateway.batches;
    if (batches === undefined) throw new Error('no batch service');
    const intake = await measure(async () => {
      const job = await fetch(`${gw.url}/v1/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          input_file_id: upload.value.id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
        }),
      }).then((r) => r.json() as Promise<{ id: string }>);
      for (;;) {
        const current = await batches.store.getJob(job.id);
        if (current?.status === 'in_progress') return job;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    const job = intake.value;
    const heapAfter = process.memoryUsage().heapUsed;
    const counts = await batches.store.jobLineCounts(job.id);
    expect(counts.total).toBe(LINES);
    const figures = (name: string, values: number[]) =>
      `${name} p50 ${percentile(values, 50).toFixed(2)} ms / p95 ${percentile(values, 95).toFixed(2)} ms (${values.length} requests)`;
    console.log(
      `50k-line job (${((await stat(path)).size / 1e6).toFixed(1)} MB): live ${figures('idle', baseline)}; ` +
        `${figures(`during the upload (${upload.ms.toFixed(0)} ms)`, upload.latencies)}; ` +
        `${figures(`during intake (${intake.ms.toFixed(0)} ms)`, intake.latencies)}; ` +
        `test-process heap ${(heapBefore / 1e6).toFixed(0)} → ${(heapAfter / 1e6).toFixed(0)} MB`,
    );

    // Now let the provider answer; the results are split back into the job's output file.
    fakeBatches.processingMs = 0;
    let status = '';
    let output: string | null = null;
    for (let i = 0; i < 1200 && status !== 'completed'; i++) {
      const current = await batches.store.getJob(job.id);
      status = current?.status ?? '';
      output = current?.outputFileId ?? null;
      if (status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('completed');
    // Every line went upstream exactly once, in provider batches of at most max_batch_size lines.
    const uploads = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/files');
    const perBatch = uploads.map((r) => r.rawBody.match(/"custom_id":"sy_\d+"/g)?.length ?? 0);
    expect(perBatch.reduce((a, b) => a + b, 0)).toBe(LINES);
    expect(Math.max(...perBatch)).toBeLessThanOrEqual(50_000);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches')).toHaveLength(
      uploads.length,
    );
    const final = await batches.store.jobLineCounts(job.id);
    expect(final).toMatchObject({ total: LINES, succeeded: LINES, failed: 0, pending: 0 });
    let seen = 0;
    const unique = new Set<string>();
    for await (const { text } of batches.files.lines(output as string)) {
      seen++;
      unique.add((JSON.parse(text) as { custom_id: string }).custom_id);
    }
    expect(seen).toBe(LINES);
    expect(unique.size).toBe(LINES);
  }, 180_000);
});
