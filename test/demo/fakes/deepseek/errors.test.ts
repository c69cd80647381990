import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { FAKE_SCRIPT_HEADER } from '../../../../src/demo/fakes/shared/script.ts';
import { postRaw, startFake } from './deepseek-fixture.ts';

const request = { model: 'deepseek-chat', messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('fake DeepSeek errors, as the openai SDK sees them', () => {
  it('a wrong key: 401 AuthenticationError with DeepSeek wording', async () => {
    const { fake } = await startFake({ keys: ['right'] });
    const client = new OpenAI({ baseURL: fake.url, apiKey: 'sk-wrongkey1234', maxRetries: 0 });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as Error).message).toContain('Authentication Fails, Your api key: ****1234 is invalid');
  });

  it('rejects image parts with the deserializer wording', async () => {
    const { client } = await startFake();
    const error = await client.chat.completions
      .create({
        model: 'deepseek-chat',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('unknown variant `image_url`, expected `text`');
  });

  it.each([
    ['seed', { seed: 1 }],
    ['n', { n: 2 }],
    ['user', { user: 'u' }],
    ['parallel_tool_calls', { parallel_tool_calls: true }],
    ['max_completion_tokens', { max_completion_tokens: 5 }],
  ])('refuses the OpenAI-only field %s', async (field, extra) => {
    const { fake } = await startFake();
    const res = await postRaw(fake, { ...request, ...extra });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(`unknown field \`${field}\``);
  });

  it('refuses json_schema and logprobs in thinking mode', async () => {
    const { fake } = await startFake();
    expect(
      (
        await postRaw(fake, {
          ...request,
          response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } },
        })
      ).status,
    ).toBe(400);
    expect((await postRaw(fake, { ...request, model: 'deepseek-reasoner', logprobs: true })).status).toBe(
      400,
    );
    expect((await postRaw(fake, { ...request, logprobs: true, top_logprobs: 2 })).status).toBe(200);
  });

  it.each([
    [402, 'Insufficient Balance', OpenAI.APIError],
    [429, 'Rate Limit Reached', OpenAI.RateLimitError],
    [500, 'Internal Server Error', OpenAI.InternalServerError],
    [503, 'Server overloaded, please try again later.', OpenAI.InternalServerError],
  ] as const)('status %i: %s in the envelope', async (status, message, errorClass) => {
    const { client } = await startFake();
    const error = await client.chat.completions
      .create(request, {
        headers: { [FAKE_SCRIPT_HEADER]: JSON.stringify({ fault: { kind: 'status', status } }) },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect((error as { status: number }).status).toBe(status);
    expect((error as Error).message).toContain(message);
  });

  it('a scripted retry-after reaches the SDK', async () => {
    const { client, fake } = await startFake();
    fake.control.enqueue({ fault: { kind: 'status', status: 429, retryAfterSeconds: 3 } });
    const error = (await client.chat.completions.create(request).catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.RateLimitError
    >;
    expect(error.headers.get('retry-after')).toBe('3');
  });

  it('unknown models answer 400 Model Not Exist when strict', async () => {
    const { client } = await startFake({ strictModels: true });
    const error = await client.chat.completions
      .create({ ...request, model: 'deepseek-v9' })
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('Model Not Exist');
  });
});
