import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
import type { ChatMessage, ChatRequest } from '../../../src/protocol/chat-request.ts';
import { deepseekAdapter } from '../../../src/providers/deepseek/index.ts';
import {
  effortFor,
  reasoningRule,
  thinkingFor,
  toDeepSeekRequest,
} from '../../../src/providers/deepseek/request.ts';
import { makeCall } from '../../helpers/adapter-call.ts';
import { deepFreeze } from '../../helpers/deep-freeze.ts';
import { thrown } from '../../helpers/thrown.ts';

const call = makeCall('deepseek', 'deepseek-chat', 'https://api.deepseek.com');
const req = (extra: Partial<ChatRequest> & Record<string, unknown>): ChatRequest =>
  deepFreeze({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], ...extra } as ChatRequest);
const body = (request: ChatRequest, stream = false) =>
  JSON.parse(toDeepSeekRequest(request, call, stream).body ?? '{}');
const weather = { type: 'function' as const, function: { name: 'weather', parameters: { type: 'object' } } };

describe('toDeepSeekRequest', () => {
  it('posts to {base_url}/chat/completions (no /v1) with the target model', () => {
    const out = toDeepSeekRequest(req({}), call, false);
    expect(out).toMatchObject({ method: 'POST', path: '/chat/completions', headers: call.headers });
    expect(JSON.parse(out.body ?? '')).toEqual({
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
    expect(deepseekAdapter.defaultBaseUrl).toBe('https://api.deepseek.com');
    expect(deepseekAdapter.probeRequest(call)).toMatchObject({ method: 'GET', path: '/models' });
  });

  it('always asks for usage on streams and passes the OpenAI fields DeepSeek has', () => {
    const out = body(
      req({
        max_completion_tokens: 100,
        temperature: 0.5,
        top_p: 0.8,
        stop: 'END',
        presence_penalty: 0.5,
        frequency_penalty: 0.5,
        logprobs: true,
        top_logprobs: 2,
        response_format: { type: 'json_object' },
        tools: [weather],
        tool_choice: 'required',
        seed: 1,
        parallel_tool_calls: true,
        user: 'u',
        store: true,
      }),
      true,
    );
    expect(out).toEqual({
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      max_tokens: 100,
      temperature: 0.5,
      top_p: 0.8,
      stop: 'END',
      presence_penalty: 0.5,
      frequency_penalty: 0.5,
      logprobs: true,
      top_logprobs: 2,
      response_format: { type: 'json_object' },
      tools: [weather],
      tool_choice: 'required',
      stream_options: { include_usage: true },
    });
  });

  it.each([
    ['none', { type: 'disabled' }, undefined],
    ['minimal', { type: 'enabled' }, 'high'],
    ['low', { type: 'enabled' }, 'high'],
    ['medium', { type: 'enabled' }, 'high'],
    ['high', { type: 'enabled' }, 'high'],
    ['xhigh', { type: 'enabled' }, 'max'],
    ['max', { type: 'enabled' }, 'max'],
  ] as const)('reasoning_effort %s → thinking %j, effort %s', (effort, thinking, mapped) => {
    const out = body(req({ reasoning_effort: effort }));
    expect(out.thinking).toEqual(thinking);
    expect(out.reasoning_effort).toBe(mapped);
    expect(thinkingFor(req({ reasoning_effort: effort }))).toEqual(thinking);
    expect(effortFor(effort)).toBe(mapped);
  });

  it("passes DeepSeek's own `thinking` switch from extra_body when no reasoning_effort says otherwise", () => {
    expect(body(req({ thinking: { type: 'disabled' } })).thinking).toEqual({ type: 'disabled' });
    expect(body(req({ thinking: { type: 'disabled' }, reasoning_effort: 'high' })).thinking).toEqual({
      type: 'enabled',
    });
  });

  it('sends reasoning_content back only for the stretches where the model called a tool', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1', reasoning_content: 'r1' },
      { role: 'user', content: 'q2' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'r2',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'assistant', content: 'It is sunny.' },
      { role: 'user', content: 'q3' },
    ];
    const out = body(req({ messages, tools: [weather] }));
    expect(out.messages[1]).toEqual({ role: 'assistant', content: 'a1' });
    expect(out.messages[3]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      reasoning_content: 'r2',
    });
    // A turn from another provider has no reasoning: an empty string satisfies DeepSeek's check.
    expect(out.messages[5]).toEqual({ role: 'assistant', content: 'It is sunny.', reasoning_content: '' });
    expect(out.messages[4]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'sunny' });
    // With thinking off, nothing is sent back.
    expect(
      body(req({ messages, tools: [weather], reasoning_effort: 'none' })).messages[3].reasoning_content,
    ).toBeUndefined();
    expect(
      reasoningRule(messages, true)(messages[1] as Extract<ChatMessage, { role: 'assistant' }>, 1),
    ).toBeUndefined();
  });

  it('sends the developer role as system and keeps message names', () => {
    const out = body(
      req({
        messages: [
          { role: 'developer', content: 'terse' },
          { role: 'user', content: 'hi', name: 'ada' },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: 'system', content: 'terse' },
      { role: 'user', content: 'hi', name: 'ada' },
    ]);
  });

  it.each([
    [
      'images',
      {
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
      },
      'messages[0].content[0]',
    ],
    [
      'audio',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'x' },
              { type: 'input_audio', input_audio: { data: 'a', format: 'wav' } },
            ],
          },
        ],
      },
      'messages[0].content[1]',
    ],
    [
      'json_schema',
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } },
      'response_format',
    ],
    ['n > 1', { n: 2 }, 'n'],
    ['logit_bias', { logit_bias: { '1': 5 } }, 'logit_bias'],
    [
      'custom tool choice',
      { tools: [weather], tool_choice: { type: 'custom', custom: { name: 'x' } } },
      'tool_choice',
    ],
  ])('rejects %s with a 400 naming the param', (_name, extra, param) => {
    const error = thrown(() => toDeepSeekRequest(req(extra as Partial<ChatRequest>), call, false));
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).param).toBe(param);
  });
});
