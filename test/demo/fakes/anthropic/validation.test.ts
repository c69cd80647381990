import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { API_KEY, MODEL, post, startFake, WEATHER_TOOL } from './fake-anthropic-fixture.ts';

const V1 = { 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01' };
const base = { model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] };

async function rejects(body: unknown, headers: Record<string, string> = V1) {
  const { fake } = await startFake();
  const response = await post(fake, body, headers);
  return {
    status: response.status,
    error: (response.json as { error?: { type: string; message: string } }).error,
    json: response.json,
    headers: response.headers,
  };
}

describe('fake Anthropic rejects what the API rejects', () => {
  it('a missing key (401 authentication_error), a wrong key, and accepts x-api-key or Bearer', async () => {
    const missing = await rejects(base, { 'anthropic-version': '2023-06-01' });
    expect(missing).toMatchObject({
      status: 401,
      error: { type: 'authentication_error', message: 'x-api-key header is required' },
    });
    expect(missing.json).toMatchObject({ type: 'error', request_id: expect.stringMatching(/^req_/) });
    expect(missing.headers['request-id']).toBe(missing.json.request_id);
    const wrong = await rejects(base, { 'x-api-key': 'sk-ant-wrong', 'anthropic-version': '2023-06-01' });
    expect(wrong).toMatchObject({ status: 401, error: { message: 'invalid x-api-key' } });
    const { fake } = await startFake();
    expect(
      (await post(fake, base, { authorization: `Bearer ${API_KEY}`, 'anthropic-version': '2023-06-01' }))
        .status,
    ).toBe(200);
    expect(
      (
        await post(fake, base, {
          'x-api-key': API_KEY,
          authorization: 'Bearer nope',
          'anthropic-version': '2023-06-01',
        })
      ).status,
    ).toBe(200);
  });

  it('the SDK sees a wrong key as AuthenticationError', async () => {
    const { fake } = await startFake();
    const client = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-wrong', maxRetries: 0 });
    const error = await client.messages
      .create({ ...base, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.AuthenticationError>).type).toBe('authentication_error');
  });

  it('a missing or unknown anthropic-version', async () => {
    expect(await rejects(base, { 'x-api-key': API_KEY })).toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
    expect((await rejects(base, { ...V1, 'anthropic-version': '2024-01-01' })).status).toBe(400);
  });

  it.each([
    ['missing max_tokens', { model: MODEL, messages: base.messages }, 'max_tokens: Field required'],
    ['missing model', { max_tokens: 10, messages: base.messages }, 'model: Field required'],
    [
      'an unknown top-level field',
      { ...base, frequency_penalty: 0.5 },
      'frequency_penalty: Extra inputs are not permitted',
    ],
    [
      'OpenAI max_completion_tokens',
      { ...base, max_completion_tokens: 5 },
      'max_completion_tokens: Extra inputs are not permitted',
    ],
    [
      'a system role inside messages',
      { ...base, messages: [{ role: 'system', content: 'Be brief' }, ...base.messages] },
      'messages.0: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.',
    ],
    [
      'a tool role',
      { ...base, messages: [{ role: 'tool', content: 'x' }] },
      "messages.0.role: Input should be 'user' or 'assistant'",
    ],
    [
      'empty text',
      { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] },
      'messages.0.content.0.text: text content blocks must be non-empty',
    ],
    [
      'an empty message',
      {
        ...base,
        messages: [
          { role: 'user', content: '' },
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: 'x' },
        ],
      },
      'messages.0: all messages must have non-empty content except for the optional final assistant message',
    ],
    [
      'a prefill ending in whitespace',
      { ...base, messages: [...base.messages, { role: 'assistant', content: 'Sure, ' }] },
      'messages: final assistant content cannot end with trailing whitespace',
    ],
    [
      'max_tokens over the model limit',
      { ...base, max_tokens: 100_000 },
      'max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5-20251001',
    ],
    [
      'temperature above 1',
      { ...base, temperature: 1.5 },
      'temperature: Input should be less than or equal to 1',
    ],
    [
      'temperature and top_p together where one is allowed',
      { ...base, temperature: 0.5, top_p: 0.9 },
      '`temperature` and `top_p` cannot both be specified for this model. Please use only one.',
    ],
    [
      'temperature on Opus 4.8',
      { ...base, model: 'claude-opus-4-8', temperature: 0.2 },
      '`temperature` is deprecated for this model.',
    ],
    [
      'thinking budget under 1024',
      { ...base, thinking: { type: 'enabled', budget_tokens: 500 } },
      'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
    ],
    [
      'thinking with modified temperature',
      { ...base, max_tokens: 4000, temperature: 0.3, thinking: { type: 'enabled', budget_tokens: 1024 } },
      '`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility',
    ],
    [
      'a forced tool while thinking',
      {
        ...base,
        max_tokens: 4000,
        tools: [WEATHER_TOOL],
        tool_choice: { type: 'any' },
        thinking: { type: 'enabled', budget_tokens: 1024 },
      },
      'Thinking may not be enabled when tool_choice forces tool use.',
    ],
    [
      'tool_choice without tools',
      { ...base, tool_choice: { type: 'auto' } },
      'tool_choice may only be specified while providing tools.',
    ],
    [
      'a tool schema that is not an object',
      { ...base, tools: [{ name: 'f', input_schema: { type: 'string' } }] },
      "tools.0.custom.input_schema.type: Input should be 'object'",
    ],
    ['an OpenAI-shaped tool', { ...base, tools: [{ type: 'function', function: { name: 'f' } }] }, undefined],
    [
      'duplicate tool names',
      { ...base, tools: [WEATHER_TOOL, WEATHER_TOOL] },
      'tools: Tool names must be unique.',
    ],
    [
      'metadata beyond user_id',
      { ...base, metadata: { user_id: 'u', team: 'x' } },
      'metadata.team: Extra inputs are not permitted',
    ],
    [
      'an open object in a structured-output schema',
      {
        ...base,
        output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: {} } } },
      },
      "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false",
    ],
    [
      'an image type the API does not read',
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'Qk0=' } }],
          },
        ],
      },
      "messages.0.content.0.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
    ],
    [
      'five cache breakpoints',
      {
        ...base,
        messages: [
          {
            role: 'user',
            content: Array.from({ length: 5 }, (_, i) => ({
              type: 'text',
              text: `p${i}`,
              cache_control: { type: 'ephemeral' },
            })),
          },
        ],
      },
      'A maximum of 4 blocks with cache_control may be provided. Found 5.',
    ],
  ])('%s', async (_name, body, message) => {
    const { status, error } = await rejects(body);
    expect(status).toBe(400);
    expect(error?.type).toBe('invalid_request_error');
    if (message !== undefined) expect(error?.message).toBe(message);
  });

  it('a thinking budget that is not below max_tokens', async () => {
    const { status, error } = await rejects({
      ...base,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    expect(status).toBe(400);
    expect(error?.message).toMatch(/^`max_tokens` must be greater than `thinking.budget_tokens`/);
  });

  it('budget thinking on an adaptive-only model, and disabling thinking where it cannot be', async () => {
    expect(
      (
        await rejects({
          ...base,
          model: 'claude-opus-4-8',
          max_tokens: 4000,
          thinking: { type: 'enabled', budget_tokens: 1024 },
        })
      ).status,
    ).toBe(400);
    expect(
      (await rejects({ ...base, model: 'claude-opus-5-5', thinking: { type: 'disabled' } })).status,
    ).toBe(400);
    expect(
      (await rejects({ ...base, model: 'claude-sonnet-5-5', thinking: { type: 'disabled' } })).status,
    ).toBe(400);
    expect(
      (
        await rejects({
          ...base,
          model: 'claude-sonnet-5-5',
          tools: [WEATHER_TOOL],
          tool_choice: { type: 'any' },
          thinking: { type: 'between_tools' },
        })
      ).status,
    ).toBe(400);
  });

  it('an unknown model is a 404 not_found_error', async () => {
    expect(await rejects({ ...base, model: 'claude-nope' })).toMatchObject({
      status: 404,
      error: { type: 'not_found_error', message: 'model: claude-nope' },
    });
  });

  it('mid-conversation system messages only on Opus 4.8', async () => {
    const body = {
      ...base,
      model: 'claude-opus-4-8',
      messages: [
        ...base.messages,
        { role: 'assistant', content: 'Hello' },
        { role: 'system', content: 'Now answer in French.' },
        { role: 'user', content: 'Bonjour?' },
      ],
    };
    expect((await rejects(body)).status).toBe(200);
  });

  it('API version 2026-10-21 removed temperature, top_p and top_k, even at defaults', async () => {
    const headers = { ...V1, 'anthropic-version': '2026-10-21' };
    for (const field of ['temperature', 'top_p', 'top_k']) {
      const { status, error } = await rejects({ ...base, [field]: 1 }, headers);
      expect(status).toBe(400);
      expect(error?.message).toBe(`${field}: Extra inputs are not permitted`);
    }
  });

  it('tool_result blocks must answer tool_use blocks of the previous turn, results first', async () => {
    const call = { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } };
    const orphan = await rejects({
      ...base,
      messages: [
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_zzz', content: '1' }] },
      ],
    });
    expect(orphan.error?.message).toMatch(
      /^messages\.0\.content\.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_zzz\./,
    );
    const unanswered = await rejects({
      ...base,
      tools: [WEATHER_TOOL],
      messages: [base.messages[0], { role: 'assistant', content: [call] }, { role: 'user', content: 'next' }],
    });
    expect(unanswered.error?.message).toMatch(
      /^messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01A\./,
    );
    const textFirst = await rejects({
      ...base,
      tools: [WEATHER_TOOL],
      messages: [
        base.messages[0],
        { role: 'assistant', content: [call] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'note' },
            { type: 'tool_result', tool_use_id: 'toolu_01A', content: '18' },
          ],
        },
      ],
    });
    expect(textFirst.status).toBe(400);
    const good = await rejects({
      ...base,
      tools: [WEATHER_TOOL],
      messages: [
        base.messages[0],
        { role: 'assistant', content: [call] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A', content: '18' },
            { type: 'text', text: 'note' },
          ],
        },
      ],
    });
    expect(good.status).toBe(200);
  });

  it('with thinking on, a tool loop must hand back the thinking block, unmodified', async () => {
    const { fake, client } = await startFake();
    const ask = {
      model: MODEL,
      max_tokens: 4096,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      tools: [WEATHER_TOOL],
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
    };
    const first = await client.messages.create(ask);
    const call = first.content.find((b) => b.type === 'tool_use');
    const thinking = first.content.find((b) => b.type === 'thinking');
    expect(call?.type === 'tool_use' && thinking?.type === 'thinking').toBe(true);
    if (call?.type !== 'tool_use' || thinking?.type !== 'thinking') return;
    const result = {
      role: 'user' as const,
      content: [{ type: 'tool_result' as const, tool_use_id: call.id, content: '18°C' }],
    };

    const withoutThinking = await post(
      fake,
      { ...ask, messages: [...ask.messages, { role: 'assistant', content: [call] }, result] },
      V1,
    );
    expect((withoutThinking.json as { error: { message: string } }).error.message).toMatch(
      /^messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`/,
    );
    const tampered = await post(
      fake,
      {
        ...ask,
        messages: [
          ...ask.messages,
          { role: 'assistant', content: [{ ...thinking, thinking: `${thinking.thinking}!` }, call] },
          result,
        ],
      },
      V1,
    );
    expect((tampered.json as { error: { message: string } }).error.message).toBe(
      'messages.1.content.0: Invalid `signature` in `thinking` block',
    );
    const faithful = await client.messages.create({
      ...ask,
      messages: [...ask.messages, { role: 'assistant', content: first.content }, result],
    });
    expect(faithful.stop_reason).toBe('end_turn');
  });

  it('a body that is not JSON, and an unknown path', async () => {
    const { fake } = await startFake();
    expect((await post(fake, '{not json', V1)).status).toBe(400);
    const missing = await post(fake, base, V1, '/v1/chat/completions');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});
