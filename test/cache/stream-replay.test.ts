/**
 * A cached completion replayed as a stream and a stream reassembled into a completion: each is the
 * other's inverse, so either kind of request serves the other.
 */
import { describe, expect, it } from 'vitest';
import { isStorableCompletion } from '../../src/cache/cached-answer.ts';
import { reassembleStream } from '../../src/cache/stream-reassembly.ts';
import { replayChunks } from '../../src/cache/stream-replay.ts';
import type { ChatRequest } from '../../src/protocol/chat-request.ts';
import type { ChatCompletion } from '../../src/protocol/chat-response.ts';

const usage = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 };

function completion(choices: ChatCompletion['choices']): ChatCompletion {
  return {
    id: 'chatcmpl-x',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4.1-2025-04-14',
    choices,
    usage,
  };
}

const text = completion([
  {
    index: 0,
    message: { role: 'assistant', content: 'Hello there', refusal: null, reasoning_content: 'Think first' },
    logprobs: null,
    finish_reason: 'stop',
  },
]);

const toolCall = completion([
  {
    index: 0,
    message: {
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    },
    logprobs: null,
    finish_reason: 'tool_calls',
  },
]);

const request = (tools: string[]) =>
  ({
    model: 'm',
    messages: [{ role: 'user', content: 'x' }],
    tools: tools.map((name) => ({ type: 'function', function: { name } })),
  }) as ChatRequest;

describe('replayChunks', () => {
  it('opens with the role, carries the content, finishes, then the usage only when asked', () => {
    const chunks = replayChunks(text, 'chatcmpl-new', 99, true).map((chunk) => JSON.parse(chunk));
    expect(chunks.map((chunk) => chunk.object)).toEqual(Array(4).fill('chat.completion.chunk'));
    expect(chunks.every((chunk) => chunk.id === 'chatcmpl-new' && chunk.created === 99)).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks[1].choices[0].delta).toEqual({ content: 'Hello there', reasoning_content: 'Think first' });
    expect(chunks[2].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks[3]).toMatchObject({ choices: [], usage });
    expect(replayChunks(text, 'id', 1, false)).toHaveLength(3);
  });

  it('round-trips through reassembly: text, reasoning and tool calls', () => {
    for (const original of [text, toolCall]) {
      const rebuilt = reassembleStream(replayChunks(original, 'chatcmpl-x', 1, true));
      expect(rebuilt).toEqual(original);
    }
  });

  it('replays several choices, each with its own finish', () => {
    const two = completion([
      {
        index: 0,
        message: { role: 'assistant', content: 'A', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
      {
        index: 1,
        message: { role: 'assistant', content: 'B', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    expect(reassembleStream(replayChunks(two, 'chatcmpl-x', 1, true))).toEqual(two);
  });
});

describe('reassembleStream', () => {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra });

  it('joins content and tool-call arguments split over many chunks', () => {
    const rebuilt = reassembleStream([
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'lo' }, finish_reason: null }]),
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } },
            ],
          },
        },
      ]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] } }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
      chunk([], { usage }),
    ]);
    expect(rebuilt?.choices[0]?.message).toMatchObject({
      content: 'Hello',
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    });
    expect(rebuilt?.usage).toEqual(usage);
  });

  it('gives up on what it cannot rebuild exactly', () => {
    const finish = chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    expect(reassembleStream([])).toBeUndefined();
    expect(reassembleStream([chunk([{ index: 0, delta: { content: 'no finish' } }])])).toBeUndefined();
    expect(
      reassembleStream([chunk([{ index: 0, delta: { audio: { data: 'x' } } }]), finish]),
    ).toBeUndefined();
    expect(
      reassembleStream([chunk([{ index: 0, delta: { content: 'x' }, logprobs: { content: [] } }]), finish]),
    ).toBeUndefined();
    expect(reassembleStream([JSON.stringify({ error: { message: 'boom' } })])).toBeUndefined();
    expect(reassembleStream(['not json'])).toBeUndefined();
  });
});

describe('isStorableCompletion', () => {
  it('stores complete text answers and tool calls to tools the request offers', () => {
    expect(isStorableCompletion(text, request([]))).toBe(true);
    expect(isStorableCompletion(toolCall, request(['get_weather', 'get_time']))).toBe(true);
  });

  it('never stores truncated or filtered answers, unknown tools, or fields a replay would lose', () => {
    const finished = (finish_reason: string) =>
      completion([{ ...text.choices[0], finish_reason } as ChatCompletion['choices'][number]]);
    expect(isStorableCompletion(finished('length'), request([]))).toBe(false);
    expect(isStorableCompletion(finished('content_filter'), request([]))).toBe(false);
    expect(isStorableCompletion(toolCall, request(['get_weather']))).toBe(false);
    const audio = completion([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          audio: { id: 'a', data: 'x', expires_at: 1, transcript: 't' },
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    expect(isStorableCompletion(audio, request([]))).toBe(false);
    expect(isStorableCompletion(completion([]), request([]))).toBe(false);
  });
});
