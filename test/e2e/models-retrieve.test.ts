/**
 * Issue 10, item 10: GET /v1/models/{id} (the OpenAI SDK's `models.retrieve`) answers the model object
 * for what GET /v1/models lists to the same key, and OpenAI's 404 `model_not_found` for anything else;
 * env-only mode lists each provider's known models.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveModel } from '../../src/config/compile.ts';
import { configFromEnv } from '../../src/config/from-env.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { Gateway } from '../../src/server/gateway.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let fake: FakeServer;
const started: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  fake = await startFakeOpenAI({});
});
afterAll(async () => {
  await fake?.stop();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((gw) => gw.stop()));
});

async function gateway(document: Record<string, unknown>, apiKey?: string): Promise<TestGateway> {
  const gw = await startTestGateway(document, { apiKey });
  started.push(gw);
  return gw;
}

const document = (tenants: Record<string, unknown> = {}) => ({
  providers: {
    fake: { type: 'openai', keys: ['k'], base_url: `${fake.url}/v1`, models: ['gpt-4.1', 'gpt-4.1-mini'] },
  },
  models: { smart: { targets: ['fake/gpt-4.1'] }, other: { targets: ['fake/gpt-4.1-mini'] } },
  tenants,
});

async function notFound(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  return (error as InstanceType<typeof OpenAI.NotFoundError>).error as Record<string, unknown>;
}

describe('GET /v1/models/{id}', () => {
  it('answers the OpenAI model object for a virtual model and a listed provider/model', async () => {
    const gw = await gateway(document());
    const smart = await gw.client.models.retrieve('smart');
    expect(smart).toMatchObject({ id: 'smart', object: 'model', owned_by: 'switchyard' });
    expect(typeof smart.created).toBe('number');
    // The SDK percent-encodes the slash; curl users do not. Both name the same model.
    expect(await gw.client.models.retrieve('fake/gpt-4.1')).toMatchObject({
      id: 'fake/gpt-4.1',
      object: 'model',
      owned_by: 'fake',
    });
    for (const path of ['/v1/models/fake/gpt-4.1', '/v1/models/fake%2Fgpt-4.1', '/models/fake/gpt-4.1?x=1']) {
      const response = await fetch(`${gw.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(((await response.json()) as { id: string }).id, path).toBe('fake/gpt-4.1');
      expect(response.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('answers 404 model_not_found in the OpenAI envelope for an unknown id', async () => {
    const gw = await gateway(document());
    for (const id of ['nope', 'fake/gpt-4o', 'nobody/gpt-4.1']) {
      const error = await notFound(gw.client.models.retrieve(id));
      expect(error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
      expect(String(error.message)).toContain(id);
    }
    const response = await fetch(`${gw.url}/v1/models/%E0%A4%A`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
  });

  it('respects the tenant allow-list as the list does, and needs a key when tenants exist', async () => {
    const tenants = { acme: { keys: ['sk-acme-123'], models: ['smart'] } };
    const gw = await gateway(document(tenants), 'sk-acme-123');
    expect((await gw.client.models.retrieve('smart')).id).toBe('smart');
    for (const id of ['other', 'fake/gpt-4.1'])
      expect((await notFound(gw.client.models.retrieve(id))).code).toBe('model_not_found');
    const anonymous = await fetch(`${gw.url}/v1/models/smart`);
    expect(anonymous.status).toBe(401);
  });

  it('is GET only', async () => {
    const gw = await gateway(document());
    const response = await fetch(`${gw.url}/v1/models/smart`, { method: 'DELETE' });
    expect(response.status).toBe(405);
  });
});

describe('env-only mode (no config file)', () => {
  it('lists each provider’s known models as provider/model, and still takes any other name', async () => {
    const fromEnv = configFromEnv({
      OPENAI_API_KEY: 'sk-o',
      ANTHROPIC_API_KEY: 'sk-a',
      MISTRAL_API_KEY: 'm',
    });
    if (fromEnv === undefined) throw new Error('no config from env');
    // No request here reaches an upstream: only the models routes are called.
    const gw = new Gateway({
      config: fromEnv.config,
      services: {
        logger: silentLogger(),
        metrics: createMetrics({ defaultMetrics: false }),
        random: Math.random,
      },
    });
    started.push({ stop: () => gw.shutdown(100) });
    const address = await gw.listen(0, '127.0.0.1');
    const client = new OpenAI({
      baseURL: `http://127.0.0.1:${address.port}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
    });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'openai/gpt-4.1',
        'openai/gpt-4o-mini',
        'anthropic/claude-sonnet-4-5',
        'mistral/mistral-large-latest',
      ]),
    );
    expect(ids.every((id) => /^(openai|anthropic|mistral)\//.test(id))).toBe(true);
    expect((await client.models.retrieve('anthropic/claude-sonnet-4-5')).owned_by).toBe('anthropic');
    // Listing is not a restriction: a dated snapshot the table does not list still routes.
    expect(resolveModel(gw.snapshot, 'openai/gpt-4.1-2025-04-14')).toBeDefined();
  });
});
