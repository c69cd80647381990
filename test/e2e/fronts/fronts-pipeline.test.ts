/**
 * The fronts run the one pipeline (issue 17): keys, allow-lists, limits and budgets refuse in each
 * front's own envelope before any upstream call; fallback serves a front like chat; a stream that fails
 * after its first byte ends with the front's own error event; every request is logged.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway, waitFor } from '../../helpers/gateway.ts';

const KEY = 'sk-sy-acme-0123456789';
const LIMITED = 'sk-sy-limited-0123456789';
const NARROW = 'sk-sy-narrow-0123456789';

let primary: FakeServer;
let backup: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  primary = await startFakeOpenAI({ keys: ['a'] });
  backup = await startFakeOpenAI({ keys: ['b'] });
  gw = await startTestGateway({
    // Output moderation would hold the first sentence back, so the cut in the stream test would come
    // before any event; this file tests the fronts' own error path (guardrails have their own tests).
    guardrails: { moderation: { backend: 'off' } },
    providers: {
      primary: { type: 'openai', keys: ['a'], base_url: `${primary.url}/v1` },
      backup: { type: 'openai', keys: ['b'], base_url: `${backup.url}/v1` },
    },
    models: {
      smart: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] },
      solo: { targets: ['primary/gpt-4.1'] },
    },
    tenants: {
      acme: { keys: [KEY] },
      limited: { keys: [LIMITED], rate_limit: { rpm: 1 } },
      narrow: { keys: [NARROW], models: ['solo'] },
    },
  });
});
afterAll(async () => {
  await gw?.stop();
  await primary?.stop();
  await backup?.stop();
});

const anthropic = (apiKey: string) => new Anthropic({ baseURL: gw.url, apiKey, maxRetries: 0 });
const openai = (apiKey: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
const hello = { model: 'smart', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('/v1/messages', () => {
  it('takes the virtual key in x-api-key or as a Bearer token, and refuses a wrong one (401)', async () => {
    expect((await anthropic(KEY).messages.create(hello)).type).toBe('message');
    const bearer = new Anthropic({ baseURL: gw.url, authToken: KEY, apiKey: null, maxRetries: 0 });
    expect((await bearer.messages.create(hello)).type).toBe('message');
    const error = await anthropic('sk-wrong')
      .messages.create(hello)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
  });

  it("refuses a model outside the key's allow-list (403) and a request over the limit (429)", async () => {
    const denied = await anthropic(NARROW)
      .messages.create(hello)
      .catch((caught: unknown) => caught);
    expect(denied).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const before = primary.requests.length + backup.requests.length;
    await anthropic(LIMITED).messages.create(hello);
    const limited = await anthropic(LIMITED)
      .messages.create(hello)
      .catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toMatch(
      /^\d+$/,
    );
    expect(primary.requests.length + backup.requests.length).toBe(before + 1);
  });

  it('falls over to the next target before the first byte', async () => {
    primary.control.enqueue({ fault: { kind: 'status', status: 503 } });
    const { data, response } = await anthropic(KEY)
      .messages.create({ ...hello, stream: false })
      .withResponse();
    expect(data.stop_reason).toBe('end_turn');
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('ends a stream that breaks after its first byte with an Anthropic error event', async () => {
    primary.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2 } });
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY },
      body: JSON.stringify({ ...hello, model: 'solo', stream: true }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text.startsWith('event: message_start\n')).toBe(true);
    expect(text).toMatch(
      /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"[^"]+"\}\}\n\n$/,
    );
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain('message_stop');
    const id = response.headers.get('x-request-id');
    await waitFor(() => gw.logs.some((line) => line.request_id === id));
    const line = gw.logs.find((entry) => entry.request_id === id) as Record<string, unknown>;
    expect(line).toMatchObject({ api: 'anthropic-messages', status: 200, stream: true });
    expect((line.error as { code: string }).code).toBe('upstream_stream_error');
  });
});

describe('/v1/responses', () => {
  it('refuses a wrong key and a request over the limit in OpenAI envelopes', async () => {
    const error = await openai('sk-wrong')
      .responses.create({ model: 'smart', input: 'hi' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const limitedClient = openai('sk-sy-limited-0123456789');
    await limitedClient.responses.create({ model: 'smart', input: 'hi' }).catch(() => undefined);
    const limited = await limitedClient.responses
      .create({ model: 'smart', input: 'hi' })
      .catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('ends a stream that breaks after its first byte with an error event the SDK raises', async () => {
    primary.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2 } });
    const stream = openai(KEY).responses.stream({ model: 'solo', input: 'Write a sentence about the sea.' });
    await expect(stream.finalResponse()).rejects.toThrow();
    // On the wire (an OpenAI target: the upstream's bytes are relayed): its own error is the stream's
    // last event, with no second one from the gateway, and the log names the upstream's failure.
    primary.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 2 } });
    const response = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'solo', stream: true, input: 'Write a sentence about the sea.' }),
    });
    const text = await response.text();
    const errors = text
      .split('\n')
      .filter((line) => line.startsWith('data: {"error"') || line.includes('"type":"error"'));
    expect(errors).toHaveLength(1);
    expect(text.trimEnd().endsWith(errors[0] as string)).toBe(true);
    const id = response.headers.get('x-request-id');
    await waitFor(() => gw.logs.some((line) => line.request_id === id));
    const line = gw.logs.find((entry) => entry.request_id === id) as { error: { code: string } };
    expect(line.error.code).toBe('upstream_stream_error');
  });
});

describe('/v1/embeddings', () => {
  it('applies keys and limits', async () => {
    const error = await openai('sk-wrong')
      .embeddings.create({ model: 'primary/text-embedding-3-small', input: 'x' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const ok = await openai(KEY).embeddings.create({ model: 'primary/text-embedding-3-small', input: 'x' });
    expect(ok.data).toHaveLength(1);
  });
});
