/**
 * Batch lines are held to the policy a live request with the same key gets (batch audit, issue 16
 * follow-up): a runtime tenant's budget (PUT /admin/tenants) and a key's own tier budget refuse lines
 * that do not fit, and the batch cost counts against them (#2); with the shared state down and limits
 * failing closed, budgeted lines wait instead of leaving unchecked (#3); a line the live path serves
 * reserves its full price, not the batch discount (#6).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMistralFake } from '../../src/demo/fakes/mistral/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { MemoryState } from '../../src/state/memory.ts';
import type { StateStore } from '../../src/state/types.ts';
import type { BatchJobRecord } from '../../src/store/batch-types.ts';
import { openStore } from '../../src/store/from-config.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { batchJob } from '../helpers/batch-job.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

// biome-ignore lint/suspicious/noExplicitAny: output lines are loose JSON read field by field
type Json = any;

const ADMIN = 'adm-batch-budgets-0123456789abcdef';
const KEYS = { alpha: 'sk-sy-alpha-key', thrifty: 'sk-sy-thrifty-key', careful: 'sk-sy-careful-key' };
/** Between the discounted and the full estimate of a 1,000-token Mistral line (0.003 and 0.006 USD). */
const THRIFTY_USD = 0.0045;

let openai: FakeServer;
let mistral: FakeServer;
let gw: TestGateway;
let dir: string;
/** The shared state, as Redis would be: `down` makes it stop answering. */
let stateDown = false;

/** A MemoryState posing as Redis, so the gateway wraps it in its failure policy (FallbackState). */
function switchableState(): StateStore {
  const memory = new MemoryState();
  return new Proxy(memory, {
    get(target, property) {
      if (property === 'kind') return 'redis';
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'admit' || property === 'settle')
        return (...args: unknown[]) =>
          stateDown ? Promise.reject(new Error('state down')) : value.apply(target, args);
      return value.bind(target);
    },
  }) as unknown as StateStore;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-batch-budgets-'));
  openai = await startFakeOpenAI({ keys: ['sk-up'], batches: { processingMs: 0 } });
  mistral = await startMistralFake({ keys: ['mistral-key'] });
  gw = await startTestGateway(
    {
      server: { admin_key: ADMIN },
      providers: {
        openai: { type: 'openai', keys: ['sk-up'], base_url: `${openai.url}/v1` },
        mistral: { type: 'mistral', keys: ['mistral-key'], base_url: `${mistral.url}/v1` },
      },
      models: {
        smart: { targets: ['openai/gpt-4.1'] },
        large: { targets: ['mistral/mistral-large-latest'] },
      },
      tiers: { free: { budget: { usd: 0.000001, period: 'day', mode: 'hard' } } },
      tenants: {
        alpha: { keys: [KEYS.alpha] },
        thrifty: { keys: [KEYS.thrifty], budget: { usd: THRIFTY_USD, period: 'day', mode: 'hard' } },
        careful: { keys: [KEYS.careful], budget: { usd: 10, period: 'day', mode: 'hard' } },
      },
      limits: { on_state_failure: 'closed' },
      pricing: {
        models: {
          'gpt-4.1': { input: 2, output: 8, batch_discount: 0.5 },
          'mistral/mistral-large-latest': { input: 2, output: 6, batch_discount: 0.5 },
        },
      },
      batch: {
        flush_interval_s: 0.2,
        poll_interval_s: 0.02,
        max_poll_interval_s: 0.1,
        files_dir: join(dir, 'files'),
      },
    },
    { store: await openStore('sqlite::memory:'), state: switchableState() },
  );
});

afterAll(async () => {
  stateDown = false;
  await gw?.stop();
  await openai?.stop();
  await mistral?.stop();
  await rm(dir, { recursive: true, force: true });
});

function clientWith(key: string): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 });
}

async function admin(method: string, path: string, body?: unknown, base = gw.url): Promise<Json> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
  return response.json();
}

/** A store key (POST /admin/keys) and its client. */
async function storeKey(request: { tenant: string; tier?: string; models?: string[] }) {
  const created = await admin('POST', '/admin/keys', request);
  return { id: created.id as string, client: clientWith(created.key as string) };
}

function line(customId: string, model: string, content: string, maxTokens = 16): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, max_tokens: maxTokens, messages: [{ role: 'user', content }] },
  });
}

async function submit(client: OpenAI, lines: string[]): Promise<OpenAI.Batch> {
  const file = await client.files.create({
    file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'input.jsonl'),
    purpose: 'batch',
  });
  return client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
}

async function settled(client: OpenAI, id: string, timeoutMs = 10_000): Promise<OpenAI.Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} still ${batch.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function rows(client: OpenAI, fileId: string | null | undefined): Promise<Json[]> {
  if (fileId == null) return [];
  return (await (await client.files.content(fileId)).text())
    .split('\n')
    .filter((row) => row !== '')
    .map((row) => JSON.parse(row));
}

const batchCreates = () =>
  openai.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches').length;
const mistralCalls = () => mistral.requests.filter((r) => r.path === '/v1/chat/completions').length;

async function expectRefusedByBudget(client: OpenAI, job: OpenAI.Batch): Promise<void> {
  const done = await settled(client, job.id);
  expect(done.status).toBe('completed');
  expect(done.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
  for (const row of await rows(client, done.error_file_id)) {
    expect(row.response.status_code).toBe(429);
    expect(row.response.body.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
  }
}

// Batch audit #2: budgets were looked up among config tenants only, by tenant name.
describe('batch budgets for runtime tenants and tiered keys', () => {
  it("refuses a runtime tenant's lines its hard budget cannot fit, as live requests are refused", async () => {
    await admin('PUT', '/admin/tenants/runtime-broke', {
      budget: { usd: 0.000001, period: 'day', mode: 'hard' },
    });
    const { client } = await storeKey({ tenant: 'runtime-broke' });
    await expect(
      client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ status: 429, code: 'budget_exceeded' });
    const before = batchCreates();
    await expectRefusedByBudget(
      client,
      await submit(client, [line('r-1', 'smart', 'expensive'), line('r-2', 'smart', 'also')]),
    );
    expect(batchCreates()).toBe(before);
  });

  it("refuses the lines of a key whose own tier's budget cannot fit them, on a tenant without one", async () => {
    const { client } = await storeKey({ tenant: 'alpha', tier: 'free' });
    const before = batchCreates();
    await expectRefusedByBudget(
      client,
      await submit(client, [line('t-1', 'smart', 'expensive'), line('t-2', 'smart', 'also')]),
    );
    expect(batchCreates()).toBe(before);
    // The tenant itself has no budget: its config key's lines still go.
    const alpha = clientWith(KEYS.alpha);
    const done = await settled(alpha, (await submit(alpha, [line('a-1', 'smart', 'free to go')])).id);
    expect(done.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
  });

  it("counts a runtime tenant's batch cost against its budget", async () => {
    await admin('PUT', '/admin/tenants/runtime-rich', { budget: { usd: 5, period: 'day', mode: 'hard' } });
    const { client } = await storeKey({ tenant: 'runtime-rich' });
    const job = await submit(client, [line('s-1', 'smart', 'one'), line('s-2', 'smart', 'two')]);
    const done = await settled(client, job.id);
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const costs = gw.logs
      .filter((entry) => entry.msg === 'batch line' && entry.batch_id === job.id)
      .map((entry) => entry.cost_usd as number);
    expect(costs).toHaveLength(2);
    const spend = await admin('GET', '/admin/spend?tenant=runtime-rich&period=day');
    expect(spend.reserved_usd).toBe(0);
    expect(spend.spent_usd).toBeGreaterThan(0);
    expect(spend.spent_usd).toBeCloseTo(costs[0]! + costs[1]!, 9);
  });
});

// Batch audit #2: intake resumed after a restart checked lines against config tenants only.
describe('intake resumed after a restart', () => {
  it("checks lines against the allow-list of the job's key and of its runtime tenant", async () => {
    const config = {
      server: { admin_key: ADMIN },
      providers: {
        openai: { type: 'openai', keys: ['sk-up'], base_url: `${openai.url}/v1` },
        mistral: { type: 'mistral', keys: ['mistral-key'], base_url: `${mistral.url}/v1` },
      },
      models: {
        smart: { targets: ['openai/gpt-4.1'] },
        large: { targets: ['mistral/mistral-large-latest'] },
      },
      tenants: { alpha: { keys: [KEYS.alpha] } },
      batch: {
        flush_interval_s: 0.1,
        poll_interval_s: 0.02,
        max_poll_interval_s: 0.1,
        files_dir: join(dir, 'restart-files'),
      },
    };
    const path = join(dir, 'restart.db');
    const first = await startTestGateway(config, { store: await SqliteStore.open(path) });
    const jobs: BatchJobRecord[] = [];
    try {
      await admin('PUT', '/admin/tenants/lister', { models: ['smart'] }, first.url);
      const keys = [
        await admin('POST', '/admin/keys', { tenant: 'lister' }, first.url),
        await admin('POST', '/admin/keys', { tenant: 'alpha', models: ['smart'] }, first.url),
      ];
      for (const key of keys) {
        const client = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: key.key, maxRetries: 0 });
        const job = await submit(client, [
          line('ok', 'smart', 'allowed'),
          line('no', 'large', 'not allowed'),
        ]);
        // Intake as the job began: the key's policy, from the request.
        const done = await settled(client, job.id);
        expect(done.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
        jobs.push((await first.gateway.batches?.store.getJob(job.id)) as BatchJobRecord);
      }
      // The key that narrows its tenant's list is recorded; one that adds nothing may be (its policy is
      // its tenant's either way).
      expect(jobs[1]?.keyId).toBe(keys[1].id);
      expect([null, keys[0].id]).toContain(jobs[0]?.keyId);
    } finally {
      await first.stop();
    }
    // The same jobs as a crash during their intake would have left them.
    const store = await SqliteStore.open(path);
    for (const job of jobs)
      await store.batches?.insertJob(
        batchJob(`${job.id}_again`, {
          tenant: job.tenant,
          keyId: job.keyId,
          inputFileId: job.inputFileId,
          expiresAt: Date.now() + 86_400_000,
        }),
      );
    const calls = mistralCalls();
    const second = await startTestGateway(config, { store });
    try {
      for (const job of jobs) {
        let again = await second.gateway.batches?.store.getJob(`${job.id}_again`);
        for (let i = 0; i < 400 && again?.status !== 'completed'; i++) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          again = await second.gateway.batches?.store.getJob(`${job.id}_again`);
        }
        expect(again?.status).toBe('completed');
        const codes = [];
        for await (const { text } of second.gateway.batches!.files.lines(again!.errorFileId!))
          codes.push(JSON.parse(text).error.code);
        expect(codes).toEqual(['model_not_allowed']);
      }
      expect(mistralCalls()).toBe(calls);
    } finally {
      await second.stop();
    }
  });
});

// Batch audit #6: every line reserved (and was billed) at the batch discount, the live path's too.
describe('a line the live path serves', () => {
  it('reserves its full price against a budget: one the discounted price would fit is refused', async () => {
    const thrifty = clientWith(KEYS.thrifty);
    const before = mistralCalls();
    const live = await submit(thrifty, [line('m-1', 'large', 'a long answer please', 1000)]);
    const done = await settled(thrifty, live.id);
    expect(done.request_counts).toEqual({ total: 1, completed: 0, failed: 1 });
    const [error] = await rows(thrifty, done.error_file_id);
    expect(error.response.body.error.code).toBe('budget_exceeded');
    expect(mistralCalls()).toBe(before);
    // The same size through a batch API (0.004 USD discounted, 0.008 full) fits: it gets the discount.
    const batched = await submit(thrifty, [line('o-1', 'smart', 'a long answer please', 1000)]);
    expect((await settled(thrifty, batched.id)).request_counts).toEqual({
      total: 1,
      completed: 1,
      failed: 0,
    });
  });
});

// Batch audit #3: a state that did not answer let every line through unchecked.
describe('batch budgets while the shared state is down (on_state_failure: closed)', () => {
  it('keeps budgeted lines waiting, unsent and not counted as attempts, and sends them once it is back', async () => {
    const careful = clientWith(KEYS.careful);
    stateDown = true;
    try {
      await expect(
        careful.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }),
      ).rejects.toMatchObject({ status: 503, code: 'limits_unavailable' });
      const before = batchCreates();
      const job = await submit(careful, [line('w-1', 'smart', 'wait'), line('w-2', 'smart', 'for it')]);
      const deferrals = () =>
        gw.logs.filter((entry) => String(entry.msg).startsWith('batch lines wait for the next flush'));
      const deferredBefore = deferrals().length;
      // Flushes claim the lines, cannot check their budget, and put them back in the queue: twice here.
      const deadline = Date.now() + 5000;
      while (deferrals().length < deferredBefore + 2) {
        if (Date.now() > deadline) throw new Error('no flush deferred the lines');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect((await careful.batches.retrieve(job.id)).status).toBe('in_progress');
      expect(batchCreates()).toBe(before);
      stateDown = false;
      const done = await settled(careful, job.id, 15_000);
      expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
      expect(batchCreates() - before).toBe(1);
      // The flushes that could not send them were no attempts: sent once, on the first.
      const lines = await gw.gateway.batches?.store.jobLines(job.id, 0, 10);
      expect(lines?.map((l) => [l.status, l.attempts])).toEqual([
        ['succeeded', 1],
        ['succeeded', 1],
      ]);
    } finally {
      stateDown = false;
    }
  });
});
