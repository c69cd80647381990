import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { qwenError } from '../../../../src/demo/fakes/qwen/errors.ts';
import { postRaw, type QwenExtras, startFake } from './qwen-fixture.ts';

const request = { model: 'qwen-plus', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('fake Qwen errors, as the openai SDK sees them', () => {
  it('a wrong key: 401 invalid_api_key with a request_id', async () => {
    const { fake } = await startFake({ keys: ['right'] });
    const client = new OpenAI({ baseURL: `${fake.url}/compatible-mode/v1`, apiKey: 'wrong', maxRetries: 0 });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    const raw = await fetch(`${fake.url}/compatible-mode/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(request),
    });
    expect(await raw.json()).toMatchObject({
      error: { code: 'invalid_api_key' },
      request_id: expect.any(String),
    });
  });

  it('QwQ answers streams only', async () => {
    const { client } = await startFake();
    const error = await client.chat.completions
      .create({ ...request, model: 'qwq-plus' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('This model only support stream mode');
  });

  it('open-weight Qwen3 thinking needs a stream', async () => {
    const { client } = await startFake();
    const error = await client.chat.completions
      .create({ ...request, model: 'qwen3-32b' })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      'parameter.enable_thinking must be set to false for non-streaming calls',
    );
    const ok = await client.chat.completions.create({
      ...request,
      model: 'qwen3-32b',
      enable_thinking: false,
    } as typeof request & QwenExtras);
    expect(ok.choices[0]?.finish_reason).toBe('stop');
  });

  it('a thinking budget above the maximum is refused with the documented wording', async () => {
    const { client } = await startFake();
    const error = await client.chat.completions
      .create({
        ...request,
        stream: true,
        enable_thinking: true,
        thinking_budget: 100_000,
      } as typeof request & QwenExtras & { stream: true })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      'The thinking_budget parameter must be a positive integer and not greater than 38912',
    );
  });

  it.each(['logit_bias', 'user', 'max_completion_tokens', 'reasoning_effort'])(
    'refuses the field %s',
    async (field) => {
      const { fake } = await startFake();
      const res = await postRaw(fake, {
        ...request,
        [field]: field === 'logit_bias' ? { '1': 1 } : field === 'max_completion_tokens' ? 5 : 'x',
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: { code: 'invalid_parameter_error', type: 'invalid_request_error' },
      });
    },
  );

  it.each([
    [429, 'limit_requests', OpenAI.RateLimitError],
    [500, 'internal_error', OpenAI.InternalServerError],
    [503, 'ServiceUnavailable', OpenAI.InternalServerError],
  ] as const)('status %i carries code %s', async (status, code, errorClass) => {
    const { client, fake } = await startFake();
    fake.control.enqueue({
      fault: { kind: 'status', status, retryAfterSeconds: status === 429 ? 2 : undefined },
    });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe(code);
    if (status === 429)
      expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('2');
  });

  it('moderation: a scripted data_inspection_failed body reaches the SDK as a 400', async () => {
    const { client, fake } = await startFake();
    const moderated = qwenError(
      400,
      'data_inspection_failed',
      'Input data may contain inappropriate content.',
    );
    fake.control.enqueue({ fault: { kind: 'status', status: 400, body: moderated.body } });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('data_inspection_failed');
  });

  it('unknown models answer 404 model_not_found when strict', async () => {
    const { client } = await startFake({ strictModels: true });
    const error = await client.chat.completions
      .create({ ...request, model: 'qwen-9000' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
