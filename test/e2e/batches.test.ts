/**
 * The Batch API end to end through the official `openai` SDK (issue 16): three tenants' jobs aggregated
 * into one provider batch, results split back by custom id at the batch discount, malformed lines in
 * the error file, tenant isolation, cancel, and a provider batch that expires retried once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBatchOptions } from '../../src/demo/fakes/openai/batches.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

// biome-ignore lint/suspicious/noExplicitAny: output lines are loose JSON read field by field
type Json = any;

const KEYS = {
  alpha: 'sk-sy-alpha-key',
  beta: 'sk-sy-beta-key',
  gamma: 'sk-sy-gamma-key',
  broke: 'sk-sy-broke-key',
} as const;
const PRICE = { input: 2, output: 8, batch_discount: 0.5 };

let fake: FakeServer;
let gw: TestGateway;
let filesDir: string;
const fakeBatches: FakeBatchOptions = { processingMs: 0 };

function clientFor(tenant: keyof typeof KEYS): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEYS[tenant], maxRetries: 0, timeout: 15_000 });
}

function line(customId: string, content: string, model = 'smart'): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, max_tokens: 16, messages: [{ role: 'user', content }] },
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

async function jsonl(client: OpenAI, fileId: string | null | undefined): Promise<Json[]> {
  if (fileId == null) return [];
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((row) => row !== '')
    .map((row) => JSON.parse(row));
}

function providerBatchCreates(): number {
  return fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches').length;
}

beforeAll(async () => {
  filesDir = await mkdtemp(join(tmpdir(), 'switchyard-batch-'));
  fake = await startFakeOpenAI({ keys: ['sk-up'], batches: fakeBatches });
  gw = await startTestGateway(
    {
      providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
      models: { smart: { targets: ['openai/gpt-4.1'] } },
      tenants: {
        alpha: { keys: [KEYS.alpha] },
        beta: { keys: [KEYS.beta] },
        gamma: { keys: [KEYS.gamma], models: ['smart'] },
        broke: { keys: [KEYS.broke], budget: { usd: 0.000001, period: 'day', mode: 'hard' } },
      },
      pricing: { models: { 'gpt-4.1': PRICE } },
      batch: {
        flush_interval_s: 0.4,
        max_batch_size: 1000,
        poll_interval_s: 0.02,
        max_poll_interval_s: 0.1,
        files_dir: filesDir,
      },
    },
    { store: await openStore('sqlite::memory:') },
  );
});

afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
  await rm(filesDir, { recursive: true, force: true });
});

describe('Batch API through the openai SDK', () => {
  it("aggregates three tenants' jobs into one provider batch and splits the results back by custom id", async () => {
    const before = providerBatchCreates();
    const alpha = clientFor('alpha');
    const beta = clientFor('beta');
    const gamma = clientFor('gamma');
    // The same custom ids in every tenant's job: the gateway keeps them apart upstream.
    const jobs = await Promise.all([
      submit(alpha, [
        line('req-1', 'alpha one'),
        line('req-2', 'alpha two'),
        '{"custom_id": "broken", ',
        line('req-3', 'alpha three'),
      ]),
      submit(beta, [line('req-1', 'beta one'), line('req-2', 'beta two')]),
      submit(gamma, [line('req-1', 'gamma one'), line('req-2', 'gamma two', 'openai/gpt-4.1')]),
    ]);
    for (const job of jobs) expect(job.status).toBe('validating');

    const [a, b, c] = await Promise.all([
      settled(alpha, jobs[0]!.id),
      settled(beta, jobs[1]!.id),
      settled(gamma, jobs[2]!.id),
    ]);
    expect(providerBatchCreates() - before).toBe(1);
    const sent = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/files').at(-1);
    // alpha 3 + beta 2 + gamma 1 (gamma's second line names a model outside its allow-list).
    expect(sent?.rawBody.match(/"custom_id":"sy_\d+"/g)).toHaveLength(6);

    expect(a.status).toBe('completed');
    expect(a.request_counts).toEqual({ total: 4, completed: 3, failed: 1 });
    const aOut = await jsonl(alpha, a.output_file_id);
    expect(aOut.map((row) => row.custom_id).sort()).toEqual(['req-1', 'req-2', 'req-3']);
    for (const row of aOut) {
      expect(row.response.status_code).toBe(200);
      expect(row.response.body.object).toBe('chat.completion');
      expect(row.id).toMatch(/^batch_req_/);
      expect(row.error).toBeNull();
    }
    const aErr = await jsonl(alpha, a.error_file_id);
    expect(aErr).toHaveLength(1);
    expect(aErr[0]!.response).toBeNull();
    expect(aErr[0]!.error.code).toBe('invalid_json_line');
    expect(aErr[0]!.error.message).toMatch(/^Line 3:/);

    expect(b.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    expect(b.error_file_id).toBeNull();
    const bOut = await jsonl(beta, b.output_file_id);
    expect(bOut.map((row) => row.custom_id).sort()).toEqual(['req-1', 'req-2']);

    expect(c.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const cErr = await jsonl(gamma, c.error_file_id);
    expect(cErr[0]!.error.code).toBe('model_not_allowed');

    // Priced at the batch discount: half of (prompt × 2 + completion × 8) / 1e6.
    const priced = gw.logs.filter((entry) => entry.msg === 'batch line');
    expect(priced.length).toBeGreaterThanOrEqual(6);
    for (const entry of priced) {
      const usage = entry.usage as { prompt: number; completion: number };
      const full = (usage.prompt * PRICE.input + usage.completion * PRICE.output) / 1e6;
      expect(entry.cost_usd).toBeCloseTo(full * 0.5, 12);
    }
    const content = aOut.find((row) => row.custom_id === 'req-1')?.response.body.choices[0].message.content;
    expect(typeof content).toBe('string');

    // Every answered line is a row of the stored request log, under its tenant, with its discounted cost.
    const controlPlane = gw.gateway.controlPlane;
    await controlPlane.spend?.flush();
    const rows = (await controlPlane.store?.queryRequests({ limit: 100 })) ?? [];
    const batchRows = rows.filter((row) => row.detail.api === 'batch');
    expect(batchRows.map((row) => `${row.tenant} ${row.requestId.split(':')[1]}`).sort()).toEqual([
      'alpha req-1',
      'alpha req-2',
      'alpha req-3',
      'beta req-1',
      'beta req-2',
      'gamma req-1',
    ]);
    for (const row of batchRows) {
      expect(jobs.map((job) => job.id)).toContain(row.requestId.split(':')[0]);
      expect(row.status).toBe(200);
      expect(row.model).toBe('smart');
      expect(row.provider).toBe('openai');
      const full = (row.promptTokens * PRICE.input + row.completionTokens * PRICE.output) / 1e6;
      expect(row.promptTokens).toBeGreaterThan(0);
      expect(row.costUsd).toBeCloseTo(full * 0.5, 12);
    }
  });

  it('keeps tenants apart: files and batches of another tenant are 404', async () => {
    const alpha = clientFor('alpha');
    const beta = clientFor('beta');
    const job = await submit(alpha, [line('x', 'private')]);
    await expect(beta.batches.retrieve(job.id)).rejects.toMatchObject({ status: 404 });
    await expect(beta.files.retrieve(job.input_file_id)).rejects.toMatchObject({ status: 404 });
    await expect(beta.batches.cancel(job.id)).rejects.toMatchObject({ status: 404 });
    const listed = await beta.batches.list();
    expect(listed.data.map((batch) => batch.id)).not.toContain(job.id);
    const mine = await alpha.batches.list({ limit: 100 });
    expect(mine.data.map((batch) => batch.id)).toContain(job.id);
    await settled(alpha, job.id);
  });

  it('cancels a job before its lines are sent: cancelled, every line in the error file', async () => {
    const beta = clientFor('beta');
    const job = await submit(beta, [line('c-1', 'one'), line('c-2', 'two')]);
    const cancelling = await beta.batches.cancel(job.id);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    const done = await settled(beta, job.id);
    expect(done.status).toBe('cancelled');
    expect(done.cancelled_at).not.toBeNull();
    const errors = await jsonl(beta, done.error_file_id);
    for (const row of errors) expect(row.error.code).toBe('batch_cancelled');
    await expect(beta.batches.cancel(job.id)).rejects.toMatchObject({ status: 400 });
  });

  it('retries the lines of an expired provider batch once, in a new provider batch', async () => {
    const gamma = clientFor('gamma');
    const before = providerBatchCreates();
    fakeBatches.expireNext = 1;
    const job = await submit(gamma, [line('e-1', 'late one'), line('e-2', 'late two')]);
    const done = await settled(gamma, job.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    expect(providerBatchCreates() - before).toBe(2);
  });

  it('refuses the lines a hard budget cannot fit, by the batch price, without sending them', async () => {
    const broke = clientFor('broke');
    const before = fake.requests.length;
    const job = await submit(broke, [line('b-1', 'expensive'), line('b-2', 'also expensive')]);
    const done = await settled(broke, job.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
    const errors = await jsonl(broke, done.error_file_id);
    for (const row of errors) {
      expect(row.response.status_code).toBe(429);
      expect(row.response.body.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' });
    }
    expect(
      fake.requests.slice(before).filter((r) => r.path === '/v1/batches' && r.method === 'POST'),
    ).toHaveLength(0);
  });

  it("lists a tenant's own files page by page, and deletes them (not an input still being read)", async () => {
    // A tenant of its own, so earlier tests' files do not show.
    const client = clientFor('beta');
    const upload = async (name: string) =>
      client.files.create({
        file: await toFile(Buffer.from(`${line(name, name)}\n`), `${name}.jsonl`),
        purpose: 'batch',
      });
    const before = new Set<string>();
    for await (const file of client.files.list()) before.add(file.id);
    const made = [];
    for (const name of ['one', 'two', 'three']) made.push(await upload(name));
    // The SDK follows `has_more` and `after` page by page.
    const listed: string[] = [];
    for await (const file of client.files.list({ limit: 2, order: 'asc', purpose: 'batch' }))
      if (!before.has(file.id)) listed.push(file.id);
    expect(listed).toEqual(made.map((file) => file.id));
    const page = await client.files.list({ limit: 1 });
    expect(page.data).toHaveLength(1);
    expect(page.data[0]?.id).toBe(made[2]?.id);
    expect(page.has_more).toBe(true);
    // Another tenant neither lists nor deletes them.
    const alphaIds: string[] = [];
    for await (const file of clientFor('alpha').files.list()) alphaIds.push(file.id);
    expect(alphaIds).not.toContain(made[0]?.id);
    await expect(clientFor('alpha').files.delete(made[0]!.id)).rejects.toMatchObject({ status: 404 });

    expect(await client.files.delete(made[0]!.id)).toEqual({
      id: made[0]!.id,
      object: 'file',
      deleted: true,
    });
    await expect(client.files.retrieve(made[0]!.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.files.delete(made[0]!.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.files.list({ order: 'sideways' as 'asc' })).rejects.toMatchObject({ status: 400 });

    // An input file is kept while its batch is being validated (intake reads it again after a restart).
    // The job is held in `validating` by hand once its intake is over, so no race decides the outcome.
    const job = await client.batches.create({
      input_file_id: made[1]!.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const batches = gw.gateway.batches;
    if (batches === undefined) throw new Error('no batch service');
    for (let i = 0; i < 500 && (await batches.store.getJob(job.id))?.status === 'validating'; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const status = (await batches.store.getJob(job.id))?.status;
    expect(status).not.toBe('validating');
    await batches.store.updateJob(job.id, { status: 'validating' });
    await expect(client.files.delete(made[1]!.id)).rejects.toMatchObject({
      status: 400,
      code: 'file_in_use',
    });
    await batches.store.updateJob(job.id, { status });
    expect((await client.files.delete(made[1]!.id)).deleted).toBe(true);
  });

  it('refuses bad uploads and bad batch requests with OpenAI error envelopes', async () => {
    const alpha = clientFor('alpha');
    await expect(
      alpha.files.create({ file: await toFile(Buffer.from(''), 'empty.jsonl'), purpose: 'batch' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      alpha.files.create({
        file: await toFile(Buffer.from(`${line('a', 'b')}\n`), 'x.jsonl'),
        purpose: 'assistants',
      }),
    ).rejects.toMatchObject({ status: 400 });
    const file = await alpha.files.create({
      file: await toFile(Buffer.from(`${line('a', 'b')}\n`), 'x.jsonl'),
      purpose: 'batch',
    });
    await expect(
      alpha.batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      alpha.batches.create({
        input_file_id: 'file-nope',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      alpha.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        output_expires_after: { anchor: 'created_at', seconds: 3600 },
      }),
    ).rejects.toMatchObject({ status: 400, param: 'output_expires_after' });
    const expiring = await fetch(`${gw.url}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'multipart/form-data; boundary=zz' },
      body:
        '--zz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n' +
        '--zz\r\nContent-Disposition: form-data; name="expires_after[anchor]"\r\n\r\ncreated_at\r\n' +
        `--zz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n${line('a', 'b')}\r\n--zz--\r\n`,
    });
    expect(expiring.status).toBe(400);
    expect(((await expiring.json()) as Json).error.param).toBe('expires_after');
    const noKey = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await expect(noKey.batches.list()).rejects.toMatchObject({ status: 401 });
    const raw = await fetch(`${gw.url}/v1/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.alpha}`, 'content-type': 'multipart/form-data; boundary=zz' },
      body: '--zz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nunterminated',
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as Json).error.code).toBe('invalid_file');
    // A field given twice is refused, never merged ("bat" + "ch") nor half ignored (a second file).
    const purposePart = (value: string) =>
      `--zz\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${value}\r\n`;
    const filePart = `--zz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n${line('a', 'b')}\r\n`;
    for (const [field, body] of [
      ['purpose', `${purposePart('bat')}${purposePart('ch')}${filePart}--zz--\r\n`],
      ['file', `${purposePart('batch')}${filePart}${filePart}--zz--\r\n`],
    ] as const) {
      const twice = await fetch(`${gw.url}/v1/files`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${KEYS.alpha}`,
          'content-type': 'multipart/form-data; boundary=zz',
        },
        body,
      });
      expect(twice.status, field).toBe(400);
      expect(((await twice.json()) as Json).error, field).toMatchObject({
        code: 'invalid_file',
        param: field,
      });
    }
  });

  it('answers each sub-route with its own methods: 405 with the right Allow, 404 for no route', async () => {
    const ask = async (method: string, path: string) => {
      const response = await fetch(`${gw.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${KEYS.alpha}` },
      });
      await response.arrayBuffer();
      return { status: response.status, allow: response.headers.get('allow') };
    };
    expect(await ask('DELETE', '/v1/batches/batch_x')).toEqual({ status: 405, allow: 'GET, HEAD' });
    expect(await ask('POST', '/v1/batches/batch_x')).toEqual({ status: 405, allow: 'GET, HEAD' });
    expect(await ask('GET', '/v1/batches/batch_x/cancel')).toEqual({ status: 405, allow: 'POST' });
    expect(await ask('DELETE', '/v1/files/file-x/content')).toEqual({ status: 405, allow: 'GET, HEAD' });
    expect(await ask('PUT', '/v1/files/file-x')).toEqual({ status: 405, allow: 'GET, DELETE, HEAD' });
    expect((await ask('POST', '/v1/batches/batch_x/pause')).status).toBe(404);
    expect((await ask('GET', '/v1/files/file-x/content/more')).status).toBe(404);
    expect((await ask('DELETE', '/v1/files/a/b')).status).toBe(404);
  });

  it('hands back a file whose name is not ASCII, under its own name', async () => {
    const alpha = clientFor('alpha');
    const text = `${line('a', 'b')}\n`;
    const file = await alpha.files.create({
      file: await toFile(Buffer.from(text), 'données 批.jsonl'),
      purpose: 'batch',
    });
    expect(file.filename).toBe('données 批.jsonl');
    const content = await fetch(`${gw.url}/v1/files/${file.id}/content`, {
      headers: { authorization: `Bearer ${KEYS.alpha}` },
    });
    expect(content.status).toBe(200);
    expect(await content.text()).toBe(text);
    expect(content.headers.get('content-disposition')).toBe(
      `attachment; filename="donn_es _.jsonl"; filename*=UTF-8''${encodeURIComponent('données 批.jsonl')}`,
    );
  });
});
