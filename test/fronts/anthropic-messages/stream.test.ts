import { describe, expect, it } from 'vitest';
import { AnthropicStreamRenderer } from '../../../src/fronts/anthropic-messages/stream.ts';
import { toAnthropicMessage } from '../../../src/fronts/anthropic-messages/response.ts';
import { deltaChunk, usageChunk } from '../../../src/providers/shared/chunks.ts';
import { StreamProtocolError } from '../../../src/providers/types.ts';

const header = { id: 'chatcmpl-abc', created: 1, model: 'gpt-4.1' };
const usage = {
  prompt_tokens: 30,
  completion_tokens: 7,
  total_tokens: 37,
  // Anthropic's input 15, cache read 10, cache writes 5 (2 of them with the 1-hour TTL), normalized.
  prompt_tokens_details: { cached_tokens: 10, cache_write_tokens: 5, cache_write_1h_tokens: 2 },
};

function render(chunks: string[]): Array<{ event: string; data: Record<string, unknown> }> {
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const renderer = new AnthropicStreamRenderer({
    event: (event, json) => events.push({ event, data: JSON.parse(json) as Record<string, unknown> }),
    raw: () => {
      throw new Error('a translated stream writes events only');
    },
  });
  for (const chunk of chunks) renderer.chunk(chunk, 'chunk');
  renderer.end();
  return events;
}

describe('OpenAI chunks → Anthropic events', () => {
  it('renders thinking, text and a tool call as sequential blocks, then cumulative usage', () => {
    const events = render([
      deltaChunk(header, { role: 'assistant', reasoning_content: 'Hmm' }),
      deltaChunk(header, { content: 'Checking.' }),
      deltaChunk(header, {
        tool_calls: [
          { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } },
        ],
      }),
      deltaChunk(header, { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      deltaChunk(header, { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      deltaChunk(header, {}, 'tool_calls'),
      usageChunk(header, usage),
    ]);
    expect(events.map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]?.data.message).toMatchObject({ id: 'msg_abc', model: 'gpt-4.1', role: 'assistant' });
    expect(events[1]?.data).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    });
    expect(events[2]?.data.delta).toEqual({ type: 'thinking_delta', thinking: 'Hmm' });
    expect(events[5]?.data).toMatchObject({ index: 1, delta: { type: 'text_delta', text: 'Checking.' } });
    expect(events[7]?.data.content_block).toEqual({
      type: 'tool_use',
      id: 'call_1',
      name: 'get_weather',
      input: {},
    });
    expect(events[9]?.data.delta).toEqual({ type: 'input_json_delta', partial_json: '"Paris"}' });
    expect(events[11]?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: {
        input_tokens: 15,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 10,
        cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 2 },
        output_tokens: 7,
      },
    });
  });

  it('gives a signature that arrives after its thinking block closed a thinking block of its own', () => {
    const events = render([
      deltaChunk(header, { reasoning_content: 'Hmm' }),
      deltaChunk(header, { content: 'Four.' }),
      deltaChunk(header, { reasoning_signature: 'state' }, 'stop'),
    ]);
    const starts = events.filter((event) => event.event === 'content_block_start');
    expect(starts.map((event) => (event.data.content_block as { type: string }).type)).toEqual([
      'thinking',
      'text',
      'thinking',
    ]);
    expect(
      events.find((event) => (event.data.delta as { type?: string })?.type === 'signature_delta')?.data,
    ).toEqual({
      type: 'content_block_delta',
      index: 2,
      delta: { type: 'signature_delta', signature: 'state' },
    });
    expect(events.at(-2)?.data.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
  });

  it('maps finish reasons to stop reasons', () => {
    for (const [finish, stop] of [
      ['stop', 'end_turn'],
      ['length', 'max_tokens'],
      ['tool_calls', 'tool_use'],
      ['content_filter', 'refusal'],
    ] as const) {
      const events = render([deltaChunk(header, { content: 'x' }, finish)]);
      expect(events.at(-2)?.data.delta).toEqual({ stop_reason: stop, stop_sequence: null });
    }
  });

  it('refuses a tool call that resumes after another block opened', () => {
    const renderer = new AnthropicStreamRenderer({ event: () => {}, raw: () => {} });
    renderer.chunk(
      deltaChunk(header, { tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '' } }] }),
      'chunk',
    );
    renderer.chunk(
      deltaChunk(header, { tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '' } }] }),
      'chunk',
    );
    expect(() =>
      renderer.chunk(
        deltaChunk(header, { tool_calls: [{ index: 0, function: { arguments: '{}' } }] }),
        'chunk',
      ),
    ).toThrow(StreamProtocolError);
  });

  it('renders a whole completion as a Message', () => {
    const message = toAnthropicMessage({
      id: 'chatcmpl-xyz',
      object: 'chat.completion',
      created: 1,
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'Checking.',
            refusal: null,
            reasoning_content: 'Hmm',
            reasoning_signature: 'state',
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
        },
      ],
      usage,
    });
    expect(message).toEqual({
      id: 'msg_xyz',
      type: 'message',
      role: 'assistant',
      model: 'gemini-2.5-flash',
      content: [
        { type: 'thinking', thinking: 'Hmm', signature: 'state' },
        { type: 'text', text: 'Checking.', citations: null },
        { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 15,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 10,
        cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 2 },
        output_tokens: 7,
      },
    });
  });
});
