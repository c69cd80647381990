import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';
import { qwenAdapter } from '../../../src/providers/qwen/index.ts';
import { qwenThinkingFor, toQwenRequest } from '../../../src/providers/qwen/request.ts';
import { makeCall } from '../../helpers/adapter-call.ts';
import { deepFreeze } from '../../helpers/deep-freeze.ts';
import { thrown } from '../../helpers/thrown.ts';

const call = makeCall('qwen', 'qwen-plus', 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1');
const req = (extra: Partial<ChatRequest> & Record<string, unknown>): ChatRequest =>
  deepFreeze({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], ...extra } as ChatRequest);
const body = (request: ChatRequest, stream = false) =>
  JSON.parse(toQwenRequest(request, call, stream).body ?? '{}');
const weather = { type: 'function' as const, function: { name: 'weather', parameters: { type: 'object' } } };

describe('toQwenRequest', () => {
  it('posts to {base_url}/chat/completions under /compatible-mode/v1', () => {
    const out = toQwenRequest(req({}), call, false);
    expect(out).toMatchObject({
      method: 'POST',
      path: '/compatible-mode/v1/chat/completions',
      headers: call.headers,
    });
    expect(qwenAdapter.probeRequest(call)).toMatchObject({
      method: 'GET',
      path: '/compatible-mode/v1/models',
    });
    expect(qwenAdapter.defaultBaseUrl).toBe('https://dashscope-intl.aliyuncs.com/compatible-mode/v1');
  });

  it('passes the OpenAI fields Qwen has natively and always asks for usage on streams', () => {
    const out = body(
      req({
        max_tokens: 50,
        temperature: 0.7,
        top_p: 0.9,
        stop: ['x'],
        n: 2,
        seed: 42,
        logprobs: true,
        top_logprobs: 3,
        presence_penalty: 1,
        frequency_penalty: 0.5,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'city', schema: { type: 'object' }, strict: true },
        },
        tools: [weather],
        tool_choice: { type: 'function', function: { name: 'weather' } },
        parallel_tool_calls: true,
        user: 'u',
        metadata: { a: 'b' },
      }),
      true,
    );
    expect(out).toEqual({
      model: 'qwen-plus',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      max_tokens: 50,
      temperature: 0.7,
      top_p: 0.9,
      stop: ['x'],
      n: 2,
      seed: 42,
      logprobs: true,
      top_logprobs: 3,
      presence_penalty: 1,
      frequency_penalty: 0.5,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'city', schema: { type: 'object' }, strict: true },
      },
      tools: [weather],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: true,
      stream_options: { include_usage: true },
    });
  });

  it.each([
    ['none', false, undefined],
    ['minimal', true, 1024],
    ['low', true, 4096],
    ['medium', true, 16384],
    ['high', true, undefined],
    ['xhigh', true, undefined],
    ['max', true, undefined],
  ] as const)('reasoning_effort %s → enable_thinking %s, thinking_budget %s', (effort, enabled, budget) => {
    const out = body(req({ reasoning_effort: effort }));
    expect(out.enable_thinking).toBe(enabled);
    expect(out.thinking_budget).toBe(budget);
    expect(qwenThinkingFor(effort)).toEqual({ enabled, budgetTokens: budget });
  });

  it("passes Qwen's own fields sent through extra_body", () => {
    const out = body(
      req({ enable_thinking: true, thinking_budget: 500, enable_search: true, top_k: 20, made_up: 1 }),
    );
    expect(out).toMatchObject({
      enable_thinking: true,
      thinking_budget: 500,
      enable_search: true,
      top_k: 20,
    });
    expect(out.made_up).toBeUndefined();
  });

  it('takes images and audio as OpenAI parts, keeps cache_control marks, and drops earlier reasoning', () => {
    const out = body(
      req({
        messages: [
          {
            role: 'system',
            content: [{ type: 'text', text: 'long context', cache_control: { type: 'ephemeral' } }],
          },
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
              { type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } },
              { type: 'text', text: 'what?' },
            ],
          },
          { role: 'assistant', content: 'A cat.', reasoning_content: 'It has whiskers.' },
          { role: 'user', content: 'sure?' },
        ],
      }),
    );
    expect(out.messages).toEqual([
      {
        role: 'system',
        content: [{ type: 'text', text: 'long context', cache_control: { type: 'ephemeral' } }],
      },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          { type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } },
          { type: 'text', text: 'what?' },
        ],
      },
      { role: 'assistant', content: 'A cat.' },
      { role: 'user', content: 'sure?' },
    ]);
  });

  it.each([
    ['logit_bias', { logit_bias: { '1': 1 } }, 'logit_bias'],
    [
      'file parts',
      { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'f' } }] }] },
      'messages[0].content[0]',
    ],
    ['audio output', { audio: { voice: 'alloy', format: 'wav' }, modalities: ['text'] }, 'audio'],
  ])('rejects %s with a 400 naming the param', (_name, extra, param) => {
    const error = thrown(() => toQwenRequest(req(extra as Partial<ChatRequest>), call, false));
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).param).toBe(param);
  });
});
