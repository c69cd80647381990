import { Mistral } from '@mistralai/mistralai';
import { HTTPValidationError, MistralError } from '@mistralai/mistralai/models/errors';
import { describe, expect, it } from 'vitest';
import { postRaw, startFake } from './mistral-fixture.ts';

const request = { model: 'mistral-small-latest', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('fake Mistral errors, as the SDK and raw clients see them', () => {
  it('a wrong key is the gateway 401 {"message":"Unauthorized"}', async () => {
    const { fake } = await startFake({ keys: ['right'] });
    const client = new Mistral({ apiKey: 'wrong', serverURL: fake.url });
    const error = await client.chat.complete(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MistralError);
    expect((error as MistralError).statusCode).toBe(401);
    expect(JSON.parse((error as MistralError).body)).toMatchObject({ message: 'Unauthorized' });
  });

  it('a missing Authorization header is 401 too', async () => {
    const { fake } = await startFake();
    const res = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(request),
    });
    expect(res.status).toBe(401);
  });

  it.each([
    ['max_completion_tokens', { max_completion_tokens: 10 }, ['body', 'max_completion_tokens']],
    ['seed', { seed: 1 }, ['body', 'seed']],
    ['stream_options', { stream: true, stream_options: { include_usage: true } }, ['body', 'stream_options']],
    ['logprobs', { logprobs: true }, ['body', 'logprobs']],
    ['user', { user: 'u1' }, ['body', 'user']],
    [
      'reasoning_content on an assistant message',
      {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b', reasoning_content: 'c' },
          { role: 'user', content: 'd' },
        ],
      },
      ['body', 'messages', 1, 'assistant', 'reasoning_content'],
    ],
    [
      'name on a user message',
      { messages: [{ role: 'user', content: 'a', name: 'ada' }] },
      ['body', 'messages', 0, 'user', 'name'],
    ],
  ])('rejects %s with 422 extra_forbidden naming its location', async (_name, extra, loc) => {
    const { fake } = await startFake();
    const res = await postRaw(fake, { ...request, ...extra });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      object: 'error',
      type: 'invalid_request_error',
      message: { detail: [{ type: 'extra_forbidden', loc, msg: 'Extra inputs are not permitted' }] },
    });
  });

  it('the SDK surfaces a 422 as HTTPValidationError', async () => {
    const { client } = await startFake();
    // An open enum in the SDK, a closed one at the API.
    const error = await client.chat
      .complete({ ...request, reasoningEffort: 'ultra' as never })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPValidationError);
    expect((error as HTTPValidationError).statusCode).toBe(422);
    expect(JSON.parse((error as HTTPValidationError).body)).toMatchObject({
      message: { detail: [{ type: 'enum', loc: ['body', 'reasoning_effort'] }] },
    });
  });

  it('rejects a tool-call id that is not 9 alphanumerics with the API wording', async () => {
    const { fake } = await startFake();
    const res = await postRaw(fake, {
      ...request,
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'w', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'call_abc123', content: 'sunny' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      object: 'error',
      message: 'Tool call id was call_abc123 but must be a-z, A-Z, 0-9, with a length of 9.',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('rejects an assistant message with neither content nor tool calls', async () => {
    const { fake } = await startFake();
    const res = await postRaw(fake, {
      ...request,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: null },
        { role: 'user', content: 'b' },
      ],
    });
    expect(res.status).toBe(400);
  });

  it('answers 429 rate_limited with retry-after and the x-ratelimit minute headers', async () => {
    const { client } = await startFake({ rateLimits: { requestsPerMinute: 1 } });
    await client.chat.complete(request);
    const error = await client.chat.complete(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MistralError);
    const limited = error as MistralError;
    expect(limited.statusCode).toBe(429);
    expect(JSON.parse(limited.body)).toEqual({
      object: 'error',
      message: 'Requests rate limit exceeded',
      type: 'rate_limited',
      param: null,
      code: '1300',
    });
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(limited.headers.get('x-ratelimit-remaining-req-minute')).toBe('0');
    expect(limited.headers.get('x-ratelimit-limit-req-minute')).toBe('1');
  });

  it('rejects unknown models with 400 invalid_model when the catalogue is strict', async () => {
    const { client } = await startFake({ strictModels: true });
    const error = await client.chat.complete({ ...request, model: 'mistral-huge' }).catch((e: unknown) => e);
    expect((error as MistralError).statusCode).toBe(400);
    expect(JSON.parse((error as MistralError).body)).toMatchObject({
      type: 'invalid_model',
      message: 'Invalid model: mistral-huge',
    });
  });

  it('answers FastAPI 404 for unknown paths', async () => {
    const { fake } = await startFake();
    const res = await fetch(`${fake.url}/v1/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not Found' });
  });
});
