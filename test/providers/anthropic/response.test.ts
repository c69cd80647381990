import { describe, expect, it } from 'vitest';
import {
  fromAnthropicResponse,
  mapAnthropicStopReason,
  mapAnthropicUsage,
} from '../../../src/providers/anthropic/response.ts';
import { decodeThinkingState } from '../../../src/providers/anthropic/signature.ts';
import { UpstreamProtocolError } from '../../../src/providers/types.ts';
import { fixtures, makeCtx } from '../../helpers/stream-harness.ts';
import { anthropicFromCompletion } from './harness.ts';

const fixture = fixtures('anthropic');

describe('mapAnthropicStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
    ['some_future_reason', 'stop'],
    [null, 'stop'],
    [undefined, 'stop'],
  ])('%s → %s', (raw, mapped) => {
    expect(mapAnthropicStopReason(raw)).toBe(mapped);
  });
});

describe('mapAnthropicUsage', () => {
  it.each([
    {
      name: 'plain',
      usage: { input_tokens: 12, output_tokens: 30 },
      expected: {
        prompt_tokens: 12,
        completion_tokens: 30,
        total_tokens: 42,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    },
    {
      name: 'cache read and write count as prompt tokens',
      usage: {
        input_tokens: 6,
        cache_creation_input_tokens: 3337,
        cache_read_input_tokens: 6289,
        output_tokens: 198,
      },
      expected: {
        prompt_tokens: 9632,
        completion_tokens: 198,
        total_tokens: 9830,
        prompt_tokens_details: { cached_tokens: 6289, cache_write_tokens: 3337 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    },
    {
      name: 'thinking tokens are reasoning tokens inside completion tokens',
      usage: { input_tokens: 5, output_tokens: 90, output_tokens_details: { thinking_tokens: 70 } },
      expected: {
        prompt_tokens: 5,
        completion_tokens: 90,
        total_tokens: 95,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 70 },
      },
    },
    {
      name: 'null cache fields (SDK types allow them)',
      usage: {
        input_tokens: 3,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
        output_tokens: 1,
        output_tokens_details: null,
      },
      expected: {
        prompt_tokens: 3,
        completion_tokens: 1,
        total_tokens: 4,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    },
    {
      name: 'empty',
      usage: {},
      expected: {
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    },
  ])('$name', ({ usage, expected }) => {
    expect(mapAnthropicUsage(usage)).toEqual(expected);
  });
});

describe('fromAnthropicResponse', () => {
  for (const name of ['text-message', 'thinking-message', 'tool-message']) {
    it(`translates the recorded ${name}.json`, () => {
      const translated = fromAnthropicResponse(fixture.text(`${name}.json`), makeCtx());
      const expected = fixture.json<Record<string, unknown>>(`${name}.expected.json`);
      const { raw_finish_reason, ...rest } = expected;
      expect(anthropicFromCompletion(translated.completion)).toEqual(rest);
      expect(translated.rawFinishReason).toBe(raw_finish_reason);
      expect(translated.finishReason).toBe(expected.finish_reason);
      expect(translated.usage).toEqual(expected.usage);
      expect(JSON.parse(translated.body)).toEqual(translated.completion);
    });
  }

  it('builds the OpenAI envelope from the context', () => {
    const { completion } = fromAnthropicResponse(fixture.text('text-message.json'), makeCtx());
    expect(completion).toMatchObject({
      id: 'chatcmpl-fixture01',
      object: 'chat.completion',
      created: 1767225600,
      model: 'claude-sonnet-4-5-20250929',
    });
    expect(completion.choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: 'stop' });
  });

  it('keeps thinking out of content and carries the signature', () => {
    const { completion } = fromAnthropicResponse(fixture.text('thinking-message.json'), makeCtx());
    const message = completion.choices[0]?.message;
    expect(message?.content).toBe('925 ÷ 5 = 185');
    expect(message?.reasoning_content).toBe('925 divided by 5 = 185');
    expect(decodeThinkingState(message?.reasoning_signature)?.blocks).toEqual([
      { type: 'thinking', thinking: '925 divided by 5 = 185', signature: expect.stringMatching(/^Er4B/) },
    ]);
  });

  it('content is "" for an empty answer and null when only tools were called', () => {
    const empty = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [],
      stop_reason: 'end_turn',
      usage: {},
    };
    expect(
      fromAnthropicResponse(JSON.stringify(empty), makeCtx()).completion.choices[0]?.message.content,
    ).toBe('');
    const tools = fromAnthropicResponse(fixture.text('parallel-tools.json'), makeCtx()).completion.choices[0]
      ?.message;
    expect(tools?.content).toBeNull();
    expect(tools?.tool_calls?.[1]).toEqual({
      id: 'toolu_01C',
      type: 'function',
      function: { name: 'get_time', arguments: '{}' },
    });
  });

  it('drops server-tool blocks but keeps the text around them', () => {
    const message = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-5',
      content: [
        { type: 'text', text: 'Let me search. ' },
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
        { type: 'text', text: 'Found it.' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 1, output_tokens: 2 },
    };
    const out = fromAnthropicResponse(JSON.stringify(message), makeCtx()).completion.choices[0]?.message;
    expect(out?.content).toBe('Let me search. Found it.');
    expect(out?.tool_calls).toBeUndefined();
  });

  it('raw finish reason is kept when it differs', () => {
    const message = {
      id: 'm',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [],
      stop_reason: 'pause_turn',
      usage: {},
    };
    const translated = fromAnthropicResponse(JSON.stringify(message), makeCtx());
    expect(translated.finishReason).toBe('stop');
    expect(translated.rawFinishReason).toBe('pause_turn');
  });

  it.each([
    ['not JSON', '<html>502</html>'],
    ['not a message', '{"type":"error","error":{"type":"api_error","message":"x"}}'],
    ['no content array', '{"type":"message","content":null}'],
  ])('rejects a body that is %s', (_name, body) => {
    expect(() => fromAnthropicResponse(body, makeCtx())).toThrow(UpstreamProtocolError);
  });
});
