/**
 * Batches survive kill -9 (issue 16): a gateway process (`switchyard start --config FILE`, SQLite store)
 * is killed with SIGKILL after its provider batch was submitted and before the results came, then a
 * new process is started on the same store and files: every line completes exactly once and the
 * provider saw exactly one submission. Killed while the live path sends lines one by one, the answers
 * it got are kept and only the other lines are sent again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBatchOptions } from '../../src/demo/fakes/openai/batches.ts';
import { startMistralFake } from '../../src/demo/fakes/mistral/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import type { BatchStore } from '../../src/store/batch-types.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { startTestGateway } from '../helpers/gateway.ts';

const BIN = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url));
const LINES = 40;

interface GatewayProcess {
  child: ChildProcess;
  client: OpenAI;
}

function startProcess(configPath: string): Promise<GatewayProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'start', '--config', configPath, '--port', '0', '--host', '127.0.0.1'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'warn' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${stderr}`)), 20_000);
    child.once('exit', (code, signal) => reject(new Error(`gateway exited (${code ?? signal}): ${stderr}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const listening = /Switchyard listening on (\S+)/.exec(buffered);
      if (listening !== null) {
        clearTimeout(timer);
        buffered = '';
        const client = new OpenAI({
          baseURL: `${listening[1]}/v1`,
          apiKey: 'unused',
          maxRetries: 0,
          timeout: 15_000,
        });
        resolve({ child, client });
      }
    });
  });
}

async function kill9(gateway: GatewayProcess): Promise<void> {
  if (gateway.child.exitCode !== null || gateway.child.signalCode !== null) return;
  const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
  gateway.child.kill('SIGKILL');
  await exited;
}

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let fake: FakeServer;
let dir: string;
const running: GatewayProcess[] = [];
// Long enough that the kill lands while the provider batch is in progress upstream.
const fakeBatches: FakeBatchOptions = { processingMs: 1500 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-batch-kill-'));
  fake = await startFakeOpenAI({ keys: ['sk-up'], batches: fakeBatches });
});

afterAll(async () => {
  for (const gateway of running) await kill9(gateway);
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A job of `count` chat lines (`<prefix>-<i>`, "line <i>") to `model`, uploaded and created. */
async function submitLines(client: OpenAI, prefix: string, count: number, model: string) {
  const input = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      custom_id: `${prefix}-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model, max_tokens: 8, messages: [{ role: 'user', content: `line ${i}` }] },
    }),
  ).join('\n');
  const file = await client.files.create({
    file: await toFile(Buffer.from(input), 'in.jsonl'),
    purpose: 'batch',
  });
  return client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
}

describe('a gateway killed with SIGKILL mid-batch', () => {
  it('completes every line exactly once after a restart, with one provider submission', async () => {
    const configPath = join(dir, 'switchyard.yaml');
    const config = {
      providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
      models: { smart: { targets: ['openai/gpt-4.1'] } },
      store: `sqlite:${join(dir, 'switchyard.db')}`,
      batch: {
        flush_interval_s: 0.2,
        poll_interval_s: 0.1,
        max_poll_interval_s: 0.2,
        files_dir: join(dir, 'files'),
      },
    };
    await writeFile(configPath, JSON.stringify(config));

    const first = await startProcess(configPath);
    running.push(first);
    const job = await submitLines(first.client, 'k', LINES, 'smart');
    const submissions = () =>
      fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches').length;
    await until(() => submissions() === 1, 'the provider batch submission');
    // Give the gateway a moment to record the upstream id, then kill it before the results exist.
    await until(
      () => fake.requests.some((r) => r.method === 'GET' && r.path.startsWith('/v1/batches/')),
      'the first poll (the upstream id is recorded before polling)',
    );
    await kill9(first);

    const second = await startProcess(configPath);
    running.push(second);
    let done: OpenAI.Batch | undefined;
    await until(async () => {
      done = await second.client.batches.retrieve(job.id);
      return done.status === 'completed';
    }, 'the job to complete after the restart');
    expect(submissions()).toBe(1);
    expect(done?.request_counts).toEqual({ total: LINES, completed: LINES, failed: 0 });
    const text = await (await second.client.files.content(done?.output_file_id as string)).text();
    const ids = text
      .split('\n')
      .filter((row) => row !== '')
      .map((row) => (JSON.parse(row) as { custom_id: string }).custom_id);
    expect(ids).toHaveLength(LINES);
    expect(new Set(ids).size).toBe(LINES);
    expect(done?.error_file_id).toBeNull();
    await kill9(second);
  });
});

// Batch audit #5: a live send recorded nothing until its end, so a takeover sent every line again.
describe('a gateway killed with SIGKILL while it sends lines live', () => {
  it('has recorded the answers it got: the restart sends only the lines without one', async () => {
    const mistral = await startMistralFake({
      keys: ['mistral-key'],
      latency: { firstByteMs: 150, tokenIntervalMs: 0 },
    });
    const live = 20;
    try {
      const configPath = join(dir, 'live.yaml');
      const config = {
        providers: { mistral: { type: 'mistral', keys: ['mistral-key'], base_url: `${mistral.url}/v1` } },
        models: { large: { targets: ['mistral/mistral-large-latest'] } },
        store: `sqlite:${join(dir, 'live.db')}`,
        batch: {
          flush_interval_s: 0.1,
          poll_interval_s: 0.05,
          max_poll_interval_s: 0.1,
          live_concurrency: 1,
          files_dir: join(dir, 'live-files'),
        },
      };
      await writeFile(configPath, JSON.stringify(config));
      const first = await startProcess(configPath);
      running.push(first);
      const job = await submitLines(first.client, 'l', live, 'large');
      // Killed once some answers are recorded, long before the last line is sent.
      await until(
        async () => ((await first.client.batches.retrieve(job.id)).request_counts?.completed ?? 0) > 0,
        'the first answers recorded',
      );
      await kill9(first);
      const calls = () => mistral.requests.filter((r) => r.path === '/v1/chat/completions').length;
      const callsBefore = calls();

      const store = await SqliteStore.open(join(dir, 'live.db'));
      const batches = store.batches as BatchStore;
      const atKill = await batches.jobLineCounts(job.id);
      expect(atKill.succeeded).toBeGreaterThan(0);
      expect(atKill.pending).toBeGreaterThan(0);
      // What the send grace (150 s) would do: the row is due now.
      for (const row of await batches.openProviderBatches())
        await batches.updateProviderBatch(row.id, { nextPollAt: 0 });
      const second = await startTestGateway(config, { store });
      try {
        let status = '';
        await until(async () => {
          status = (await batches.getJob(job.id))?.status ?? '';
          return status === 'completed';
        }, 'the job to complete after the restart');
        expect(await batches.jobLineCounts(job.id)).toMatchObject({ succeeded: live, pending: 0 });
        // Only the lines with no answer recorded went out again.
        expect(calls() - callsBefore).toBe(atKill.pending);
        expect(calls()).toBeLessThanOrEqual(live + 1);
      } finally {
        await second.stop();
      }
    } finally {
      await mistral.stop();
    }
  });
});
