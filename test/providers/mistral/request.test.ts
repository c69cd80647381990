import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';
import { mistralAdapter } from '../../../src/providers/mistral/index.ts';
import { mistralEffortFor, toMistralRequest } from '../../../src/providers/mistral/request.ts';
import { toMistralToolCallId } from '../../../src/providers/mistral/tool-call-id.ts';
import { makeCall } from '../../helpers/adapter-call.ts';
import { deepFreeze } from '../../helpers/deep-freeze.ts';
import { thrown } from '../../helpers/thrown.ts';

const call = makeCall('mistral', 'mistral-small-latest', 'https://api.mistral.ai/v1');
const req = (extra: Partial<ChatRequest> & Record<string, unknown>): ChatRequest =>
  deepFreeze({ model: 'fast', messages: [{ role: 'user', content: 'hi' }], ...extra } as ChatRequest);
const body = (request: ChatRequest, stream = false) =>
  JSON.parse(toMistralRequest(request, call, stream).body ?? '{}');
const weather = {
  type: 'function' as const,
  function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('toMistralRequest', () => {
  it('posts to {base_url}/chat/completions with the target model and the compiled headers', () => {
    const out = toMistralRequest(req({}), call, false);
    expect(out).toMatchObject({ method: 'POST', path: '/v1/chat/completions', headers: call.headers });
    expect(JSON.parse(out.body ?? '')).toEqual({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
  });

  it('renames what Mistral names differently and leaves out OpenAI-only fields it would reject with 422', () => {
    const out = body(
      req({
        max_completion_tokens: 64,
        seed: 7,
        user: 'u1',
        store: true,
        service_tier: 'flex',
        stream_options: { include_usage: true },
        metadata: { team: 'a' },
        temperature: 0.3,
        top_p: 0.9,
        stop: ['END'],
        n: 2,
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        parallel_tool_calls: false,
      }),
      true,
    );
    expect(out).toEqual({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      max_tokens: 64,
      random_seed: 7,
      metadata: { team: 'a' },
      temperature: 0.3,
      top_p: 0.9,
      stop: ['END'],
      n: 2,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      parallel_tool_calls: false,
    });
  });

  it("maps tool_choice 'required' to Mistral's 'any' and keeps named and auto choices", () => {
    expect(body(req({ tools: [weather], tool_choice: 'required' })).tool_choice).toBe('any');
    expect(body(req({ tools: [weather], tool_choice: 'auto' })).tool_choice).toBe('auto');
    expect(
      body(req({ tools: [weather], tool_choice: { type: 'function', function: { name: 'weather' } } }))
        .tool_choice,
    ).toEqual({
      type: 'function',
      function: { name: 'weather' },
    });
    expect(body(req({ tools: [weather] })).tools).toEqual([weather]);
  });

  it('re-maps foreign tool-call ids to 9 alphanumerics, the same way in the call and its result', () => {
    const out = body(
      req({
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_abc123',
                type: 'function',
                function: { name: 'weather', arguments: '{"city":"Paris"}' },
              },
              {
                id: 'gSIMJiOkT',
                type: 'function',
                function: { name: 'weather', arguments: '{"city":"Rome"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_abc123', content: 'sunny' },
          { role: 'tool', tool_call_id: 'gSIMJiOkT', content: [{ type: 'text', text: 'rain' }] },
        ],
      }),
    );
    const mapped = toMistralToolCallId('call_abc123');
    expect(mapped).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(out.messages[1]).toEqual({
      role: 'assistant',
      content: null,
      prefix: false,
      tool_calls: [
        {
          id: mapped,
          type: 'function',
          function: { name: 'weather', arguments: '{"city":"Paris"}' },
          index: 0,
        },
        {
          id: 'gSIMJiOkT',
          type: 'function',
          function: { name: 'weather', arguments: '{"city":"Rome"}' },
          index: 1,
        },
      ],
    });
    expect(out.messages[2]).toEqual({
      role: 'tool',
      content: 'sunny',
      tool_call_id: mapped,
      name: 'weather',
    });
    expect(out.messages[3]).toEqual({
      role: 'tool',
      content: 'rain',
      tool_call_id: 'gSIMJiOkT',
      name: 'weather',
    });
  });

  it('leaves earlier reasoning_content out of the history (Mistral rejects the field)', () => {
    const out = body(
      req({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello', reasoning_content: 'thinking…', name: 'bot' },
          { role: 'user', content: 'again' },
        ],
      }),
    );
    expect(out.messages[1]).toEqual({ role: 'assistant', content: 'hello', prefix: false });
  });

  it("sends the developer role as system and images and audio in Mistral's chunk form", () => {
    const out = body(
      req({
        messages: [
          { role: 'developer', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR', detail: 'low' } },
              { type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } },
            ],
          },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: 'system', content: 'be brief' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR', detail: 'low' } },
          { type: 'input_audio', input_audio: 'UklGR' },
        ],
      },
    ]);
  });

  it("sends JSON mode and JSON schema in Mistral's response_format", () => {
    expect(body(req({ response_format: { type: 'json_object' } })).response_format).toEqual({
      type: 'json_object',
    });
    expect(
      body(
        req({
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'city', schema: { type: 'object' }, strict: true },
          },
        }),
      ).response_format,
    ).toEqual({
      type: 'json_schema',
      json_schema: { name: 'city', schema: { type: 'object' }, strict: true },
    });
    expect(
      body(req({ response_format: { type: 'json_schema', json_schema: { name: 'any' } } })).response_format,
    ).toEqual({
      type: 'json_schema',
      json_schema: { name: 'any', schema: { type: 'object' } },
    });
  });

  it('passes reasoning_effort (max → xhigh), prediction, prompt_cache_key and Mistral extras', () => {
    const out = body(
      req({
        reasoning_effort: 'max',
        prediction: { type: 'content', content: 'draft' },
        prompt_cache_key: 'k',
        safe_prompt: true,
        prompt_mode: 'reasoning',
      }),
    );
    expect(out).toMatchObject({
      reasoning_effort: 'xhigh',
      prediction: { type: 'content', content: 'draft' },
      prompt_cache_key: 'k',
      safe_prompt: true,
      prompt_mode: 'reasoning',
    });
    expect(mistralEffortFor('low')).toBe('low');
    expect(mistralEffortFor(null)).toBeUndefined();
  });

  it.each([
    ['logprobs', { logprobs: true }, 'logprobs'],
    ['top_logprobs', { top_logprobs: 3 }, 'top_logprobs'],
    ['logit_bias', { logit_bias: { '50256': -100 } }, 'logit_bias'],
    ['audio output', { modalities: ['text', 'audio'] }, 'modalities'],
    [
      'file parts',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'x' },
              { type: 'file', file: { file_id: 'f' } },
            ],
          },
        ],
      },
      'messages[0].content[1]',
    ],
    ['the function role', { messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages[0].role'],
    ['custom tools', { tools: [{ type: 'custom', custom: { name: 'g' } }] }, 'tools[0]'],
  ])('rejects %s with a 400 naming the param', (_name, extra, param) => {
    const error = thrown(() => toMistralRequest(req(extra as Partial<ChatRequest>), call, false));
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect((error as GatewayError).param).toBe(param);
  });

  it('builds the model-list probe and Bearer headers', () => {
    expect(mistralAdapter.probeRequest(call)).toEqual({
      method: 'GET',
      path: '/v1/models',
      headers: call.headers,
      body: undefined,
    });
    expect(mistralAdapter.buildHeaders('k')).toMatchObject({ authorization: 'Bearer k' });
    expect(mistralAdapter.defaultBaseUrl).toBe('https://api.mistral.ai/v1');
  });
});

describe('toMistralToolCallId', () => {
  it('keeps a valid id and maps others deterministically', () => {
    expect(toMistralToolCallId('gSIMJiOkT')).toBe('gSIMJiOkT');
    expect(toMistralToolCallId('toolu_01A')).toBe(toMistralToolCallId('toolu_01A'));
    expect(toMistralToolCallId('toolu_01A')).not.toBe(toMistralToolCallId('toolu_01B'));
    for (const id of ['call_1', 'abc', 'abcdefghij', 'abc-def-g', ''])
      expect(toMistralToolCallId(id)).toMatch(/^[a-zA-Z0-9]{9}$/);
  });
});
