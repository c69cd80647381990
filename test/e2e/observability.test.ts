/**
 * Observability end to end (issue 12): traffic with injected faults through the real server and two fake
 * OpenAI upstreams, then the log lines, the stored rows (GET /admin/requests), the stats and /metrics are
 * read back and checked against what the clients were answered: every field present, tokens and cost
 * equal to the usage returned, the latency split adding up to the total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { openStore } from '../../src/store/from-config.ts';
import { periodOf } from '../../src/limits/budget-period.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

const ADMIN = 'admin-key-observability-0123456789';
const KEY = 'sk-sy-config-key-for-acme-observability';
const OPTED_KEY = 'sk-sy-config-key-for-opted-observability';
// USD per 1M tokens, so the expected cost is computed here from the usage the client saw.
const PRICE = { input: 2, output: 8, cached_input: 0.5 };

// biome-ignore lint/suspicious/noExplicitAny: the tests read answers of several loose JSON shapes
type Json = any;

let primary: FakeServer;
let backup: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['sk-p'] });
  backup = await startFakeOpenAI({ keys: ['sk-b'] });
  gw = await startTestGateway(
    {
      server: { admin_key: ADMIN },
      providers: {
        primary: { type: 'openai', keys: ['sk-p'], base_url: `${primary.url}/v1` },
        backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
      },
      models: { chat: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } },
      tenants: {
        acme: { keys: [KEY], budget: { usd: 100, period: 'day' } },
        opted: { keys: [OPTED_KEY] },
      },
      pricing: { models: { 'gpt-4.1': PRICE } },
      logging: { metrics_tenant_label: true, store_bodies_for: ['opted'], body_max_bytes: 2048 },
      // One round, no same-target retry: a request whose two targets fail ends there.
      retry: { max_attempts: 2, same_target_retries: 0 },
    },
    { store: await openStore('sqlite::memory:') },
  );
});

afterAll(async () => {
  await gw?.stop();
  await primary?.stop();
  await backup?.stop();
});

async function admin(path: string, key = ADMIN): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, json: await response.json() };
}

function chat(body: Record<string, unknown>, signal?: AbortSignal, key = KEY): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Hello there' }], ...body }),
    signal,
  });
}

function expectedCost(usage: { prompt_tokens: number; completion_tokens: number; cached: number }): number {
  return (
    ((usage.prompt_tokens - usage.cached) * PRICE.input +
      usage.cached * PRICE.cached_input +
      usage.completion_tokens * PRICE.output) /
    1_000_000
  );
}

async function lineFor(requestId: string): Promise<Json> {
  await waitFor(
    () => gw.logs.some((line) => line.msg === 'request' && line.request_id === requestId),
    5000,
    `the log line of ${requestId}`,
  );
  return gw.logs.find((line) => line.msg === 'request' && line.request_id === requestId);
}

async function rowFor(requestId: string): Promise<Json> {
  await gw.gateway.controlPlane.spend?.flush();
  const { json } = await admin('/admin/requests?limit=1000');
  const row = json.data.find((r: Json) => r.request_id === requestId);
  if (row === undefined) throw new Error(`no stored row for ${requestId}`);
  return row;
}

/** The split adds up to the total within a millisecond, every part non-negative. */
function expectSplitAddsUp(latency: Json): void {
  for (const part of ['total', 'gateway', 'network', 'inference'])
    expect(latency[part]).toBeGreaterThanOrEqual(0);
  expect(Math.abs(latency.gateway + latency.network + latency.inference - latency.total)).toBeLessThan(1);
}

const ROW_FIELDS = [
  'request_id',
  'time',
  'tenant',
  'model',
  'provider',
  'upstream_model',
  'status',
  'attempts',
  'stream',
  'cache',
  'finish_reason',
  'usage',
  'cost_usd',
  'latency_ms',
  'error_code',
];

describe('a plain answer', () => {
  it('logs and stores every field, with tokens and cost equal to the usage returned', async () => {
    const response = await chat({ max_tokens: 30 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    const id = response.headers.get('x-request-id') as string;
    const cost = expectedCost({
      ...body.usage,
      cached: body.usage.prompt_tokens_details?.cached_tokens ?? 0,
    });

    const line = await lineFor(id);
    expect(line).toMatchObject({
      tenant: 'acme',
      model: 'chat',
      provider: 'primary',
      status: 200,
      stream: false,
      finish_reason: body.choices[0].finish_reason,
      usage: { prompt: body.usage.prompt_tokens, completion: body.usage.completion_tokens },
      usage_estimated: false,
      routing: { strategy: 'fallback', rule: null, chosen: 'primary/gpt-4.1', reason: 'first' },
      cache: 'BYPASS',
      guardrails: null,
    });
    expect(line.cost_usd).toBeCloseTo(cost, 12);
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(cost, 9);
    expect(line.cost_estimate_usd).toBeGreaterThan(0);
    expect(line.attempts).toHaveLength(1);
    expect(line.attempts[0]).toMatchObject({
      provider: 'primary',
      model: 'gpt-4.1',
      key_id: expect.any(String),
      status: 200,
      outcome: 'ok',
      error_class: null,
    });
    expect(line.attempts[0].first_byte_ms).toBeGreaterThan(0);
    expectSplitAddsUp(line.latency_ms);

    const row = await rowFor(id);
    for (const field of ROW_FIELDS) expect(row).toHaveProperty(field);
    expect(row).toMatchObject({
      tenant: 'acme',
      model: 'chat',
      provider: 'primary',
      upstream_model: body.model,
      status: 200,
      attempts: 1,
      stream: false,
      finish_reason: body.choices[0].finish_reason,
      usage: {
        prompt_tokens: body.usage.prompt_tokens,
        completion_tokens: body.usage.completion_tokens,
        cached_tokens: body.usage.prompt_tokens_details?.cached_tokens ?? 0,
        reasoning_tokens: body.usage.completion_tokens_details?.reasoning_tokens ?? 0,
      },
      error_code: null,
    });
    expect(row.cost_usd).toBeCloseTo(cost, 12);
    expect(Date.parse(row.time)).toBeGreaterThan(Date.now() - 60_000);
    expectSplitAddsUp(row.latency_ms);
    expect(row.latency_ms).toEqual({
      total: line.latency_ms.total,
      gateway: line.latency_ms.gateway,
      network: line.latency_ms.network,
      inference: line.latency_ms.inference,
    });
  });
});

describe('injected faults', () => {
  it('a 503 then a fallback: both attempts, their classes and the routing decision', async () => {
    primary.control.enqueue({ fault: { kind: 'status', status: 503 } });
    const response = await chat({});
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    const body = (await response.json()) as Json;
    const id = response.headers.get('x-request-id') as string;

    const line = await lineFor(id);
    expect(line.attempts.map((a: Json) => [a.provider, a.outcome, a.status, a.reason])).toEqual([
      ['primary', 'overloaded', 503, 'first'],
      ['backup', 'ok', 200, 'fallback'],
    ]);
    expect(line.routing).toMatchObject({ chosen: 'backup/gpt-4.1', reason: 'fallback' });
    expectSplitAddsUp(line.latency_ms);
    // The failed attempt is network time whole.
    expect(line.latency_ms.network).toBeGreaterThanOrEqual(line.attempts[0].duration_ms - 0.01);

    const row = await rowFor(id);
    expect(row.provider).toBe('backup');
    expect(row.attempts).toBe(2);
    expect(row.attempt_details.map((a: Json) => a.outcome)).toEqual(['overloaded', 'ok']);
    expect(row.usage.completion_tokens).toBe(body.usage.completion_tokens);
  });

  it('every target failing: the error code and each attempt are stored', async () => {
    primary.control.enqueue({ fault: { kind: 'status', status: 500 } });
    backup.control.enqueue({ fault: { kind: 'reset' } });
    const response = await chat({});
    expect(response.status).toBeGreaterThanOrEqual(500);
    const id = response.headers.get('x-request-id') as string;
    const row = await rowFor(id);
    expect(row.status).toBe(response.status);
    expect(row.error_code).toBe(((await response.json()) as Json).error.code);
    // No provider answered: the row names the one last tried (observability audit item 5), so the
    // failures on a provider can be listed.
    expect([row.provider, row.upstream_model]).toEqual(['backup', 'gpt-4.1']);
    expect(row.cost_usd).toBeNull();
    expect(row.attempt_details.map((a: Json) => a.outcome)).toEqual(['server', 'network']);
    expect(row.latency_ms.inference).toBe(0);
    expectSplitAddsUp(row.latency_ms);
    const failed = await admin('/admin/requests?status=error&limit=5');
    expect(failed.json.data.map((r: Json) => r.request_id)).toContain(id);
    expect(failed.json.data.every((r: Json) => r.status >= 400 || r.error_code !== null)).toBe(true);
    const onBackup = await admin('/admin/requests?provider=backup&status=error&limit=5');
    expect(onBackup.json.data.map((r: Json) => r.request_id)).toContain(id);
  });
});

describe('streams', () => {
  it('logs the streamed usage and cost and the time to first token', async () => {
    const response = await chat({ stream: true, stream_options: { include_usage: true } });
    const text = await response.text();
    const usageChunk = text
      .split('\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)))
      .find((chunk) => chunk.usage);
    const id = response.headers.get('x-request-id') as string;
    const row = await rowFor(id);
    expect(row.stream).toBe(true);
    expect(row.usage.prompt_tokens).toBe(usageChunk.usage.prompt_tokens);
    expect(row.usage.completion_tokens).toBe(usageChunk.usage.completion_tokens);
    expect(row.cost_usd).toBeCloseTo(
      expectedCost({ ...usageChunk.usage, cached: row.usage.cached_tokens }),
      12,
    );
    expect(row.usage_estimated).toBe(false);
    expectSplitAddsUp(row.latency_ms);
  });

  it('a client gone mid-stream still gets a complete row, its usage estimated and marked so', async () => {
    primary.control.enqueue({
      reply: { content: 'one two three four five six seven eight nine ten' },
      tokenIntervalMs: 40,
    });
    const spentBefore = await spentNano();
    const abort = new AbortController();
    const response = await chat({ stream: true }, abort.signal);
    const id = response.headers.get('x-request-id') as string;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    while ((seen.match(/data: \{/g) ?? []).length < 3)
      seen += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const line = await lineFor(id);
    expect(line.status).toBe(499);
    expect(line.client_aborted).toBe(true);
    expect(line.usage_estimated).toBe(true);
    expect(line.usage.completion).toBeGreaterThanOrEqual(1);
    expect(line.usage.prompt).toBeGreaterThan(0);
    expectSplitAddsUp(line.latency_ms);
    expect(line.cost_usd).toBeNull();
    expect(line.cost_estimate_usd).toBeCloseTo(
      expectedCost({ prompt_tokens: line.usage.prompt, completion_tokens: line.usage.completion, cached: 0 }),
      12,
    );
    const row = await rowFor(id);
    expect(row).toMatchObject({ status: 499, usage_estimated: true, provider: 'primary' });
    // The budget is charged what the log estimates, the output already delivered included (the
    // provider bills it), not only the prompt.
    let spent = await spentNano();
    for (let tries = 0; tries < 100 && spent <= spentBefore; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      spent = await spentNano();
    }
    expect(spent).toBe(spentBefore + Math.round(line.cost_estimate_usd * 1e9));
  });
});

/** The acme tenant's spend today, nano-USD, once nothing is reserved. */
async function spentNano(): Promise<number> {
  const now = Date.now();
  const view = await gw.gateway.controlPlane.state.budgetView('t:acme', periodOf('day', now).key, now);
  return view.reservedNanoUsd === 0 ? view.spentNanoUsd : -1;
}

describe('stored bodies', () => {
  it('stores bodies only for a tenant that opted in, scrubbed of secrets', async () => {
    const secret = 'sk-live-0123456789abcdefghij';
    const prompt = { messages: [{ role: 'user', content: `my key is ${secret}, keep it safe` }] };
    const opted = await chat(prompt, undefined, OPTED_KEY);
    expect(opted.status).toBe(200);
    const answer = (await opted.json()) as Json;
    const row = await rowFor(opted.headers.get('x-request-id') as string);
    expect(row.tenant).toBe('opted');
    expect(row.request_body).toContain('keep it safe');
    expect(row.request_body).not.toContain(secret);
    expect(row.request_body).toContain('[redacted]');
    // The fake echoes the prompt: the answer's copy of the secret is scrubbed too.
    expect(answer.choices[0].message.content).toContain(secret);
    expect(JSON.parse(row.response_body).choices[0].message.content).toBe(
      answer.choices[0].message.content.replace(secret, '[redacted]'),
    );

    const streamed = await chat({ ...prompt, stream: true }, undefined, OPTED_KEY);
    await streamed.text();
    const streamRow = await rowFor(streamed.headers.get('x-request-id') as string);
    expect(streamRow.response_body).toContain('chat.completion.chunk');

    const other = await chat(prompt);
    await other.text();
    const otherRow = await rowFor(other.headers.get('x-request-id') as string);
    expect(otherRow).not.toHaveProperty('request_body');
    expect(JSON.stringify(gw.logs)).not.toContain(secret);
  });
});

describe('admin API', () => {
  it('filters /admin/requests by tenant and provider, newest first, and refuses bad filters with a 400', async () => {
    const byProvider = await admin('/admin/requests?provider=backup');
    expect(byProvider.status).toBe(200);
    expect(byProvider.json.data.length).toBeGreaterThan(0);
    expect(byProvider.json.data.every((r: Json) => r.provider === 'backup')).toBe(true);
    const all = (await admin('/admin/requests?tenant=acme')).json.data;
    const times = all.map((r: Json) => Date.parse(r.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect((await admin('/admin/requests?tenant=nobody')).json.data).toEqual([]);
    for (const bad of ['limit=0', 'limit=abc', 'limit=5000', 'status=abc', 'before=yesterday']) {
      const refused = await admin(`/admin/requests?${bad}`);
      expect(refused.status, bad).toBe(400);
      expect(refused.json.error).toMatchObject({ type: 'invalid_request_error', code: expect.any(String) });
    }
    expect((await admin('/admin/requests', 'wrong-key')).status).toBe(401);
  });

  it('/admin/stats: per provider reliability and traffic share, per model, cache and tenants', async () => {
    const stats = await admin('/admin/stats?window=15m');
    expect(stats.status).toBe(200);
    const byName = Object.fromEntries(stats.json.providers.map((p: Json) => [p.provider, p]));
    expect(byName.primary.success_rate).toBeLessThan(1);
    expect(byName.primary.error_classes).toMatchObject({ overloaded: 1, server: 1 });
    expect(byName.backup.error_classes.network).toBe(1);
    expect(byName.primary.latency_ms.p50).toBeGreaterThan(0);
    const shares = stats.json.providers.reduce((sum: number, p: Json) => sum + p.traffic_share, 0);
    expect(shares).toBeCloseTo(1, 3);
    expect(stats.json.models.map((m: Json) => m.model)).toEqual(['chat']);
    expect(stats.json.totals.cost_usd).toBeGreaterThan(0);
    expect(stats.json.tenants).toEqual([
      { tenant: 'acme', period: 'day', spent_usd: expect.any(Number), budget_usd: 100 },
      { tenant: 'opted', period: 'day', spent_usd: expect.any(Number), budget_usd: null },
    ]);
    expect(stats.json.tenants[0].spent_usd).toBeGreaterThan(0);
    expect(stats.json.cache).toEqual({ hits: 0, hit_rate: 0, saved_usd: 0 });
    expect(stats.json.series.time).toHaveLength(90);
    expect(Object.keys(stats.json.series.traffic).sort()).toEqual(['backup', 'primary']);
    for (const window of ['1h', '24h'])
      expect((await admin(`/admin/stats?window=${window}`)).status).toBe(200);
    const bad = await admin('/admin/stats?window=2d');
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe('window');
  });
});

describe('/metrics', () => {
  it('exports cost, tokens, TTFT, in-flight gauges, the store queue and the tenant label when configured', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const value = (pattern: RegExp) => Number(text.match(pattern)?.[1]);
    expect(value(/^switchyard_cost_usd_total\{provider="primary"\} (\S+)$/m)).toBeGreaterThan(0);
    expect(value(/^switchyard_tokens_total\{provider="primary",kind="completion"\} (\S+)$/m)).toBeGreaterThan(
      0,
    );
    expect(
      value(/^switchyard_time_to_first_token_seconds_count\{provider="primary"\} (\S+)$/m),
    ).toBeGreaterThanOrEqual(1);
    expect(value(/^switchyard_in_flight_requests (\S+)$/m)).toBe(0);
    expect(value(/^switchyard_in_flight_streams (\S+)$/m)).toBe(0);
    expect(text).toMatch(/^switchyard_store_queue_rows\{queue="requests"\} \d+$/m);
    expect(
      value(/^switchyard_tenant_requests_total\{tenant="acme",status_class="2xx"\} (\S+)$/m),
    ).toBeGreaterThan(0);
    // No request ids or keys as labels.
    expect(text).not.toMatch(/req_[A-Za-z0-9]/);
  });
});

describe('a cache hit', () => {
  it('stores its cost as 0 and the saving beside it', async () => {
    const body = {
      messages: [{ role: 'user', content: 'A repeated question for the cache' }],
      temperature: 0,
    };
    const first = await chat(body);
    await first.text();
    const hit = await chat(body);
    await hit.text();
    expect(hit.headers.get('x-switchyard-cache')).toBe('HIT');
    const made = await rowFor(first.headers.get('x-request-id') ?? '');
    const served = await rowFor(hit.headers.get('x-request-id') ?? '');
    expect(made).toMatchObject({ cache: 'MISS', cost_saved_usd: null });
    expect(served).toMatchObject({ cache: 'HIT', cost_usd: 0 });
    expect(served.cost_saved_usd).toBeCloseTo(made.cost_usd, 12);
    // A hit is no provider's traffic (observability audit item 8): its request and duration are labelled
    // `cache`, in /metrics as in /admin/stats.
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^switchyard_requests_total\{provider="cache",status_class="2xx",stream="false"\} [1-9]/m,
    );
    expect(metrics).toMatch(
      /^switchyard_request_duration_seconds_count\{provider="cache",stream="false"\} [1-9]/m,
    );
    const stats = await admin('/admin/stats?window=15m');
    expect(stats.json.providers.map((p: Json) => p.provider)).not.toContain('cache');
    expect(stats.json.series.traffic.cache.reduce((a: number, b: number) => a + b, 0)).toBe(1);
  });
});
