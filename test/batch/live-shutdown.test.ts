/**
 * Lines served through the live path when the gateway stops midway: the answered ones are finished
 * (never sent again), the rest stay with the open provider batch and are sent after a restart, once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMistralFake } from '../../src/demo/fakes/mistral/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { startTestGateway } from '../helpers/gateway.ts';

const LINES = 12;
let fake: FakeServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-live-stop-'));
  fake = await startMistralFake({ keys: ['mistral-key'], latency: { firstByteMs: 60, tokenIntervalMs: 0 } });
});

afterAll(async () => {
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

const config = () => ({
  providers: { mistral: { type: 'mistral', keys: ['mistral-key'], base_url: `${fake.url}/v1` } },
  models: { large: { targets: ['mistral/mistral-large-latest'] } },
  batch: {
    flush_interval_s: 0.05,
    poll_interval_s: 0.02,
    live_concurrency: 1,
    files_dir: join(dir, 'files'),
  },
});

describe('the live path stopped midway', () => {
  it('keeps the answered lines and sends only the rest after a restart', async () => {
    const first = await startTestGateway(config(), { store: await SqliteStore.open(join(dir, 'store.db')) });
    const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const input = Array.from({ length: LINES }, (_, i) =>
      JSON.stringify({
        custom_id: `live-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'large', max_tokens: 8, messages: [{ role: 'user', content: `q${i}` }] },
      }),
    ).join('\n');
    const file = await client.files.create({
      file: await toFile(Buffer.from(input), 'in.jsonl'),
      purpose: 'batch',
    });
    const job = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const chats = () => fake.requests.filter((r) => r.path === '/v1/chat/completions').length;
    for (let i = 0; i < 400 && chats() < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await first.stop();
    const store = await SqliteStore.open(join(dir, 'store.db'));
    const counts = await store.batches?.jobLineCounts(job.id);
    expect(counts?.succeeded).toBeGreaterThan(0);
    expect(counts?.pending).toBeGreaterThan(0);
    const open = await store.batches?.openProviderBatches();
    expect(open).toHaveLength(1);
    // What the send grace would do after 150 s: the row is due now.
    await store.batches?.updateProviderBatch(open?.[0]?.id as string, { nextPollAt: 0 });
    const sentBefore = chats();

    const second = await startTestGateway(config(), { store });
    let status = '';
    for (let i = 0; i < 400 && status !== 'completed'; i++) {
      status = (await store.batches?.getJob(job.id))?.status ?? '';
      if (status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe('completed');
    expect(await store.batches?.jobLineCounts(job.id)).toMatchObject({
      total: LINES,
      succeeded: LINES,
      pending: 0,
    });
    // Every line reached the provider once, plus at most the one in flight when the first stopped.
    expect(chats() - sentBefore).toBe(counts?.pending);
    expect(chats()).toBeLessThanOrEqual(LINES + 1);
    await second.stop();
  });
});
