/**
 * The crash window between sending a provider batch and recording its upstream id: the row is left
 * `preparing`. On start the aggregator looks it up upstream (OpenAI: by the `switchyard_batch`
 * metadata) and adopts it instead of sending it again; a row that never reached the provider is sent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { upstreamCustomId } from '../../src/batch/target.ts';
import { startAnthropicFake } from '../../src/demo/fakes/anthropic/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import type { BatchLineRecord, BatchStore } from '../../src/store/batch-types.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { batchJob } from '../helpers/batch-job.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let fake: FakeServer;
let dir: string;
let gw: TestGateway | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-recovery-'));
  fake = await startFakeOpenAI({ keys: ['sk-up'], batches: {} });
});

afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A store as a crashed process left it: a job in progress, its lines claimed by a `preparing` row. */
async function crashedStore(
  options: { expiresAt?: number; claim?: boolean } = {},
): Promise<{ store: SqliteStore; claimed: BatchLineRecord[] }> {
  const store = await SqliteStore.open(join(dir, 'store.db'));
  const batches = store.batches;
  if (batches === undefined) throw new Error('no batch tables');
  const now = Date.now();
  await batches.insertJob(
    batchJob(
      'batch_crashed',
      {
        tenant: '',
        status: 'in_progress',
        inProgressAt: now,
        expiresAt: options.expiresAt ?? now + 86_400_000,
      },
      now,
    ),
  );
  await batches.insertLines(
    [1, 2, 3].map((lineNo) => ({
      jobId: 'batch_crashed',
      tenant: '',
      lineNo,
      customId: `mine-${lineNo}`,
      target: 'openai/gpt-4.1',
      request: JSON.stringify({
        model: 'smart',
        max_tokens: 8,
        messages: [{ role: 'user', content: `q${lineNo}` }],
      }),
      status: 'queued' as const,
      result: null,
      queuedAt: now,
    })),
  );
  if (options.claim === false) return { store, claimed: [] };
  const claimed = await batches.claimLines(
    {
      id: 'pb_crashed',
      target: 'openai/gpt-4.1',
      status: 'preparing',
      upstreamId: null,
      lineCount: 0,
      createdAt: now,
      nextPollAt: now,
      polls: 0,
    },
    10,
  );
  return { store, claimed };
}

async function startGateway(store: SqliteStore): Promise<TestGateway> {
  return startTestGateway(
    {
      providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
      models: { smart: { targets: ['openai/gpt-4.1'] } },
      batch: {
        flush_interval_s: 0.1,
        poll_interval_s: 0.02,
        max_poll_interval_s: 0.05,
        files_dir: join(dir, 'files'),
      },
    },
    { store },
  );
}

const creates = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches').length;

describe('a provider batch row left preparing by a crash', () => {
  it('is found upstream by its metadata and adopted, not sent again', async () => {
    const { store, claimed } = await crashedStore();
    // What the crashed process had sent before it could record the upstream id.
    const upstream = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-up', maxRetries: 0 });
    const jsonl = claimed
      .map((line) =>
        JSON.stringify({
          custom_id: upstreamCustomId(line.id),
          method: 'POST',
          url: '/v1/chat/completions',
          body: { model: 'gpt-4.1', messages: [{ role: 'user', content: 'q' }] },
        }),
      )
      .join('\n');
    const file = await upstream.files.create({
      file: await toFile(Buffer.from(jsonl), 'x.jsonl'),
      purpose: 'batch',
    });
    await upstream.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { switchyard_batch: 'pb_crashed' },
    });
    expect(creates()).toBe(1);

    gw = await startGateway(store);
    const batches = gw.gateway.batches;
    let status = '';
    for (let i = 0; i < 200 && status !== 'completed'; i++) {
      status = (await batches?.store.getJob('batch_crashed'))?.status ?? '';
      if (status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe('completed');
    expect(creates()).toBe(1);
    expect(await batches?.store.jobLineCounts('batch_crashed')).toMatchObject({
      total: 3,
      succeeded: 3,
      pending: 0,
    });
    expect(gw.logs.some((entry) => entry.msg === 'provider batch found again after a restart')).toBe(true);
  });

  it('is sent once when the provider never saw it', async () => {
    const { store } = await crashedStore();
    gw = await startGateway(store);
    const batches = gw.gateway.batches;
    let status = '';
    for (let i = 0; i < 200 && status !== 'completed'; i++) {
      status = (await batches?.store.getJob('batch_crashed'))?.status ?? '';
      if (status !== 'completed') await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe('completed');
    expect(creates()).toBe(1);
    const job = await batches?.store.getJob('batch_crashed');
    const output = [];
    for await (const { text } of batches!.files.lines(job!.outputFileId!))
      output.push(JSON.parse(text).custom_id);
    expect(output.sort()).toEqual(['mine-1', 'mine-2', 'mine-3']);
  });
});

describe('a provider batch whose send failed', () => {
  it('is looked up and sent again after a backoff, once the provider is back', async () => {
    const store = await SqliteStore.open(join(dir, 'store.db'));
    gw = await startGateway(store);
    await fake.down();
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const input = JSON.stringify({
      custom_id: 'while-down',
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'smart', max_tokens: 8, messages: [{ role: 'user', content: 'hello?' }] },
    });
    const file = await client.files.create({
      file: await toFile(Buffer.from(input), 'in.jsonl'),
      purpose: 'batch',
    });
    const job = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    for (
      let i = 0;
      i < 200 && !gw.logs.some((entry) => entry.msg?.toString().startsWith('provider batch work failed'));
      i++
    )
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(gw.logs.some((entry) => String(entry.msg).startsWith('provider batch work failed'))).toBe(true);
    await fake.up();
    let done = await client.batches.retrieve(job.id);
    for (let i = 0; i < 200 && done.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      done = await client.batches.retrieve(job.id);
    }
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
    expect(creates()).toBe(1);
  });
});

describe('a job past its completion window', () => {
  it('ends expired, its waiting lines in the error file as batch_expired, nothing sent', async () => {
    const { store } = await crashedStore({ expiresAt: Date.now() - 1000, claim: false });
    gw = await startGateway(store);
    const batches = gw.gateway.batches;
    let job = await batches?.store.getJob('batch_crashed');
    for (let i = 0; i < 200 && job?.status !== 'expired'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      job = await batches?.store.getJob('batch_crashed');
    }
    expect(job?.status).toBe('expired');
    expect(job?.expiredAt).not.toBeNull();
    expect(job?.outputFileId).toBeNull();
    const codes = [];
    for await (const { text } of batches!.files.lines(job!.errorFileId!))
      codes.push(JSON.parse(text).error.code);
    expect(codes).toEqual(['batch_expired', 'batch_expired', 'batch_expired']);
    expect(creates()).toBe(0);
  });
});

// Batch audit #4: recovery matched a Message Batch by the lines claimed, not the requests sent.
describe('an Anthropic batch whose upstream id was lost, sent without the lines refused first', () => {
  it('is found again by the number of requests sent, and adopted, not sent a second time', async () => {
    const anthropic = await startAnthropicFake({ keys: ['sk-ant'], batches: {} });
    try {
      const store = await SqliteStore.open(join(dir, 'store.db'));
      const batches = store.batches as BatchStore;
      // The crash window: the Message Batch is created, then recording its id fails (a store that
      // went away, a process killed). The row stays `preparing` and is recovered after a backoff.
      const update = batches.updateProviderBatch.bind(batches);
      let lose = true;
      batches.updateProviderBatch = async (id, patch) => {
        if (lose && patch.upstreamId != null) {
          lose = false;
          throw new Error('the store did not take the write');
        }
        return update(id, patch);
      };
      gw = await startTestGateway(
        {
          providers: { claude: { type: 'anthropic', keys: ['sk-ant'], base_url: anthropic.url } },
          models: { sonnet: { targets: ['claude/claude-sonnet-4-5'] } },
          batch: {
            flush_interval_s: 0.1,
            poll_interval_s: 0.02,
            max_poll_interval_s: 0.05,
            files_dir: join(dir, 'files'),
          },
        },
        { store },
      );
      const input = [1, 2, 3]
        .map((i) =>
          JSON.stringify({
            custom_id: `a-${i}`,
            method: 'POST',
            url: '/v1/chat/completions',
            // `n: 2` has no Anthropic equivalent: that line is refused before the batch is sent.
            body: {
              model: 'sonnet',
              max_tokens: 8,
              messages: [{ role: 'user', content: `q${i}` }],
              n: i === 3 ? 2 : 1,
            },
          }),
        )
        .join('\n');
      const file = await gw.client.files.create({
        file: await toFile(Buffer.from(input), 'in.jsonl'),
        purpose: 'batch',
      });
      const job = await gw.client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      let done = await gw.client.batches.retrieve(job.id);
      for (let i = 0; i < 400 && done.status !== 'completed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        done = await gw.client.batches.retrieve(job.id);
      }
      expect(lose).toBe(false);
      expect(done.status).toBe('completed');
      expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
      const creates = anthropic.requests.filter(
        (r) => r.method === 'POST' && r.path === '/v1/messages/batches',
      );
      expect(creates).toHaveLength(1);
      expect(gw.logs.some((entry) => entry.msg === 'provider batch found again after a restart')).toBe(true);
    } finally {
      await gw?.stop();
      gw = undefined;
      await anthropic.stop();
    }
  });
});
