import OpenAI from 'openai';
import type { OpenAIErrorBody } from '../../../../src/demo/fakes/openai/errors.ts';
import { describe, expect, it } from 'vitest';
import { API_KEY, startFake, WEATHER_TOOL } from './fake-openai-fixture.ts';

const messages = [{ role: 'user' as const, content: 'Hi' }];

// Sends a body the SDK's types would refuse, to reach the API's own validation.
type LooseBody = Record<string, unknown>;

async function rejectionOf(client: OpenAI, body: LooseBody): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('fake OpenAI request validation, as the SDK sees it', () => {
  const cases: {
    name: string;
    body: LooseBody;
    param: string | null;
    code: string | null;
    message?: RegExp;
  }[] = [
    {
      name: 'messages missing',
      body: { model: 'gpt-4.1' },
      param: 'messages',
      code: 'missing_required_parameter',
    },
    {
      name: 'messages empty',
      body: { model: 'gpt-4.1', messages: [] },
      param: 'messages',
      code: 'empty_array',
    },
    {
      name: 'temperature not a number',
      body: { model: 'gpt-4.1', messages, temperature: 'hot' },
      param: 'temperature',
      code: 'invalid_type',
      message: /expected a decimal, but got a string instead/,
    },
    {
      name: 'temperature above 2',
      body: { model: 'gpt-4.1', messages, temperature: 3 },
      param: 'temperature',
      code: 'decimal_above_max_value',
    },
    {
      name: 'n below 1',
      body: { model: 'gpt-4.1', messages, n: 0 },
      param: 'n',
      code: 'integer_below_min_value',
    },
    {
      name: 'stream_options without stream',
      body: { model: 'gpt-4.1', messages, stream_options: { include_usage: true } },
      param: 'stream_options',
      code: null,
      message: /only allowed when 'stream' is enabled/,
    },
    {
      name: 'top_logprobs without logprobs',
      body: { model: 'gpt-4.1', messages, top_logprobs: 2 },
      param: 'top_logprobs',
      code: 'invalid_value',
    },
    {
      name: 'max_tokens on a reasoning model',
      body: { model: 'o4-mini', messages, max_tokens: 100 },
      param: 'max_tokens',
      code: 'unsupported_parameter',
      message: /Use 'max_completion_tokens' instead/,
    },
    {
      name: 'max_tokens on gpt-5',
      body: { model: 'gpt-5', messages, max_tokens: 100 },
      param: 'max_tokens',
      code: 'unsupported_parameter',
    },
    {
      name: 'a non-default temperature on a reasoning model',
      body: { model: 'o4-mini', messages, temperature: 0.2 },
      param: 'temperature',
      code: 'unsupported_value',
    },
    {
      name: 'a tool message answering no tool call',
      body: {
        model: 'gpt-4.1',
        messages: [...messages, { role: 'tool', tool_call_id: 'call_x', content: '{}' }],
      },
      param: 'messages.[1].role',
      code: null,
      message: /must be a response to a preceeding message with 'tool_calls'/,
    },
    {
      name: 'a tool message whose tool_call_id matches no earlier call',
      body: {
        model: 'gpt-4.1',
        messages: [
          ...messages,
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'call_b', content: '{}' },
        ],
      },
      param: 'messages.[2].tool_call_id',
      code: null,
    },
    {
      name: 'an assistant tool call left unanswered',
      body: {
        model: 'gpt-4.1',
        messages: [
          ...messages,
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'user', content: 'and?' },
        ],
      },
      param: 'messages.[1].role',
      code: null,
      message: /did not have response messages: call_a/,
    },
    {
      name: 'an unknown role',
      body: { model: 'gpt-4.1', messages: [{ role: 'robot', content: 'x' }] },
      param: 'messages[0].role',
      code: 'invalid_value',
    },
    {
      name: 'tool_choice without tools',
      body: { model: 'gpt-4.1', messages, tool_choice: 'required' },
      param: 'tool_choice',
      code: null,
    },
    {
      name: 'a tool name outside the allowed pattern',
      body: {
        model: 'gpt-4.1',
        messages,
        tools: [{ ...WEATHER_TOOL, function: { ...WEATHER_TOOL.function, name: 'get weather' } }],
      },
      param: 'tools[0].function.name',
      code: 'invalid_value',
    },
    {
      name: 'more than four stop sequences',
      body: { model: 'gpt-4.1', messages, stop: ['a', 'b', 'c', 'd', 'e'] },
      param: 'stop',
      code: 'array_above_max_length',
    },
    {
      name: 'an unknown field',
      body: { model: 'gpt-4.1', messages, thinking: { type: 'enabled' } },
      param: null,
      code: null,
      message: /^400 Unrecognized request argument supplied: thinking$/,
    },
    {
      name: 'no model',
      body: { messages },
      param: null,
      code: null,
      message: /you must provide a model parameter/,
    },
  ];

  for (const { name, body, param, code, message } of cases) {
    it(`rejects ${name} with a BadRequestError naming the param`, async () => {
      const { client } = await startFake();
      const error = await rejectionOf(client, body);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.status).toBe(400);
      expect(error.type).toBe('invalid_request_error');
      expect(error.param).toBe(param);
      expect(error.code).toBe(code);
      if (message) expect(error.message).toMatch(message);
      expect(error.requestID).toMatch(/^req_/);
    });
  }

  it('rejects a body that is not JSON with the API message and all four envelope keys', async () => {
    const { fake } = await startFake();
    const res = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: '{"model": "gpt-4.1",',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as OpenAIErrorBody;
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error.message).toMatch(/^We could not parse the JSON body of your request/);
  });

  it('accepts a full, valid request using the newer optional fields', async () => {
    const { client } = await startFake();
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      ],
      temperature: 0.7,
      top_p: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
      seed: 7,
      user: 'u1',
      metadata: { a: 'b' },
      store: false,
      parallel_tool_calls: true,
      prompt_cache_key: 'k',
      safety_identifier: 's',
      max_completion_tokens: 50,
    });
    expect(completion.choices[0]?.message.content).toContain('Hi');
  });
});
