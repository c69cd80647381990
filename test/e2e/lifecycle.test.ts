/**
 * Models listing, virtual keys, reload and graceful shutdown, against the real server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { openStore } from '../../src/store/from-config.ts';
import { startTestGateway, type TestGateway, testConfig } from '../helpers/gateway.ts';

let fake: FakeServer;
const started: TestGateway[] = [];

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

const providers = () => ({
  fake: { type: 'openai', keys: ['k'], base_url: `${fake.url}/v1`, models: ['gpt-4.1', 'gpt-4.1-mini'] },
});

describe('GET /v1/models', () => {
  it('lists virtual models and the configured provider/model names in OpenAI list shape', async () => {
    const gw = await gateway({ providers: providers(), models: { smart: { targets: ['fake/gpt-4.1'] } } });
    const ids: string[] = [];
    for await (const model of gw.client.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual(['fake/gpt-4.1', 'fake/gpt-4.1-mini', 'smart']);
  });

  it('shows a tenant only the models on its allow-list', async () => {
    const gw = await gateway(
      {
        providers: providers(),
        models: { smart: { targets: ['fake/gpt-4.1'] } },
        tenants: { acme: { keys: ['sk-acme-123'], models: ['smart'] } },
      },
      'sk-acme-123',
    );
    const ids: string[] = [];
    for await (const model of gw.client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['smart']);
  });
});

describe('virtual keys', () => {
  const document = () => ({
    providers: providers(),
    models: { smart: { targets: ['fake/gpt-4.1'] }, other: { targets: ['fake/gpt-4.1-mini'] } },
    tenants: { acme: { keys: ['sk-acme-123'], models: ['smart'] } },
  });

  it('refuses a request without a valid key with 401 when tenants are configured', async () => {
    const gw = await gateway(document(), 'wrong-key');
    const error = await gw.client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('serves a tenant its allowed models and refuses others with 403', async () => {
    const gw = await gateway(document(), 'sk-acme-123');
    const ok = await gw.client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(ok.choices[0]?.message.content).toBeTruthy();
    const error = await gw.client.chat.completions
      .create({ model: 'other', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
  });
});

describe('reload', () => {
  it('serves new models after a reload while a stream started before it finishes on the old config', async () => {
    const gw = await gateway({ providers: providers(), models: { smart: { targets: ['fake/gpt-4.1'] } } });
    fake.control.enqueue({
      tokenIntervalMs: 20,
      reply: { content: 'one two three four five six seven eight' },
    });
    const stream = await gw.client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    gw.gateway.reload(
      testConfig({ providers: providers(), models: { fresh: { targets: ['fake/gpt-4.1-mini'] } } }),
    );
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('one two three four five six seven eight');
    const fresh = await gw.client.chat.completions.create({
      model: 'fresh',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(fresh.choices[0]?.message.content).toBeTruthy();
    const gone = await gw.client.chat.completions
      .create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect(gw.gateway.snapshot.version).toBe(2);
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight stream finish, then refuses new connections', async () => {
    const gw = await gateway({ providers: providers() });
    fake.control.enqueue({
      tokenIntervalMs: 20,
      reply: { content: 'alpha beta gamma delta epsilon zeta eta theta' },
    });
    const stream = await gw.client.chat.completions.create({
      model: 'fake/gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    let text = first.value?.choices[0]?.delta.content ?? '';
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    const shutdown = gw.gateway.shutdown(10_000);
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      text += next.value.choices[0]?.delta.content ?? '';
    await shutdown;
    expect(text).toBe('alpha beta gamma delta epsilon zeta eta theta');
    await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();
  });

  it('lets an in-flight non-streaming request finish before it closes', async () => {
    const gw = await gateway({ providers: providers() });
    fake.control.enqueue({ firstByteMs: 400, reply: { content: 'slow but whole' } });
    const before = fake.requests.length;
    const pending = gw.client.chat.completions.create({
      model: 'fake/gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await fake.waitFor((requests) => requests.length > before);
    expect(gw.gateway.inFlight).toBe(1);
    let shutDown = false;
    const shutdown = gw.gateway.shutdown(10_000).then(() => {
      shutDown = true;
    });
    const completion = await pending;
    expect(completion.choices[0]?.message.content).toBe('slow but whole');
    await shutdown;
    expect(shutDown).toBe(true);
    expect(gw.gateway.inFlight).toBe(0);
  });

  it('cuts what is still running once the grace period is over, so shutdown always ends', async () => {
    const gw = await gateway({ providers: providers() });
    fake.control.enqueue({ fault: { kind: 'stall' } });
    const before = fake.requests.length;
    const pending = gw.client.chat.completions
      .create({ model: 'fake/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    await fake.waitFor((requests) => requests.length > before);
    await gw.gateway.shutdown(200);
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    await fake.waitFor((requests) => requests[before]?.aborted === true);
  });

  it('stores a row for every request it cut, as the gateway’s shutdown, not the client’s or provider’s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-cut-'));
    const file = `sqlite:${join(dir, 'store.db')}`;
    try {
      const gw = await startTestGateway({ providers: providers() }, { store: await openStore(file) });
      const before = fake.requests.length;
      const pending = [];
      for (let i = 0; i < 6; i++) {
        fake.control.enqueue({
          tokenIntervalMs: 200,
          reply: { content: 'one two three four five six seven' },
        });
        pending.push(
          fetch(`${gw.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'fake/gpt-4.1',
              stream: i % 2 === 0,
              messages: [{ role: 'user', content: `cut ${i}` }],
            }),
          })
            .then((response) => response.text())
            .catch((error: unknown) => error),
        );
      }
      await fake.waitFor((requests) => requests.length >= before + 6);
      await gw.gateway.shutdown(100);
      await Promise.all(pending);

      const store = await openStore(file);
      const rows = await store.queryRequests({ limit: 100 });
      await store.close();
      expect(rows).toHaveLength(6);
      for (const row of rows) {
        expect(row.errorCode, row.requestId).toBe('shutting_down');
        expect(row.status, row.requestId).toBe(row.stream ? 200 : 503);
      }
      const lines = gw.logs.filter((line) => line.msg === 'request');
      expect(lines).toHaveLength(6);
      for (const line of lines) {
        expect(line.client_aborted).toBe(false);
        // The cut is nobody's failure upstream: no attempt is marked failed against the provider.
        for (const attempt of line.attempts as Array<{ outcome: string }>)
          expect(['network', 'stream_error']).not.toContain(attempt.outcome);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
