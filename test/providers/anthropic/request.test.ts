import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';
import { anthropicModelProfile } from '../../../src/providers/anthropic/models.ts';
import {
  anthropicModelsRequest,
  buildAnthropicHeaders,
  JSON_OBJECT_INSTRUCTION,
  nearestEffort,
  toAnthropicBody,
  toAnthropicRequest,
} from '../../../src/providers/anthropic/request.ts';
import { encodeThinkingState } from '../../../src/providers/anthropic/signature.ts';
import type { AdapterCall } from '../../../src/providers/types.ts';

const SONNET_45 = 'claude-sonnet-4-5-20250929';

function req(extra: Partial<ChatRequest> & Record<string, unknown> = {}): ChatRequest {
  return { model: 'smart', messages: [{ role: 'user', content: 'Hi' }], ...extra } as ChatRequest;
}

function body(extra: Partial<ChatRequest> & Record<string, unknown> = {}, model = SONNET_45) {
  return toAnthropicBody(req(extra), model, false);
}

function rejection(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

const call: AdapterCall = {
  target: {
    provider: 'claude',
    model: SONNET_45,
    baseUrl: 'https://api.anthropic.com',
    origin: 'https://api.anthropic.com',
    basePath: '',
  },
  headers: buildAnthropicHeaders('sk-ant-test'),
};

describe('toAnthropicRequest envelope', () => {
  it('POSTs /v1/messages with the key, version and JSON headers', () => {
    const upstream = toAnthropicRequest(req(), call, true);
    expect(upstream.method).toBe('POST');
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-test',
    });
    expect(JSON.parse(upstream.body ?? '')).toEqual({
      model: SONNET_45,
      max_tokens: 16_384,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      stream: true,
    });
  });

  it('leaves stream out for a non-streaming request', () => {
    expect(body()).not.toHaveProperty('stream');
  });

  it('probes with GET /v1/models', () => {
    expect(anthropicModelsRequest(call)).toMatchObject({
      method: 'GET',
      path: '/v1/models?limit=1',
      body: undefined,
    });
  });

  it('never mutates the client request (the attempt loop reuses it)', () => {
    const request = req({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: 'Prefill  ' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'f',
            parameters: { type: 'object', properties: { a: { type: 'string', minLength: 2 } } },
            strict: true,
          },
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'x',
          schema: { type: 'object', properties: { b: { type: 'integer', minimum: 1 } } },
        },
      },
    });
    const before = JSON.stringify(request);
    toAnthropicBody(request, SONNET_45, true);
    toAnthropicBody(request, 'claude-opus-5', false);
    expect(JSON.stringify(request)).toBe(before);
  });

  it('does not forward fields Anthropic does not know', () => {
    const out = body({
      store: true,
      metadata: { a: 'b' },
      service_tier: 'flex',
      prediction: { type: 'content', content: 'x' },
      seed: 7,
      top_k: 5,
    });
    expect(Object.keys(out).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });
});

describe('messages', () => {
  it('hoists system and developer messages, wherever they are, into top-level system blocks', () => {
    const out = body({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        {
          role: 'developer',
          content: [{ type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } }],
        },
        { role: 'user', content: 'Again' },
      ],
    });
    expect(out.system).toEqual([
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } },
    ]);
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'text', text: 'Again' },
        ],
      },
    ]);
  });

  it('merges consecutive same-role turns', () => {
    const out = body({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'assistant', content: 'c' },
        { role: 'assistant', content: [{ type: 'text', text: 'd' }] },
        { role: 'user', content: 'e' },
      ],
    });
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'c' },
          { type: 'text', text: 'd' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'e' }] },
    ]);
  });

  it('turns tool calls into tool_use and tool messages into one user turn of tool_results, text after them', () => {
    const out = body({
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'toolu_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '14:00' }] },
        { role: 'user', content: 'Thanks, and tomorrow?' },
      ],
    });
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather and time in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '14:00' }] },
          { type: 'text', text: 'Thanks, and tomorrow?' },
        ],
      },
    ]);
  });

  it('puts a tool result ahead of user text that came before it in the same turn', () => {
    const out = body({
      messages: [
        { role: 'user', content: 'q' },
        {
          role: 'assistant',
          content: 'calling',
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        { role: 'user', content: 'note' },
        { role: 'tool', tool_call_id: 't1', content: 'r' },
      ],
    });
    expect(out.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: 'r' },
        { type: 'text', text: 'note' },
      ],
    });
  });

  it('drops empty text, and rejects a conversation with nothing but system messages', () => {
    const out = body({
      messages: [
        { role: 'user', content: '' },
        {
          role: 'user',
          content: [
            { type: 'text', text: '' },
            { type: 'text', text: 'x' },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'x' }] }]);
    expect(rejection(() => body({ messages: [{ role: 'system', content: 'only' }] })).param).toBe('messages');
  });

  it('trims trailing whitespace off a final assistant prefill', () => {
    const out = body({
      messages: [
        { role: 'user', content: 'List fruit' },
        { role: 'assistant', content: '1. ' },
      ],
    });
    expect(out.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: '1.' }] });
  });

  it('rejects tool arguments that are not a JSON object', () => {
    const error = rejection(() =>
      body({
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '[1]' } }],
          },
        ],
      }),
    );
    expect(error.param).toBe('messages[1].tool_calls[0].function.arguments');
  });

  it('rejects the deprecated function role', () => {
    expect(rejection(() => body({ messages: [{ role: 'function', name: 'f', content: 'x' }] })).param).toBe(
      'messages[0].role',
    );
  });

  it('rejects a malformed cache_control marker', () => {
    const error = rejection(() =>
      body({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'forever' } }] },
        ],
      }),
    );
    expect(error.param).toBe('messages[0].content[0].cache_control');
  });
});

describe('images and other parts', () => {
  function userParts(parts: unknown[]) {
    return body({ messages: [{ role: 'user', content: parts }] } as never).messages[0]?.content;
  }

  it('a base64 data URL becomes a base64 source', () => {
    expect(
      userParts([
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
      ]),
    ).toEqual([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }]);
  });

  it('an http(s) URL becomes a url source', () => {
    expect(
      userParts([
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ]),
    ).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it.each([
    ['data:image/bmp;base64,Qk0=', 'unsupported_parameter'],
    ['data:image/png,rawdata', 'invalid_request'],
    ['ftp://example.com/a.png', 'invalid_request'],
  ])('rejects image %s', (url, code) => {
    const error = rejection(() => userParts([{ type: 'image_url', image_url: { url } }]));
    expect(error).toMatchObject({ status: 400, code, param: 'messages[0].content[0].image_url.url' });
  });

  it('rejects audio and file parts with a 400 naming the part', () => {
    expect(
      rejection(() => userParts([{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }])),
    ).toMatchObject({
      code: 'unsupported_parameter',
      param: 'messages[0].content[0]',
    });
    expect(
      rejection(() =>
        userParts([
          { type: 'text', text: 'x' },
          { type: 'file', file: { file_id: 'file-1' } },
        ]),
      ),
    ).toMatchObject({
      code: 'unsupported_parameter',
      param: 'messages[0].content[1]',
    });
  });
});

describe('thinking signatures coming back', () => {
  const state = {
    model: SONNET_45,
    blocks: [
      { type: 'thinking' as const, thinking: 'Need weather.', signature: 'EqQB-sig' },
      { type: 'redacted_thinking' as const, data: 'EmwK-data' },
    ],
  };
  const history = (signature: string) => ({
    messages: [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'Need weather.',
        reasoning_signature: signature,
        tool_calls: [
          {
            id: 'toolu_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
    ],
  });

  it('restores the thinking blocks first in the assistant turn, unchanged', () => {
    const out = body({ ...history(encodeThinkingState(state)), reasoning_effort: 'low' } as never);
    expect(out.messages[1]?.content).toEqual([
      { type: 'thinking', thinking: 'Need weather.', signature: 'EqQB-sig' },
      { type: 'redacted_thinking', data: 'EmwK-data' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
    ]);
  });

  it('matches the dated id Claude reported with the alias the target uses', () => {
    const out = body(history(encodeThinkingState(state)) as never, 'claude-sonnet-4-5');
    expect(out.messages[1]?.content[0]).toMatchObject({ type: 'thinking' });
  });

  it('leaves out blocks another model wrote, and signatures that are not ours', () => {
    const other = body(
      history(encodeThinkingState({ ...state, model: 'claude-opus-4-1-20250805' })) as never,
    );
    expect(other.messages[1]?.content[0]).toEqual({ type: 'text', text: 'Checking.' });
    const foreign = body(history('gemini-thought-signature-abc') as never);
    expect(foreign.messages[1]?.content[0]).toEqual({ type: 'text', text: 'Checking.' });
  });
});

describe('tools and tool_choice', () => {
  const weather = {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      description: 'Current weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  };

  it('translates function tools', () => {
    expect(body({ tools: [weather] }).tools).toEqual([
      {
        name: 'get_weather',
        description: 'Current weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);
  });

  it('a tool without parameters gets an empty object schema', () => {
    expect(body({ tools: [{ type: 'function', function: { name: 'now' } }] }).tools).toEqual([
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  it('a strict tool gets a closed schema and strict: true', () => {
    const out = body({
      tools: [
        {
          type: 'function',
          function: {
            name: 'f',
            strict: true,
            parameters: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } } },
          },
        },
      ],
    });
    expect(out.tools).toEqual([
      {
        name: 'f',
        strict: true,
        input_schema: {
          type: 'object',
          properties: { n: { type: 'integer', description: '{minimum: 1}' } },
          additionalProperties: false,
        },
      },
    ]);
  });

  it('keeps a cache_control marker on a tool', () => {
    expect(
      body({ tools: [{ ...weather, cache_control: { type: 'ephemeral', ttl: '1h' } }] as never }).tools?.[0],
    ).toMatchObject({
      cache_control: { type: 'ephemeral', ttl: '1h' },
    });
  });

  it.each([
    [undefined, undefined, undefined],
    ['auto', undefined, undefined],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['none', undefined, { type: 'none' }],
    ['none', false, { type: 'none' }],
    ['required', undefined, { type: 'any' }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      undefined,
      { type: 'tool', name: 'get_weather' },
    ],
    [
      { type: 'function', function: { name: 'get_weather' } },
      false,
      { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    ],
    ['auto', true, undefined],
  ])('tool_choice %j with parallel_tool_calls %s → %j', (tool_choice, parallel_tool_calls, expected) => {
    const out = body({ tools: [weather], tool_choice, parallel_tool_calls } as never);
    expect(out.tool_choice).toEqual(expected);
  });

  it.each([
    ['a custom tool', { tools: [{ type: 'custom', custom: { name: 'grammar' } }] }, 'tools[0]'],
    [
      'a non-object parameters schema',
      { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] },
      'tools[0].function.parameters',
    ],
    [
      'allowed_tools',
      {
        tools: [weather],
        tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } },
      },
      'tool_choice',
    ],
    [
      'a named tool that is not in tools',
      { tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } },
      'tool_choice',
    ],
    ['required without tools', { tool_choice: 'required' }, 'tool_choice'],
    [
      'a forced tool while thinking',
      { tools: [weather], tool_choice: 'required', reasoning_effort: 'low' },
      'tool_choice',
    ],
  ])('rejects %s', (_name, extra, param) => {
    expect(rejection(() => body(extra as never)).param).toBe(param);
  });

  it('rejects forced tool use on a model that does not take it (Opus 5.5)', () => {
    expect(
      rejection(() => body({ tools: [weather], tool_choice: 'required' }, 'claude-opus-5-5')).param,
    ).toBe('tool_choice');
  });

  it('turns default thinking off on a 5-series model when the client forces a tool', () => {
    const out = body({ tools: [weather], tool_choice: 'required' }, 'claude-sonnet-5');
    expect(out.thinking).toEqual({ type: 'disabled' });
    expect(out.tool_choice).toEqual({ type: 'any' });
  });
});

describe('response_format', () => {
  it('json_schema becomes output_config.format with a closed schema', () => {
    const out = body({
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'person',
          description: 'A person',
          strict: false,
          schema: {
            type: 'object',
            properties: {
              name: { type: 'string', maxLength: 40 },
              tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
            },
            required: ['name'],
          },
        },
      },
    });
    expect(out.output_config).toEqual({
      format: {
        type: 'json_schema',
        schema: {
          type: 'object',
          description: 'A person',
          properties: {
            name: { type: 'string', description: '{maxLength: 40}' },
            tags: { type: 'array', items: { type: 'string' }, description: '{minItems: 2}' },
          },
          required: ['name'],
          additionalProperties: false,
        },
      },
    });
  });

  it('json_schema without a schema is a 400', () => {
    expect(
      rejection(() => body({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } })).param,
    ).toBe('response_format.json_schema.schema');
  });

  it('json_object is emulated with a system instruction after the client system prompt', () => {
    const out = body({
      messages: [
        { role: 'system', content: 'You list fruit.' },
        { role: 'user', content: 'Give JSON' },
      ],
      response_format: { type: 'json_object' },
    });
    expect(out.system).toEqual([
      { type: 'text', text: 'You list fruit.' },
      { type: 'text', text: JSON_OBJECT_INSTRUCTION },
    ]);
    expect(out.output_config).toBeUndefined();
  });

  it('text changes nothing', () => {
    expect(body({ response_format: { type: 'text' } })).toEqual(body());
  });
});

describe('sampling, limits, stop, user', () => {
  it.each([
    [0, 0],
    [0.7, 0.7],
    [1, 1],
    [1.6, 1],
    [2, 1],
  ])('temperature %d → %d (clamped to Claude range)', (temperature, expected) => {
    expect(body({ temperature }).temperature).toBe(expected);
  });

  it('models taking one sampler get temperature, or top_p alone', () => {
    expect(body({ temperature: 0.3, top_p: 0.9 })).toMatchObject({ temperature: 0.3 });
    expect(body({ temperature: 0.3, top_p: 0.9 })).not.toHaveProperty('top_p');
    expect(body({ top_p: 0.9 })).toMatchObject({ top_p: 0.9 });
  });

  it('models taking both get both', () => {
    expect(body({ temperature: 0.3, top_p: 0.9 }, 'claude-sonnet-4-20250514')).toMatchObject({
      temperature: 0.3,
      top_p: 0.9,
    });
  });

  it('models without sampling controls, and thinking requests, get neither', () => {
    for (const out of [
      body({ temperature: 0.2, top_p: 0.5 }, 'claude-opus-4-7'),
      body({ temperature: 0.2, top_p: 0.5 }, 'claude-sonnet-5'),
      body({ temperature: 0.2, reasoning_effort: 'low' }),
    ]) {
      expect(out).not.toHaveProperty('temperature');
      expect(out).not.toHaveProperty('top_p');
    }
  });

  it('max_completion_tokens wins over max_tokens; absent, the model default is used', () => {
    expect(body({ max_tokens: 100, max_completion_tokens: 200 }).max_tokens).toBe(200);
    expect(body({ max_tokens: 100 }).max_tokens).toBe(100);
    expect(body({}, 'claude-3-5-haiku-20241022').max_tokens).toBe(8192);
    expect(body({}, 'claude-opus-5').max_tokens).toBe(32_000);
    expect(body({}, 'claude-something-new').max_tokens).toBe(16_384);
  });

  it('stop becomes stop_sequences', () => {
    expect(body({ stop: 'END' }).stop_sequences).toEqual(['END']);
    expect(body({ stop: ['a', 'b'] }).stop_sequences).toEqual(['a', 'b']);
    expect(body({ stop: [] })).not.toHaveProperty('stop_sequences');
    expect(body({ stop: null })).not.toHaveProperty('stop_sequences');
  });

  it('user and safety_identifier become metadata.user_id (safety_identifier first)', () => {
    expect(body({ user: 'u-1' }).metadata).toEqual({ user_id: 'u-1' });
    expect(body({ user: 'u-1', safety_identifier: 'hash-9' }).metadata).toEqual({ user_id: 'hash-9' });
  });
});

describe('parameters Claude cannot honour', () => {
  it.each([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 3 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['presence_penalty', { presence_penalty: -1 }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['modalities', { modalities: ['text', 'audio'] }],
  ])('%s → 400 unsupported_parameter', (param, extra) => {
    expect(rejection(() => body(extra as never))).toMatchObject({
      status: 400,
      code: 'unsupported_parameter',
      param,
    });
  });

  it('accepts neutral values: n 1, logprobs false, zero penalties, empty logit_bias, any seed', () => {
    expect(
      body({
        n: 1,
        logprobs: false,
        top_logprobs: 0,
        frequency_penalty: 0,
        presence_penalty: 0,
        logit_bias: {},
        seed: 42,
      }),
    ).toEqual(body());
  });
});

describe('reasoning_effort', () => {
  it.each([
    ['minimal', 1024, 16_384],
    ['low', 2048, 16_384],
    ['medium', 8192, 16_384],
    ['high', 16_384, 32_768],
    ['xhigh', 24_576, 40_960],
    ['max', 32_000, 48_384],
  ])(
    '%s on a budget model → budget %i, max_tokens %i when max_tokens is the default',
    (effort, budget, maxTokens) => {
      const out = body({ reasoning_effort: effort } as never);
      expect(out.thinking).toEqual({ type: 'enabled', budget_tokens: budget });
      expect(out.max_tokens).toBe(maxTokens);
      expect(
        out.thinking && 'budget_tokens' in out.thinking && out.thinking.budget_tokens < out.max_tokens,
      ).toBe(true);
    },
  );

  it('raises a client max_tokens that does not exceed the budget, keeps a larger one', () => {
    expect(body({ reasoning_effort: 'medium', max_completion_tokens: 500 }).max_tokens).toBe(8692);
    expect(body({ reasoning_effort: 'medium', max_completion_tokens: 20_000 }).max_tokens).toBe(20_000);
  });

  it('caps the budget at half the output limit (Opus 4.1: 32K)', () => {
    expect(body({ reasoning_effort: 'max' }, 'claude-opus-4-1-20250805').thinking).toEqual({
      type: 'enabled',
      budget_tokens: 16_000,
    });
  });

  it.each([
    ['claude-opus-4-7', 'high', 'high'],
    ['claude-opus-4-7', 'xhigh', 'xhigh'],
    ['claude-opus-4-6', 'xhigh', 'high'],
    ['claude-opus-4-6', 'minimal', 'low'],
    ['claude-sonnet-5', 'max', 'max'],
  ])('%s: %s → adaptive thinking with effort %s', (model, effort, expected) => {
    const out = body({ reasoning_effort: effort } as never, model);
    expect(out.thinking).toEqual({ type: 'adaptive' });
    expect(out.output_config).toEqual({ effort: expected });
  });

  it.each([
    [SONNET_45, undefined],
    ['claude-opus-4-7', undefined],
    ['claude-opus-5', { type: 'disabled' }],
    ['claude-sonnet-5-5', { type: 'between_tools' }],
    ['claude-opus-5-5', { type: 'adaptive' }],
  ])('none on %s → thinking %j', (model, thinking) => {
    const out = body({ reasoning_effort: 'none' }, model);
    expect(out.thinking).toEqual(thinking);
  });

  it('none on a model that cannot stop thinking asks for the lowest effort', () => {
    expect(body({ reasoning_effort: 'none' }, 'claude-opus-5-5').output_config).toEqual({ effort: 'low' });
  });

  it('a model without extended thinking rejects an effort, accepts none', () => {
    expect(rejection(() => body({ reasoning_effort: 'high' }, 'claude-3-5-haiku-20241022')).param).toBe(
      'reasoning_effort',
    );
    expect(body({ reasoning_effort: 'none' }, 'claude-3-5-haiku-20241022')).not.toHaveProperty('thinking');
  });

  it('effort and a json schema share output_config', () => {
    const out = body(
      {
        reasoning_effort: 'high',
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'x', schema: { type: 'object', properties: {} } },
        },
      },
      'claude-opus-4-8',
    );
    expect(out.output_config).toEqual({
      effort: 'high',
      format: {
        type: 'json_schema',
        schema: { type: 'object', properties: {}, additionalProperties: false },
      },
    });
  });
});

describe('model profiles', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', 'budget', 'either'],
    ['claude-sonnet-4-20250514', 'budget', 'both'],
    ['claude-opus-4-1', 'budget', 'either'],
    ['claude-opus-4-20250514', 'budget', 'both'],
    ['claude-haiku-4-5', 'budget', 'either'],
    ['claude-opus-4-6', 'adaptive', 'either'],
    ['claude-opus-4-8', 'adaptive', 'none'],
    ['claude-opus-5-5', 'adaptive', 'none'],
    ['claude-3-7-sonnet-20250219', 'budget', 'both'],
    ['claude-3-haiku-20240307', 'unsupported', 'both'],
  ])('%s → thinking %s, sampling %s', (model, thinking, sampling) => {
    expect(anthropicModelProfile(model)).toMatchObject({ thinking, sampling });
  });

  it('nearestEffort picks the closest level at or below, else the lowest', () => {
    expect(nearestEffort('xhigh', ['low', 'medium', 'high', 'max'])).toBe('high');
    expect(nearestEffort('minimal', ['medium', 'high'])).toBe('medium');
    expect(nearestEffort('max', [])).toBe('medium');
  });
});
