import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors/gateway-error.ts';
import { parseResponsesRequest } from '../../../src/fronts/responses/request.ts';
import { refuseIfUntranslatable } from '../../../src/fronts/untranslatable.ts';
import { thrown } from '../../helpers/thrown.ts';

const parse = (body: unknown) => parseResponsesRequest(Buffer.from(JSON.stringify(body)));

describe('Responses request → normalized request', () => {
  it('maps a string input, instructions and the settings', () => {
    const { request, stream } = parse({
      model: 'm',
      input: 'hi',
      instructions: 'Be brief.',
      max_output_tokens: 50,
      temperature: 0.3,
      top_p: 0.8,
      top_logprobs: 2,
      reasoning: { effort: 'low', summary: 'auto' },
      text: {
        format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true },
        verbosity: 'low',
      },
      parallel_tool_calls: false,
      user: 'u',
      metadata: { k: 'v' },
      store: true,
      include: ['reasoning.encrypted_content'],
      stream: true,
    });
    expect(stream).toBe(true);
    expect(request).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 50,
      temperature: 0.3,
      top_p: 0.8,
      logprobs: true,
      top_logprobs: 2,
      reasoning_effort: 'low',
      user: 'u',
      metadata: { k: 'v' },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'out', schema: { type: 'object' }, strict: true },
      },
      verbosity: 'low',
    });
  });

  it('maps items: messages with parts, merged function calls, their outputs; drops reasoning', () => {
    const { request } = parse({
      model: 'm',
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'Rules.' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look' },
            { type: 'input_image', image_url: 'https://x/cat.png', detail: 'original' },
            { type: 'input_file', file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' },
          ],
        },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Calling.', annotations: [] }] },
        { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' },
        { type: 'function_call', call_id: 'call_2', name: 'g', arguments: '{"a":1}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'one' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'two' }] },
      ],
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: null }],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'f' }] },
    });
    expect(request.messages).toEqual([
      { role: 'developer', content: 'Rules.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image_url', image_url: { url: 'https://x/cat.png', detail: 'auto' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' } },
        ],
      },
      {
        role: 'assistant',
        content: 'Calling.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } },
          { id: 'call_2', type: 'function', function: { name: 'g', arguments: '{"a":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'one' },
      { role: 'tool', tool_call_id: 'call_2', content: 'two' },
    ]);
    expect(request.tools).toEqual([
      { type: 'function', function: { name: 'f', parameters: { type: 'object' } } },
    ]);
    expect(request.tool_choice).toEqual({
      type: 'allowed_tools',
      allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'f' } }] },
    });
  });

  it('refuses stored state and what Chat cannot express, naming the param', () => {
    const cases: Array<[Record<string, unknown>, string, string?]> = [
      [
        { model: 'm', input: 'x', previous_response_id: 'resp_1' },
        'previous_response_id',
        'previous_response_not_found',
      ],
      [{ model: 'm', input: 'x', conversation: 'conv_1' }, 'conversation'],
      [{ model: 'm', input: 'x', background: true }, 'background'],
      [{ model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
      [{ model: 'm' }, 'input'],
      [{ model: 'm', input: 'x', max_output_tokens: 0 }, 'max_output_tokens'],
    ];
    for (const [body, param, code] of cases) {
      const error = thrown(() => parse(body)) as GatewayError;
      expect(error, JSON.stringify(body)).toBeInstanceOf(GatewayError);
      expect(error.status).toBe(400);
      expect(error.param, JSON.stringify(body)).toBe(param);
      if (code !== undefined) expect(error.code).toBe(code);
    }
  });

  it("leaves OpenAI's own parts out and refuses only translated targets", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: 'm', input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type'],
      [
        {
          model: 'm',
          input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1', detail: 'auto' }] }],
        },
        'input[0].content[0].image_url',
      ],
      [
        { model: 'm', input: [{ type: 'web_search_call', id: 'ws_1', status: 'completed' }] },
        'input[0].type',
      ],
      // OpenAI answers this one itself (its 400 is relayed); every other target is refused by the gateway.
      [
        { model: 'm', input: [{ role: 'assistant', content: [{ type: 'input_text', text: 'x' }] }] },
        'input[0].content[0].type',
      ],
    ];
    for (const [body, param] of cases) {
      const { native } = parse(body);
      const error = thrown(() => refuseIfUntranslatable(native)) as GatewayError;
      expect(error.status).toBe(400);
      expect(error.param, JSON.stringify(body)).toBe(param);
    }
  });
});
