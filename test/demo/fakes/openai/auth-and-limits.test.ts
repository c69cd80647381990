import OpenAI from 'openai';
import type { OpenAIErrorBody } from '../../../../src/demo/fakes/openai/errors.ts';
import { describe, expect, it } from 'vitest';
import { goDuration } from '../../../../src/demo/fakes/openai/rate-limit.ts';
import { API_KEY, startFake } from './fake-openai-fixture.ts';

const request = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('fake OpenAI authentication', () => {
  it('rejects a wrong key with 401 invalid_api_key and a redacted key in the message', async () => {
    const { fake } = await startFake({ keys: [API_KEY] });
    const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-wrong-key-1234', maxRetries: 0 });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const auth = error as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(auth.status).toBe(401);
    expect(auth.code).toBe('invalid_api_key');
    expect(auth.type).toBe('invalid_request_error');
    expect(auth.param).toBeNull();
    expect(auth.message).toContain('Incorrect API key provided: sk-**********1234.');
    expect(auth.message).not.toContain('wrong');
  });

  it('accepts any non-empty key by default and a configured key when keys are set', async () => {
    const { client } = await startFake({ keys: [API_KEY] });
    await expect(client.chat.completions.create(request)).resolves.toMatchObject({
      object: 'chat.completion',
    });
  });

  it('rejects a missing Authorization header with 401 and the API wording', async () => {
    const { fake } = await startFake();
    const res = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(request),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as OpenAIErrorBody;
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    expect(body.error.message).toMatch(/^You didn't provide an API key/);
  });

  it('answers 404 model_not_found for a model outside a strict catalogue', async () => {
    const { client } = await startFake({ models: ['gpt-4.1'], strictModels: true });
    const error = await client.chat.completions
      .create({ ...request, model: 'gpt-9' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((error as Error).message).toContain(
      'The model `gpt-9` does not exist or you do not have access to it.',
    );
  });

  it('answers any model when the catalogue is not strict', async () => {
    const { client } = await startFake({ models: ['gpt-4.1'] });
    const completion = await client.chat.completions.create({ ...request, model: 'my-fine-tune' });
    expect(completion.model).toBe('my-fine-tune');
  });
});

describe('fake OpenAI rate limits', () => {
  it('returns 429 with retry-after, retry-after-ms and the rate_limit_exceeded envelope when exhausted', async () => {
    const { client } = await startFake({ rateLimits: { requestsPerMinute: 2 } });
    const first = await client.chat.completions.create(request).withResponse();
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.response.headers.get('x-ratelimit-reset-requests')).toBe('30s');
    await client.chat.completions.create(request);
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.status).toBe(429);
    expect(limited.code).toBe('rate_limit_exceeded');
    expect(limited.type).toBe('requests');
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.headers.get('retry-after-ms')).toBe('30000');
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(limited.message).toContain(
      'on requests per min (RPM): Limit 2, Used 2, Requested 1. Please try again in 30s.',
    );
  });

  it('limits tokens per minute too, and refills with the clock', async () => {
    let now = 1_767_225_600_000;
    const { client } = await startFake({ rateLimits: { tokensPerMinute: 100 }, clock: () => now });
    await client.chat.completions.create({ ...request, max_tokens: 60 });
    const error = await client.chat.completions
      .create({ ...request, max_tokens: 60 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).type).toBe('tokens');
    now += 60_000;
    await expect(client.chat.completions.create({ ...request, max_tokens: 60 })).resolves.toBeDefined();
  });

  it('formats reset durations the way the API does', () => {
    expect(goDuration(12)).toBe('12ms');
    expect(goDuration(1000)).toBe('1s');
    expect(goDuration(51_189)).toBe('51.189s');
    expect(goDuration(360_000)).toBe('6m0s');
  });
});
