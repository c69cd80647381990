/**
 * The control plane end to end (issue 11): virtual keys from the admin API, limits and their headers,
 * budgets, real cost, the signed pricing webhook and the admin endpoints, through the real server,
 * the fake OpenAI upstream and the official SDK, with an in-memory SQLite store.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { signPricingBody } from '../../src/pricing/webhook-signature.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

const ADMIN = 'admin-key-control-plane-0123456789';
const SECRET = 'pricing-secret-0123456789abcdef';
const CONFIG_KEY = 'sk-sy-config-key-for-acme';
const LIMITED_KEY = 'sk-sy-config-key-for-limited';
const BROKE_KEY = 'sk-sy-config-key-for-broke';

// biome-ignore lint/suspicious/noExplicitAny: the tests read answers of several loose JSON shapes
type Json = any;

let fake: FakeServer;
let gw: TestGateway;

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

function chat(key: string, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'openai/gpt-4.1',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'Hello there' }],
      ...extra,
    }),
  });
}

beforeAll(async () => {
  fake = await startFakeOpenAI({ keys: ['sk-up'] });
  gw = await startTestGateway(
    {
      server: { admin_key: ADMIN },
      providers: { openai: { type: 'openai', keys: ['sk-up'], base_url: `${fake.url}/v1` } },
      models: { smart: { targets: ['openai/gpt-4.1'] } },
      tiers: { free: { rate_limit: { rpm: 2 } } },
      tenants: {
        acme: { keys: [CONFIG_KEY] },
        limited: { keys: [LIMITED_KEY], rate_limit: { rpm: 3, tpm: 100_000, concurrent: 5 } },
        broke: { keys: [BROKE_KEY], budget: { usd: 0.0003, period: 'day' } },
        narrow: { models: ['smart'] },
      },
      pricing: { webhook_secret: SECRET },
    },
    { store: await openStore('sqlite::memory:') },
  );
});

afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

describe('virtual keys', () => {
  it('creates a key shown once, authenticates with it, lists it without the key, and revokes it', async () => {
    const created = await admin('POST', '/admin/keys', { tenant: 'acme', name: 'ci' });
    expect(created.status).toBe(201);
    expect(created.json.key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
    expect(created.json.tenant).toBe('acme');

    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: created.json.key, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();

    const listed = await admin('GET', '/admin/keys?tenant=acme');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.json)).not.toContain(created.json.key);
    expect(listed.json.data.map((key: { id: string }) => key.id)).toContain(created.json.id);

    expect((await admin('DELETE', `/admin/keys/${created.json.id}`)).status).toBe(200);
    const refused = await chat(created.json.key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as Json).error.code).toBe('invalid_api_key');
    expect((await admin('DELETE', `/admin/keys/${created.json.id}`)).status).toBe(404);
  });

  it('accepts the bearer scheme in any case and x-api-key', async () => {
    const lower = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `bearer ${CONFIG_KEY}` } });
    expect(lower.status).toBe(200);
    const apiKey = await fetch(`${gw.url}/v1/models`, { headers: { 'x-api-key': CONFIG_KEY } });
    expect(apiKey.status).toBe(200);
    expect((await fetch(`${gw.url}/v1/models`)).status).toBe(401);
  });

  it('a key with a tier is limited as its own unit, by that tier', async () => {
    const created = await admin('POST', '/admin/keys', { tenant: 'acme', tier: 'free' });
    expect(created.status).toBe(201);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await chat(created.json.key)).status);
    expect(statuses).toEqual([200, 200, 429]);
    // The tenant's own traffic is not counted against the key's tier.
    expect((await chat(CONFIG_KEY)).status).toBe(200);
  });

  it('a model outside the allow-list is 403 model_not_allowed and reaches no upstream', async () => {
    const created = await admin('POST', '/admin/keys', { tenant: 'narrow' });
    const response = await chat(created.json.key);
    expect(response.status).toBe(403);
    expect(((await response.json()) as Json).error.code).toBe('model_not_allowed');
    expect((await chat(created.json.key, { model: 'smart' })).status).toBe(200);
  });

  it('refuses malformed admin bodies and unknown tenants with clear 4xx errors, creating nothing', async () => {
    const before = (await admin('GET', '/admin/keys')).json.data.length;
    const cases: Array<[unknown, number, string]> = [
      ['{not json', 400, 'invalid_json'],
      [{}, 400, 'invalid_request'],
      [{ tenant: 'acme', extra: 1 }, 400, 'invalid_request'],
      [{ tenant: 'nobody' }, 404, 'tenant_not_found'],
      [{ tenant: 'acme', tier: 'gold' }, 400, 'tier_not_found'],
      [{ tenant: 'acme', models: 'smart' }, 400, 'invalid_request'],
      [{ tenant: 'acme', models: ['smrt'] }, 400, 'model_not_found'],
      [{ tenant: 'acme', models: ['ghost/gpt-4.1'] }, 400, 'model_not_found'],
    ];
    for (const [body, status, code] of cases) {
      const answer = await admin('POST', '/admin/keys', body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.json.error.code).toBe(code);
      expect(answer.json.error.message).toBeTruthy();
    }
    expect((await admin('GET', '/admin/keys')).json.data.length).toBe(before);
    const unauthorized = await fetch(`${gw.url}/admin/keys`, { headers: { authorization: 'Bearer wrong' } });
    expect(unauthorized.status).toBe(401);
  });

  it('creates a tenant at runtime and keys for it', async () => {
    const put = await admin('PUT', '/admin/tenants/runtime-co', { rate_limit: { rpm: 1 } });
    expect(put.status).toBe(201);
    const created = await admin('POST', '/admin/keys', { tenant: 'runtime-co' });
    expect(created.status).toBe(201);
    expect((await chat(created.json.key)).status).toBe(200);
    expect((await chat(created.json.key)).status).toBe(429);
    const negative = await admin('PUT', '/admin/tenants/bad-co', { budget: { usd: -1, period: 'day' } });
    expect(negative.status).toBe(400);
    expect(negative.json.error.param).toBe('budget.usd');
    // A typo in the allow-list would lock the tenant out of every model: refused as POST /admin/keys does.
    const typo = await admin('PUT', '/admin/tenants/typo-co', { models: ['smrt'] });
    expect(typo.status).toBe(400);
    expect(typo.json.error).toMatchObject({ code: 'model_not_found', param: 'models' });
    const unauthorized = await fetch(`${gw.url}/admin/tenants/typo-co`, {
      method: 'PUT',
      headers: { authorization: 'Bearer wrong' },
      body: '{}',
    });
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as Json).error.message).toMatch(/admin key/);
  });

  it('applies a runtime tenant changed by PUT to the keys already made for it, at once', async () => {
    expect((await admin('PUT', '/admin/tenants/changing-co', {})).status).toBe(201);
    const created = await admin('POST', '/admin/keys', { tenant: 'changing-co' });
    for (let i = 0; i < 3; i++) expect((await chat(created.json.key)).status).toBe(200);
    expect((await admin('PUT', '/admin/tenants/changing-co', { rate_limit: { rpm: 1 } })).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await chat(created.json.key)).status);
    expect(statuses).toEqual([200, 429]);
  });

  it('answers 503 store_unavailable, not a 500, while the store does not answer', async () => {
    const store = gw.gateway.controlPlane.store;
    if (store === undefined) throw new Error('the test gateway has a store');
    const down = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    };
    const methods = [
      'insertKey',
      'listKeys',
      'revokeKey',
      'listTenants',
      'upsertTenant',
      'deleteTenant',
    ] as const;
    const saved = methods.map((method) => [method, store[method]] as const);
    for (const method of methods) (store as unknown as Record<string, unknown>)[method] = down;
    try {
      for (const [method, path, body] of [
        ['POST', '/admin/keys', { tenant: 'acme' }],
        ['GET', '/admin/keys?tenant=acme', undefined],
        ['DELETE', '/admin/keys/key_whatever', undefined],
        ['PUT', '/admin/tenants/down-co', { rate_limit: { rpm: 1 } }],
        ['DELETE', '/admin/tenants/down-co', undefined],
      ] as const) {
        const answer = await admin(method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(503);
        expect(answer.json.error, `${method} ${path}`).toMatchObject({ code: 'store_unavailable' });
        expect(answer.json.error.message).toMatch(/ECONNREFUSED/);
      }
    } finally {
      for (const [method, original] of saved)
        (store as unknown as Record<string, unknown>)[method] = original;
    }
  });
});

describe('limits', () => {
  it('answers with OpenAI rate-limit headers and refuses past the RPM limit with 429 and retry-after', async () => {
    const first = await chat(LIMITED_KEY);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$|m/);
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(100_000);
    await chat(LIMITED_KEY);
    await chat(LIMITED_KEY);
    const refused = await chat(LIMITED_KEY);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const body = (await refused.json()) as Json;
    expect(body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
  });
});

describe('cost and budgets', () => {
  it('says what a non-streaming answer cost, from the usage and the price of the model that answered', async () => {
    const response = await chat(CONFIG_KEY);
    const body = (await response.json()) as Json;
    const usage = body.usage;
    const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
    // gpt-4.1: $2 input, $0.50 cached input, $8 output per 1M tokens (built-in table).
    const expected = ((usage.prompt_tokens - cached) * 2 + cached * 0.5 + usage.completion_tokens * 8) / 1e6;
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(expected, 12);
    await waitFor(() => gw.logs.some((line) => line.request_id === response.headers.get('x-request-id')));
    const line = gw.logs.find((entry) => entry.request_id === response.headers.get('x-request-id'));
    expect(line?.cost_usd).toBeCloseTo(expected, 12);
    expect(line?.tenant).toBe('acme');
  });

  it('refuses a hard budget with 429 budget_exceeded (insufficient_quota) once it is spent', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40 && !statuses.includes(429); i++) statuses.push((await chat(BROKE_KEY)).status);
    expect(statuses).toContain(200);
    const refused = await chat(BROKE_KEY);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as Json).error).toMatchObject({
      code: 'budget_exceeded',
      type: 'insufficient_quota',
    });
    const spend = await admin('GET', '/admin/spend?tenant=broke&period=day');
    expect(spend.status).toBe(200);
    expect(spend.json).toMatchObject({ tenant: 'broke', period: 'day', budget_usd: 0.0003 });
    expect(spend.json.spent_usd).toBeGreaterThan(0);
    expect(spend.json.spent_usd).toBeLessThanOrEqual(0.0003);
    expect(spend.json.reserved_usd).toBe(0);
  });

  it('answers /admin/spend errors clearly', async () => {
    expect((await admin('GET', '/admin/spend?tenant=nobody')).status).toBe(404);
    expect((await admin('GET', '/admin/spend')).status).toBe(400);
    expect((await admin('GET', '/admin/spend?tenant=acme&period=year')).status).toBe(400);
  });
});

describe('the pricing webhook', () => {
  async function webhook(
    body: string,
    signature: string | undefined,
  ): Promise<{ status: number; json: Json }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== undefined) headers['x-switchyard-signature'] = signature;
    const response = await fetch(`${gw.url}/admin/pricing`, { method: 'POST', headers, body });
    return { status: response.status, json: await response.json() };
  }

  it('refuses bad, stale and replayed signatures, changing nothing, and applies a good one to the next request', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ models: { 'openai/gpt-4.1': { input: 100, output: 100 } } });
    const before = Number((await chat(CONFIG_KEY)).headers.get('x-switchyard-cost-usd'));

    expect((await webhook(body, undefined)).status).toBe(401);
    expect(
      (await webhook(body, signPricingBody('wrong-secret-0123456789', Buffer.from(body), now))).status,
    ).toBe(401);
    expect((await webhook(body, signPricingBody(SECRET, Buffer.from(body), now - 301))).status).toBe(401);
    const tampered = body.replace('100', '1');
    expect((await webhook(tampered, signPricingBody(SECRET, Buffer.from(body), now))).status).toBe(401);
    const unchanged = Number((await chat(CONFIG_KEY)).headers.get('x-switchyard-cost-usd'));
    expect(unchanged).toBeCloseTo(before, 12);

    const signature = signPricingBody(SECRET, Buffer.from(body), now);
    const accepted = await webhook(body, signature);
    expect(accepted.status).toBe(200);
    const replayed = await webhook(body, signature);
    expect(replayed.status).toBe(401);
    expect(replayed.json.error.code).toBe('invalid_signature');

    const after = await chat(CONFIG_KEY);
    const usage = ((await after.json()) as Json).usage;
    expect(Number(after.headers.get('x-switchyard-cost-usd'))).toBeCloseTo(
      ((usage.prompt_tokens + usage.completion_tokens) * 100) / 1e6,
      12,
    );
    const table = await admin('GET', '/admin/pricing');
    const entry = table.json.data.find((row: { model: string }) => row.model === 'openai/gpt-4.1');
    expect(entry).toMatchObject({ source: 'webhook', input: 100, output: 100 });
    expect(table.json.data.some((row: { source: string }) => row.source === 'built-in')).toBe(true);
  });

  it('refuses a well-signed body of the wrong shape with 400 naming the field', async () => {
    const body = JSON.stringify({ models: { 'gpt-4.1': { input: -1, output: 2 } } });
    const answer = await webhook(
      body,
      signPricingBody(SECRET, Buffer.from(body), Math.floor(Date.now() / 1000)),
    );
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain('input');
  });
});
