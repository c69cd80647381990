import { describe, expect, it } from 'vitest';
import { parseMessagesRequest } from '../../../src/fronts/anthropic-messages/request.ts';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
import { refuseIfUntranslatable } from '../../../src/fronts/untranslatable.ts';
import { thrown } from '../../helpers/thrown.ts';

const parse = (body: unknown) => parseMessagesRequest(Buffer.from(JSON.stringify(body)));
const base = { model: 'm', max_tokens: 100 };

describe('Anthropic Messages → normalized request', () => {
  it('maps system blocks, sampling, stop sequences, metadata and streaming', () => {
    const { request, stream } = parse({
      ...base,
      system: [
        { type: 'text', text: 'One.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Two.' },
      ],
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      stream: true,
    });
    expect(stream).toBe(true);
    expect(request).toEqual({
      model: 'm',
      max_completion_tokens: 100,
      messages: [
        { role: 'system', content: 'One.\n\nTwo.' },
        { role: 'user', content: 'hi' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      stop: ['END'],
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      user: 'u-1',
    });
  });

  it('puts tool results before the rest of their user turn and carries tool use and thinking back', () => {
    const { request } = parse({
      ...base,
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Use the tool.', signature: 'sig-1' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18C' }] },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'boom', is_error: true },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
    });
    expect(request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          {
            id: 'toolu_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
        reasoning_content: 'Use the tool.',
        reasoning_signature: 'sig-1',
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18C' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: boom' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('maps images and PDFs to content parts', () => {
    const { request } = parse({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } },
            { type: 'text', text: 'Describe' },
          ],
        },
      ],
    });
    expect(request.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE' } },
        { type: 'text', text: 'Describe' },
      ],
    });
  });

  it('maps tools, tool_choice and disable_parallel_tool_use', () => {
    const tool = { name: 'f', description: 'd', input_schema: { type: 'object' } };
    const cases: Array<[unknown, unknown]> = [
      [{ type: 'auto' }, 'auto'],
      [{ type: 'any' }, 'required'],
      [{ type: 'none' }, 'none'],
      [
        { type: 'tool', name: 'f' },
        { type: 'function', function: { name: 'f' } },
      ],
    ];
    for (const [choice, expected] of cases) {
      const { request } = parse({
        ...base,
        messages: [{ role: 'user', content: 'x' }],
        tools: [tool],
        tool_choice: choice,
      });
      expect(request.tool_choice).toEqual(expected);
      expect(request.tools).toEqual([
        { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } },
      ]);
    }
    const { request } = parse({
      ...base,
      messages: [{ role: 'user', content: 'x' }],
      tools: [tool],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    });
    expect(request.parallel_tool_calls).toBe(false);
  });

  it('maps thinking budgets, adaptive thinking, effort and structured output', () => {
    const effortOf = (extra: Record<string, unknown>) =>
      parse({ ...base, max_tokens: 64_000, messages: [{ role: 'user', content: 'x' }], ...extra }).request
        .reasoning_effort;
    expect(effortOf({ thinking: { type: 'enabled', budget_tokens: 1024 } })).toBe('minimal');
    expect(effortOf({ thinking: { type: 'enabled', budget_tokens: 2048 } })).toBe('low');
    expect(effortOf({ thinking: { type: 'enabled', budget_tokens: 8000 } })).toBe('medium');
    expect(effortOf({ thinking: { type: 'enabled', budget_tokens: 16_000 } })).toBe('high');
    expect(effortOf({ thinking: { type: 'enabled', budget_tokens: 40_000 } })).toBe('max');
    expect(effortOf({ thinking: { type: 'disabled' } })).toBe('none');
    expect(effortOf({ thinking: { type: 'adaptive' } })).toBe('medium');
    expect(effortOf({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } })).toBe('high');
    expect(effortOf({})).toBeUndefined();
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const { request } = parse({
      ...base,
      messages: [{ role: 'user', content: 'x' }],
      output_config: { format: { type: 'json_schema', schema } },
    });
    expect(request.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema, strict: true },
    });
  });

  it('refuses a malformed request with a 400 naming the field', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
      [{ ...base, max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
      [{ ...base, messages: [] }, 'messages'],
      [{ ...base, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
      [{ ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages[0].content[0].type'],
      [
        {
          ...base,
          messages: [{ role: 'user', content: 'x' }],
          thinking: { type: 'enabled', budget_tokens: 10 },
        },
        'thinking.budget_tokens',
      ],
    ];
    for (const [body, param] of cases) {
      const error = thrown(() => parse(body));
      expect(error, JSON.stringify(body)).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).status).toBe(400);
      expect((error as GatewayError).param, JSON.stringify(body)).toBe(param);
    }
    expect((thrown(() => parseMessagesRequest(Buffer.from('{nope'))) as GatewayError).code).toBe(
      'invalid_json',
    );
  });

  it("leaves Claude's own parts out of the normalized request and refuses only translated targets", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        {
          ...base,
          messages: [{ role: 'user', content: 'x' }],
          tools: [
            { type: 'web_search_20250305', name: 'web_search' },
            { name: 'f', input_schema: { type: 'object' } },
          ],
        },
        'tools[0].type',
      ],
      [
        {
          ...base,
          messages: [
            { role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] },
          ],
        },
        'messages[0].content[0].source',
      ],
      [
        {
          ...base,
          messages: [
            { role: 'user', content: 'Search' },
            {
              role: 'assistant',
              content: [
                { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} },
                { type: 'text', text: 'Found.' },
              ],
            },
          ],
        },
        'messages[1].content[0].type',
      ],
    ];
    for (const [body, param] of cases) {
      const { request, native } = parse(body);
      expect(request.model).toBe('m');
      const error = thrown(() => refuseIfUntranslatable(native)) as GatewayError;
      expect(error.status).toBe(400);
      expect(error.param, JSON.stringify(body)).toBe(param);
    }
    const { request } = parse(cases[0]?.[0]);
    expect(request.tools?.map((tool) => (tool.type === 'function' ? tool.function.name : ''))).toEqual(['f']);
    const fine = parse({ ...base, messages: [{ role: 'user', content: 'x' }] });
    expect(() => refuseIfUntranslatable(fine.native)).not.toThrow();
  });
});
