import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';
import { geminiAdapter } from '../../../src/providers/gemini/index.ts';
import { usesThinkingLevels } from '../../../src/providers/gemini/generation-config.ts';
import { toGeminiBody } from '../../../src/providers/gemini/request.ts';
import { FOREIGN_SIGNATURE } from '../../../src/providers/gemini/thought-signature.ts';
import type { AdapterCall } from '../../../src/providers/types.ts';
import { deepFreeze } from '../../helpers/deep-freeze.ts';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function req(fields: Partial<ChatRequest> & Record<string, unknown>): ChatRequest {
  return { model: 'virtual', messages: [{ role: 'user', content: 'Hi' }], ...fields } as ChatRequest;
}

function call(model = 'gemini-2.5-flash', basePath = ''): AdapterCall {
  return {
    target: {
      provider: 'google',
      model,
      baseUrl: `https://generativelanguage.googleapis.com${basePath}`,
      origin: 'https://generativelanguage.googleapis.com',
      basePath,
    },
    headers: geminiAdapter.buildHeaders('AIza-test-key'),
  };
}

const body = (request: ChatRequest, model = 'gemini-2.5-flash') => toGeminiBody(request, model);

function gatewayError(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('URL, headers and probe', () => {
  it('posts to :generateContent and :streamGenerateContent?alt=sse under models/', () => {
    expect(geminiAdapter.toRequest(req({}), call(), false)).toMatchObject({
      method: 'POST',
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
    });
    expect(geminiAdapter.toRequest(req({}), call(), true).path).toBe(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
  });

  it('keeps a base path and an explicit resource name (tuned models)', () => {
    expect(geminiAdapter.toRequest(req({}), call('tunedModels/my-model-123', '/proxy'), false).path).toBe(
      '/proxy/v1beta/tunedModels/my-model-123:generateContent',
    );
    expect(geminiAdapter.toRequest(req({}), call('models/gemini-2.5-pro'), false).path).toBe(
      '/v1beta/models/gemini-2.5-pro:generateContent',
    );
  });

  // Issue 10: a client's `gemini/<id>` went upstream with its `..` segments and reserved characters as-is.
  it('encodes the model id as one path segment and refuses `.` and `..` with a 400 naming model', () => {
    expect(geminiAdapter.toRequest(req({}), call('a/b?alt=json#x'), false).path).toBe(
      '/v1beta/models/a%2Fb%3Falt%3Djson%23x:generateContent',
    );
    expect(geminiAdapter.toRequest(req({}), call('tunedModels/x:y'), false).path).toBe(
      '/v1beta/tunedModels/x%3Ay:generateContent',
    );
    for (const model of ['..', '.', 'models/..', '../../v1/files', 'tunedModels/a/../b', 'models/']) {
      const error = gatewayError(() => geminiAdapter.toRequest(req({}), call(model), false));
      expect(error.status).toBe(400);
      expect(error.param).toBe('model');
      expect(error.code).toBe('invalid_model_name');
    }
  });

  it('sends the key in x-goog-api-key, never in the URL', () => {
    const upstream = geminiAdapter.toRequest(req({}), call(), false);
    expect(upstream.headers['x-goog-api-key']).toBe('AIza-test-key');
    expect(upstream.headers['content-type']).toBe('application/json');
    expect(upstream.path).not.toContain('key=');
    expect(geminiAdapter.buildHeaders(undefined)).not.toHaveProperty('x-goog-api-key');
  });

  it('probes with one page of the model list', () => {
    expect(geminiAdapter.probeRequest(call())).toMatchObject({
      method: 'GET',
      path: '/v1beta/models?pageSize=1',
      body: undefined,
    });
  });

  it('the body carries only fields Gemini has (the model is in the path, not the body)', () => {
    const sent = JSON.parse(
      geminiAdapter.toRequest(req({ temperature: 0.2, stream: true, user: 'u-1' }), call(), true).body ??
        '{}',
    );
    expect(Object.keys(sent).sort()).toEqual(['contents', 'generationConfig']);
  });
});

describe('messages', () => {
  it('system and developer messages become one systemInstruction, in order', () => {
    const out = body(
      req({
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hi' },
        ],
      }),
    );
    expect(out.systemInstruction).toEqual({ parts: [{ text: 'Be terse.' }, { text: 'Answer in French.' }] });
    expect(out.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
  });

  it('assistant becomes model and consecutive same roles merge into one content', () => {
    const out = body(
      req({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
          { role: 'assistant', content: 'c' },
          { role: 'assistant', content: [{ type: 'text', text: 'd' }] },
          { role: 'user', content: 'e' },
        ],
      }),
    );
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'c' }, { text: 'd' }] },
      { role: 'user', parts: [{ text: 'e' }] },
    ]);
  });

  it('tool calls become functionCall parts with parsed args; results become functionResponse parts named from the call', () => {
    const out = body(
      req({
        messages: [
          { role: 'user', content: 'Weather and time in Paris?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temp":18}' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '14:00' }] },
        ],
      }),
    );
    expect(out.contents.slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { output: { temp: 18 } } } },
          { functionResponse: { name: 'get_time', response: { output: '14:00' } } },
        ],
      },
    ]);
  });

  it('a tool result that does not answer an earlier call is a 400 naming the message', () => {
    const error = gatewayError(() =>
      body(
        req({
          messages: [
            { role: 'user', content: 'x' },
            { role: 'tool', tool_call_id: 'call_missing', content: 'r' },
          ],
        }),
      ),
    );
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages[1].tool_call_id');
  });

  it('tool arguments that are not a JSON object are a 400', () => {
    const withArgs = (args: string) =>
      req({
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }],
          },
        ],
      });
    expect(gatewayError(() => body(withArgs('{oops'))).param).toBe(
      'messages[1].tool_calls[0].function.arguments',
    );
    expect(gatewayError(() => body(withArgs('[1,2]'))).status).toBe(400);
  });

  it('tool text that only looks like JSON is sent as text', () => {
    const out = body(
      req({
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'c', content: '[1] see the notes' },
        ],
      }),
    );
    expect(out.contents[2]?.parts?.[0]?.functionResponse?.response).toEqual({ output: '[1] see the notes' });
  });

  it('does not send reasoning_content back; a foreign reasoning_signature is ignored', () => {
    const out = body(
      req({
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: 'answer',
            reasoning_content: 'thinking…',
            reasoning_signature: 'anthropic-sig',
          },
          { role: 'user', content: 'y' },
        ],
      }),
    );
    expect(out.contents[1]).toEqual({ role: 'model', parts: [{ text: 'answer' }] });
  });

  it('skips empty assistant messages and rejects a conversation with only system messages', () => {
    expect(
      body(
        req({
          messages: [
            { role: 'user', content: 'x' },
            { role: 'assistant', content: null },
          ],
        }),
      ).contents,
    ).toHaveLength(1);
    expect(gatewayError(() => body(req({ messages: [{ role: 'system', content: 's' }] }))).param).toBe(
      'messages',
    );
  });

  it("rejects the deprecated 'function' role", () => {
    const error = gatewayError(() =>
      body(req({ messages: [{ role: 'function', name: 'f', content: 'r' }] })),
    );
    expect(error.code).toBe('unsupported_parameter');
    expect(error.param).toBe('messages[0].role');
  });
});

describe('multimodal parts', () => {
  const userParts = (content: unknown) =>
    body(req({ messages: [{ role: 'user', content } as ChatRequest['messages'][number]] })).contents[0]
      ?.parts;

  it('a data URL image becomes inlineData', () => {
    expect(
      userParts([{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } }]),
    ).toEqual([{ inlineData: { mimeType: 'image/png', data: PNG } }]);
  });

  it('an https image URL with a known extension becomes fileData', () => {
    expect(userParts([{ type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?v=2' } }])).toEqual(
      [{ fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?v=2' } }],
    );
  });

  it('other image URLs are a clear 400 naming the part', () => {
    for (const url of [
      'http://example.com/cat.png',
      'https://example.com/render?id=1',
      'gs://bucket/cat.png',
      'ftp://x/y.png',
    ]) {
      const error = gatewayError(() =>
        userParts([
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url } },
        ]),
      );
      expect(error.status, url).toBe(400);
      expect(error.param, url).toBe('messages[0].content[1].image_url.url');
      expect(error.message).toContain('data: URL');
    }
  });

  it('a data URL that is not base64 is a 400', () => {
    expect(
      gatewayError(() => userParts([{ type: 'image_url', image_url: { url: 'data:image/svg+xml,<svg/>' } }]))
        .status,
    ).toBe(400);
  });

  it('input_audio becomes inlineData with the audio MIME type', () => {
    expect(userParts([{ type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } }])).toEqual([
      { inlineData: { mimeType: 'audio/wav', data: 'UklGR' } },
    ]);
    expect(userParts([{ type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } }])).toEqual([
      { inlineData: { mimeType: 'audio/mp3', data: 'SUQz' } },
    ]);
    expect(
      gatewayError(() => userParts([{ type: 'input_audio', input_audio: { data: 'x', format: 'opus' } }]))
        .param,
    ).toBe('messages[0].content[0].input_audio.format');
  });

  it('an inline file becomes inlineData; an OpenAI file id is rejected', () => {
    expect(
      userParts([
        { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBER' } },
      ]),
    ).toEqual([{ inlineData: { mimeType: 'application/pdf', data: 'JVBER' } }]);
    expect(gatewayError(() => userParts([{ type: 'file', file: { file_id: 'file-abc' } }])).code).toBe(
      'unsupported_parameter',
    );
  });
});

describe('tools and tool_choice', () => {
  const tools: ChatRequest['tools'] = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
        strict: true,
      },
    },
    { type: 'function', function: { name: 'ping' } },
  ];

  it('become functionDeclarations with plain JSON Schema', () => {
    expect(body(req({ tools })).tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather',
            parametersJsonSchema: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
              additionalProperties: false,
            },
          },
          { name: 'ping' },
        ],
      },
    ]);
  });

  const table: Array<[ChatRequest['tool_choice'], unknown]> = [
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [
      { type: 'function', function: { name: 'ping' } },
      { mode: 'ANY', allowedFunctionNames: ['ping'] },
    ],
    [
      {
        type: 'allowed_tools',
        allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'ping' } }] },
      },
      { mode: 'ANY', allowedFunctionNames: ['ping'] },
    ],
    [
      {
        type: 'allowed_tools',
        allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'get_weather' } }] },
      },
      { mode: 'VALIDATED', allowedFunctionNames: ['get_weather'] },
    ],
  ];
  for (const [choice, expected] of table) {
    it(`tool_choice ${JSON.stringify(choice)} → ${JSON.stringify(expected)}`, () => {
      expect(body(req({ tools, tool_choice: choice })).toolConfig).toEqual({
        functionCallingConfig: expected,
      });
    });
  }

  it('tool_choice without tools: auto/none need nothing, a forced choice is a 400', () => {
    expect(body(req({ tool_choice: 'none' })).toolConfig).toBeUndefined();
    expect(gatewayError(() => body(req({ tool_choice: 'required' }))).param).toBe('tool_choice');
    expect(
      gatewayError(() => body(req({ tools, tool_choice: { type: 'function', function: { name: 'nope' } } })))
        .param,
    ).toBe('tool_choice');
  });

  it('custom tools and names Gemini refuses are 400s', () => {
    expect(
      gatewayError(() => body(req({ tools: [{ type: 'custom', custom: { name: 'grammar' } }] }))).param,
    ).toBe('tools[0]');
    expect(
      gatewayError(() => body(req({ tools: [{ type: 'function', function: { name: '1st-tool' } }] }))).param,
    ).toBe('tools[0].function.name');
  });
});

describe('generationConfig', () => {
  it('maps sampling, length, stop, n, seed, penalties and logprobs', () => {
    expect(
      body(
        req({
          temperature: 0.3,
          top_p: 0.9,
          max_tokens: 50,
          stop: 'END',
          n: 2,
          seed: 7,
          presence_penalty: 0.5,
          frequency_penalty: -0.5,
          logprobs: true,
          top_logprobs: 3,
        }),
      ).generationConfig,
    ).toEqual({
      temperature: 0.3,
      topP: 0.9,
      maxOutputTokens: 50,
      stopSequences: ['END'],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      responseLogprobs: true,
      logprobs: 3,
    });
  });

  it('max_completion_tokens wins over max_tokens; no default is invented', () => {
    expect(body(req({ max_tokens: 10, max_completion_tokens: 99 })).generationConfig?.maxOutputTokens).toBe(
      99,
    );
    expect(body(req({})).generationConfig).toBeUndefined();
  });

  it('n = 1 and empty stop lists send nothing', () => {
    expect(body(req({ n: 1, stop: [] })).generationConfig).toBeUndefined();
  });

  it('top_logprobs without logprobs is a 400, as at OpenAI', () => {
    expect(gatewayError(() => body(req({ top_logprobs: 2 }))).param).toBe('top_logprobs');
  });

  it('response_format json_object → JSON mode; json_schema → responseJsonSchema', () => {
    expect(body(req({ response_format: { type: 'json_object' } })).generationConfig).toEqual({
      responseMimeType: 'application/json',
    });
    expect(
      body(
        req({
          response_format: {
            type: 'json_schema',
            json_schema: {
              name: 'r',
              strict: true,
              schema: { type: 'object', properties: { a: { const: 'x' } } },
            },
          },
        }),
      ).generationConfig,
    ).toEqual({
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { a: { enum: ['x'] } } },
    });
    expect(body(req({ response_format: { type: 'text' } })).generationConfig).toBeUndefined();
  });

  it('reasoning_effort → thinkingBudget on Gemini 2.5 with thoughts included', () => {
    const budget = (effort: ChatRequest['reasoning_effort']) =>
      body(req({ reasoning_effort: effort }), 'gemini-2.5-flash').generationConfig?.thinkingConfig;
    expect(budget('low')).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    expect(budget('medium')).toEqual({ thinkingBudget: 8192, includeThoughts: true });
    expect(budget('high')).toEqual({ thinkingBudget: 24576, includeThoughts: true });
    expect(budget('minimal')).toEqual({ thinkingBudget: 512, includeThoughts: true });
    expect(budget('none')).toEqual({ thinkingBudget: 0 });
  });

  it('reasoning_effort → thinkingLevel on Gemini 3, never both', () => {
    const level = (effort: ChatRequest['reasoning_effort']) =>
      body(req({ reasoning_effort: effort }), 'gemini-3-pro-preview').generationConfig?.thinkingConfig;
    expect(level('low')).toEqual({ thinkingLevel: 'LOW', includeThoughts: true });
    expect(level('medium')).toEqual({ thinkingLevel: 'MEDIUM', includeThoughts: true });
    expect(level('xhigh')).toEqual({ thinkingLevel: 'HIGH', includeThoughts: true });
    expect(level('none')).toEqual({ thinkingLevel: 'MINIMAL' });
  });

  it('tells model generations apart by name', () => {
    expect(usesThinkingLevels('gemini-3-pro-preview')).toBe(true);
    expect(usesThinkingLevels('models/gemini-3.5-flash')).toBe(true);
    expect(usesThinkingLevels('gemini-2.5-pro')).toBe(false);
    expect(usesThinkingLevels('gemini-flash-latest')).toBe(false);
  });

  it('no reasoning_effort sends no thinkingConfig (models without thinking reject it)', () => {
    expect(body(req({})).generationConfig?.thinkingConfig).toBeUndefined();
  });
});

describe('fields Gemini cannot honour', () => {
  const rejected: Array<[string, Record<string, unknown>]> = [
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['functions', { functions: [{ name: 'f' }] }],
    ['function_call', { function_call: 'auto' }],
    ['audio', { audio: { voice: 'alloy', format: 'wav' } }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['prediction', { prediction: { type: 'content', content: 'x' } }],
    ['web_search_options', { web_search_options: {} }],
  ];
  for (const [param, fields] of rejected) {
    it(`${param} → 400 unsupported_parameter`, () => {
      const error = gatewayError(() => body(req(fields)));
      expect(error).toMatchObject({ status: 400, code: 'unsupported_parameter', param });
    });
  }

  it('accepts what has no effect on the answer (user, metadata, store, empty logit_bias, text modality)', () => {
    expect(() =>
      body(req({ user: 'u', metadata: { a: 'b' }, store: true, logit_bias: {}, modalities: ['text'] })),
    ).not.toThrow();
  });
});

describe('thought signatures on the way back', () => {
  const toolTurn = (id: string, extra: ChatRequest['messages'] = []): ChatRequest =>
    req({
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: id, content: 'sunny' },
        ...extra,
      ],
    });

  it('a signature in the tool call id goes back on its functionCall part, decoded exactly', () => {
    const out = body(toolTurn('call_x_0_0__thought__EqUC-9vs_8Pd'), 'gemini-2.5-flash');
    expect(out.contents[1]?.parts?.[0]?.thoughtSignature).toBe('EqUC+9vs/8Pd');
  });

  it('Gemini 3: calls of the current turn without a signature get the documented placeholder', () => {
    const out = body(toolTurn('call_from_openai'), 'gemini-3-pro-preview');
    expect(out.contents[1]?.parts?.[0]?.thoughtSignature).toBe(FOREIGN_SIGNATURE);
  });

  it('Gemini 3: only the first call of a step, and only in the current turn', () => {
    const out = body(
      req({
        messages: [
          { role: 'user', content: 'old question' },
          {
            role: 'assistant',
            tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'a', content: 'r' },
          { role: 'assistant', content: 'old answer' },
          { role: 'user', content: 'new question' },
          {
            role: 'assistant',
            tool_calls: [
              { id: 'b', type: 'function', function: { name: 'f', arguments: '{}' } },
              { id: 'c', type: 'function', function: { name: 'g', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'b', content: 'r' },
          { role: 'tool', tool_call_id: 'c', content: 'r' },
        ],
      }),
      'gemini-3-flash-preview',
    );
    expect(out.contents[1]?.parts?.[0]).not.toHaveProperty('thoughtSignature');
    expect(out.contents[5]?.parts?.map((p) => p.thoughtSignature)).toEqual([FOREIGN_SIGNATURE, undefined]);
  });

  it('Gemini 2.5 gets no placeholder (it does not validate signatures)', () => {
    expect(body(toolTurn('call_from_openai'), 'gemini-2.5-flash').contents[1]?.parts?.[0]).not.toHaveProperty(
      'thoughtSignature',
    );
  });
});

describe('purity', () => {
  it('never mutates the request and gives the same body twice', () => {
    const request = deepFreeze(
      req({
        messages: [
          { role: 'system', content: 's' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'x' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            ],
          },
          {
            role: 'assistant',
            tool_calls: [{ id: 'i', type: 'function', function: { name: 'f', arguments: '{"a":[1]}' } }],
          },
          { role: 'tool', tool_call_id: 'i', content: '{"b":2}' },
        ],
        tools: [
          {
            type: 'function',
            function: { name: 'f', parameters: { type: 'object', definitions: { x: { const: 1 } } } },
          },
        ],
        stop: ['a', 'b'],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'n', schema: { $ref: '#/definitions/x', definitions: { x: {} } } },
        },
      }),
    );
    const first = geminiAdapter.toRequest(request, call('gemini-3-pro-preview'), false);
    const second = geminiAdapter.toRequest(request, call('gemini-3-pro-preview'), false);
    expect(second).toEqual(first);
  });
});
