/**
 * A provider that refuses every send of a provider batch (here a key it rejects, as a revoked key or a
 * long outage would): audit batch.md #7, where such a job stayed `in_progress` (or `cancelling`) for
 * good. Past its window the job ends `expired` with its unsent lines as `batch_expired`, a cancel ends
 * `cancelled`, and short of either the sends are retried with backoff a bounded number of times, then
 * the lines fail.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

// biome-ignore lint/suspicious/noExplicitAny: output lines are loose JSON read field by field
type Json = any;

let fake: FakeServer;
let dir: string;
/** Slow retries: a job is expired or cancelled long before its sends run out. */
let patient: TestGateway;
/** Fast retries: the sends run out within the test. */
let hasty: TestGateway;

function config(name: string, pollS: number, maxPollS: number): Record<string, unknown> {
  return {
    // The fake accepts only sk-up: every upload, create and lookup is a 401.
    providers: { openai: { type: 'openai', keys: ['sk-revoked'], base_url: `${fake.url}/v1` } },
    models: { smart: { targets: ['openai/gpt-4.1'] } },
    batch: {
      flush_interval_s: 0.05,
      poll_interval_s: pollS,
      max_poll_interval_s: maxPollS,
      files_dir: join(dir, name, 'files'),
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-unsendable-'));
  fake = await startFakeOpenAI({ keys: ['sk-up'], batches: {} });
  patient = await startTestGateway(config('patient', 0.2, 0.5), {
    store: await SqliteStore.open(join(dir, 'patient.db')),
  });
  hasty = await startTestGateway(config('hasty', 0.01, 0.03), {
    store: await SqliteStore.open(join(dir, 'hasty.db')),
  });
});

afterAll(async () => {
  await patient?.stop();
  await hasty?.stop();
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

function line(customId: string): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'smart', max_tokens: 8, messages: [{ role: 'user', content: customId }] },
  });
}

async function submit(gw: TestGateway, ids: string[]): Promise<OpenAI.Batch> {
  const file = await gw.client.files.create({
    file: await toFile(Buffer.from(`${ids.map(line).join('\n')}\n`), 'input.jsonl'),
    purpose: 'batch',
  });
  return gw.client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
}

/** Waits until the job's lines were claimed into a provider batch whose first send failed. */
async function sendFailed(gw: TestGateway, jobId: string): Promise<void> {
  await waitFor(
    () =>
      gw.logs.some(
        (entry) =>
          String(entry.msg).startsWith('provider batch work failed') && entry.provider_batch !== undefined,
      ),
    5000,
    'a failed send',
  );
  const lines = await gw.gateway.batches?.store.jobLines(jobId, 0, 100);
  expect(lines?.every((l) => l.status === 'submitted')).toBe(true);
}

async function ended(gw: TestGateway, id: string, timeoutMs = 8000): Promise<OpenAI.Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await gw.client.batches.retrieve(id);
    if (['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} still ${batch.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function errorCodes(gw: TestGateway, fileId: string | null | undefined): Promise<string[]> {
  if (fileId == null) return [];
  const text = await (await gw.client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((row) => row !== '')
    .map((row) => (JSON.parse(row) as Json).error.code as string);
}

const creates = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches').length;

describe('a job whose provider batch the provider keeps refusing', () => {
  it('ends expired past its window, its unsent lines batch_expired', async () => {
    const job = await submit(patient, ['x-1', 'x-2']);
    await sendFailed(patient, job.id);
    // The 24 h window passes (the store's clock is the only way to move it from outside).
    const db = new DatabaseSync(join(dir, 'patient.db'));
    db.prepare('UPDATE batch_jobs SET expires_at = ? WHERE id = ?').run(Date.now() - 1000, job.id);
    db.close();
    const done = await ended(patient, job.id);
    expect(done.status).toBe('expired');
    expect(done.output_file_id).toBeNull();
    expect(await errorCodes(patient, done.error_file_id)).toEqual(['batch_expired', 'batch_expired']);
    expect(creates()).toBe(0);
  });

  it('ends cancelled when cancelled, its unsent lines batch_cancelled', async () => {
    const job = await submit(patient, ['c-1']);
    patient.logs.length = 0;
    await sendFailed(patient, job.id);
    expect((await patient.client.batches.cancel(job.id)).status).toBe('cancelling');
    const done = await ended(patient, job.id);
    expect(done.status).toBe('cancelled');
    expect(await errorCodes(patient, done.error_file_id)).toEqual(['batch_cancelled']);
    expect(creates()).toBe(0);
  });

  it('gives a send up after a bounded number of tries: the line is queued again once, then fails', async () => {
    const job = await submit(hasty, ['r-1']);
    const done = await ended(hasty, job.id, 15_000);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 1, completed: 0, failed: 1 });
    expect(await errorCodes(hasty, done.error_file_id)).toEqual(['upstream_error']);
    // Two provider batches (the first try and the one retry), each given up.
    expect(
      hasty.logs.filter((entry) => entry.msg === 'provider batch could not be sent; its lines leave it'),
    ).toHaveLength(2);
  });
});
