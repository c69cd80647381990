import { describe, expect, it } from 'vitest';
import { fromAnthropicResponse } from '../../../src/providers/anthropic/response.ts';
import { decodeThinkingState } from '../../../src/providers/anthropic/signature.ts';
import { createAnthropicStream } from '../../../src/providers/anthropic/stream.ts';
import { StreamProtocolError, UpstreamStreamError } from '../../../src/providers/types.ts';
import { sdkFinalCompletion, type SingleChoice } from '../../helpers/chunk-reassembly.ts';
import {
  type EmittedChunk,
  fixtures,
  makeCtx,
  randomPieces,
  runStream,
  type StreamRun,
  splitAt,
} from '../../helpers/stream-harness.ts';
import { anthropicFromCompletion, reassembleAnthropic } from './harness.ts';

const fixture = fixtures('anthropic');

interface Expected {
  model: string;
  message: SingleChoice['message'];
  finish_reason: string;
  raw_finish_reason: string | null;
  usage: NonNullable<SingleChoice['usage']>;
}

const STREAMS = [
  'text',
  'thinking',
  'tool',
  'prompt-cache',
  'thinking-tool',
  'parallel-tools',
  'max-tokens',
  'refusal',
];
/** Composed fixtures whose .json describes the same message as the .sse. */
const PAIRS = ['thinking-tool', 'parallel-tools', 'max-tokens'];
const MALFORMED = [
  'cut-mid-event',
  'spliced-message-start',
  'duplicate-block-start',
  'delta-unknown-block',
  'error-mid-stream',
];

function check(run: StreamRun, expected: Expected): void {
  const got = reassembleAnthropic(run.chunks);
  expect(got.model).toBe(expected.model);
  expect(got.message).toEqual(expected.message);
  expect(got.finish_reason).toBe(expected.finish_reason);
  expect(got.usage).toEqual(expected.usage);
  expect(run.translator.usage).toEqual(expected.usage);
  expect(run.translator.finishReason).toBe(expected.finish_reason);
  expect(run.translator.rawFinishReason).toBe(expected.raw_finish_reason);
  expect(run.translator.model).toBe(expected.model);
}

function serialize(chunks: readonly EmittedChunk[]): string {
  return chunks.map((chunk) => `${chunk.kind} ${chunk.json}`).join('\n');
}

/** Tool arguments compared as JSON: the API streams `{"city": "Paris"}`, JSON.stringify writes `{"city":"Paris"}`. */
function normalized(value: SingleChoice): SingleChoice {
  const message = structuredClone(value.message);
  for (const call of message.tool_calls ?? []) {
    if (call.type === 'function')
      call.function.arguments = JSON.stringify(JSON.parse(call.function.arguments));
  }
  return { ...value, message };
}

describe('Anthropic stream fixtures', () => {
  for (const name of STREAMS) {
    describe(name, () => {
      const bytes = fixture.bytes(`${name}.sse`);
      const expected = fixture.json<Expected>(`${name}.expected.json`);

      it('translates the whole stream', () => {
        check(runStream(createAnthropicStream, [bytes]), expected);
      });

      // The translator is deterministic, so any split must emit exactly the chunks of the whole run;
      // comparing the serialized chunks keeps thousands of runs fast.
      it('emits the same chunks split at every byte', () => {
        const whole = serialize(runStream(createAnthropicStream, [bytes]).chunks);
        for (let cut = 0; cut <= bytes.length; cut++) {
          const got = serialize(runStream(createAnthropicStream, splitAt(bytes, cut)).chunks);
          if (got !== whole) expect(got, `cut at ${cut}`).toBe(whole);
        }
      });

      it('emits the same chunks in seeded random pieces', () => {
        const whole = serialize(runStream(createAnthropicStream, [bytes]).chunks);
        for (let seed = 1; seed <= 50; seed++) {
          const run = runStream(createAnthropicStream, randomPieces(bytes, seed, 23));
          if (serialize(run.chunks) !== whole) expect(serialize(run.chunks), `seed ${seed}`).toBe(whole);
        }
        check(runStream(createAnthropicStream, randomPieces(bytes, 7, 23)), expected);
      });

      it('is accepted by the OpenAI SDK stream helper', async () => {
        const completion = await sdkFinalCompletion(runStream(createAnthropicStream, [bytes]).chunks);
        const choice = completion.choices[0];
        expect(choice?.finish_reason).toBe(expected.finish_reason);
        expect(choice?.message.content ?? null).toEqual(expected.message.content);
        expect(choice?.message.tool_calls ?? []).toEqual(expected.message.tool_calls ?? []);
      });
    });
  }

  for (const name of PAIRS) {
    it(`${name}: the stream reassembles to the non-streaming translation`, () => {
      const streamed = reassembleAnthropic(
        runStream(createAnthropicStream, [fixture.bytes(`${name}.sse`)]).chunks,
      );
      const whole = anthropicFromCompletion(
        fromAnthropicResponse(fixture.text(`${name}.json`), makeCtx()).completion,
      );
      expect(normalized(streamed)).toEqual(normalized(whole));
    });
  }

  it('emits usage: null on every chunk when the client asked for include_usage', () => {
    const run = runStream(
      createAnthropicStream,
      [fixture.bytes('text.sse')],
      makeCtx({ stream_options: { include_usage: true } }),
    );
    for (const chunk of run.chunks) {
      if (chunk.kind === 'chunk') expect(JSON.parse(chunk.json).usage).toBeNull();
    }
    expect(run.chunks.at(-1)?.kind).toBe('usage');
  });

  it('uses the context id and created time, and the upstream model', () => {
    const first = JSON.parse(
      runStream(createAnthropicStream, [fixture.bytes('text.sse')]).chunks[0]?.json ?? '{}',
    );
    expect(first).toMatchObject({
      id: 'chatcmpl-fixture01',
      created: 1767225600,
      model: 'claude-sonnet-4-5-20250929',
    });
  });

  it('reasoning_signature holds every thinking block, text and signature, in order', () => {
    const message = reassembleAnthropic(
      runStream(createAnthropicStream, [fixture.bytes('thinking-tool.sse')]).chunks,
    ).message;
    expect(decodeThinkingState(message.reasoning_signature)).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      blocks: [
        {
          type: 'thinking',
          thinking: 'User wants the weather in Paris — 🌦 check it.',
          signature: expect.stringMatching(/^EqQB/),
        },
        { type: 'redacted_thinking', data: expect.stringMatching(/^EmwK/) },
      ],
    });
  });

  it('the OpenAI SDK stream helper keeps reasoning_signature whole, so the client can send it back', async () => {
    const chunks = runStream(createAnthropicStream, [fixture.bytes('thinking-tool.sse')]).chunks;
    const completion = await sdkFinalCompletion(chunks);
    expect(completion.choices[0]?.message.reasoning_signature).toBe(
      reassembleAnthropic(chunks).message.reasoning_signature,
    );
  });

  it('a message without content blocks still starts with the role and finishes', () => {
    const text = fixture
      .text('text.sse')
      .replace(/event: content_block_(start|delta|stop)\ndata: .*\n\n/g, '')
      .replace(/event: ping\ndata: .*\n\n/g, '');
    const run = runStream(createAnthropicStream, [text]);
    expect(run.chunks.map((c) => c.kind)).toEqual(['chunk', 'chunk', 'usage']);
    expect(reassembleAnthropic(run.chunks)).toMatchObject({
      message: { role: 'assistant', content: '' },
      finish_reason: 'stop',
    });
  });

  it('holds the role chunk back until the first delta, so an error right after message_start emitted nothing', () => {
    const translator = createAnthropicStream(makeCtx());
    const emitted: string[] = [];
    const emit = (json: string) => emitted.push(json);
    translator.push(
      {
        event: 'message_start',
        data: JSON.stringify({ type: 'message_start', message: { model: 'm', usage: { input_tokens: 3 } } }),
      },
      emit,
    );
    translator.push({ event: 'ping', data: '{"type":"ping"}' }, emit);
    expect(emitted).toEqual([]);
    expect(() =>
      translator.push(
        {
          event: 'error',
          data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
        },
        emit,
      ),
    ).toThrow(UpstreamStreamError);
    expect(emitted).toEqual([]);
  });

  it('skips server-tool blocks and their input_json deltas', () => {
    const message = reassembleAnthropic(
      runStream(createAnthropicStream, [fixture.bytes('prompt-cache.sse')]).chunks,
    ).message;
    expect(message.tool_calls).toBeUndefined();
  });
});

describe('Anthropic malformed streams', () => {
  for (const name of MALFORMED) {
    const expected = fixture.json<{ error: { name: string; message?: string; failure?: object } }>(
      `${name}.expected.json`,
    ).error;
    it(`${name}: throws ${expected.name}, whole and split at every byte`, () => {
      const bytes = fixture.bytes(`${name}.sse`);
      for (let cut = 0; cut <= bytes.length; cut++) {
        let thrown: unknown;
        try {
          runStream(createAnthropicStream, splitAt(bytes, cut));
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `cut at ${cut}`).toBeInstanceOf(
          expected.name === 'UpstreamStreamError' ? UpstreamStreamError : StreamProtocolError,
        );
        if (expected.message !== undefined) expect((thrown as Error).message).toBe(expected.message);
        if (expected.failure !== undefined)
          expect((thrown as UpstreamStreamError).failure).toMatchObject(expected.failure);
      }
    });
  }

  it('a stream that ends after message_delta without message_stop is truncated', () => {
    const text = fixture.text('text.sse');
    const cut = text.slice(0, text.indexOf('event: message_stop'));
    expect(() => runStream(createAnthropicStream, [cut])).toThrow(StreamProtocolError);
  });

  it('an empty body is truncated before message_start', () => {
    expect(() => runStream(createAnthropicStream, [''])).toThrow(
      'Anthropic stream ended before message_start',
    );
  });

  it('a delta of the wrong kind for its block is a protocol error', () => {
    const translator = createAnthropicStream(makeCtx());
    const emit = () => {};
    translator.push(
      {
        event: 'message_start',
        data: JSON.stringify({ type: 'message_start', message: { model: 'm', usage: {} } }),
      },
      emit,
    );
    translator.push(
      {
        event: 'content_block_start',
        data: '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      },
      emit,
    );
    expect(() =>
      translator.push(
        {
          event: 'content_block_delta',
          data: '{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{"}}',
        },
        emit,
      ),
    ).toThrow(StreamProtocolError);
  });

  it('skips unknown event and delta types', () => {
    const text = fixture
      .text('text.sse')
      .replace(
        'event: content_block_stop',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}}\n\nevent: future_event\ndata: {"type":"future_event"}\n\nevent: content_block_stop',
      );
    expect(reassembleAnthropic(runStream(createAnthropicStream, [text]).chunks).message.content).toBe(
      fixture.json<Expected>('text.expected.json').message.content,
    );
  });

  it('a stream without event names is read by the data type (lenient proxies strip event lines)', () => {
    const text = fixture.text('tool.sse').replace(/^event: .*\n/gm, '');
    const expected = fixture.json<Expected>('tool.expected.json');
    expect(reassembleAnthropic(runStream(createAnthropicStream, [text]).chunks).message).toEqual(
      expected.message,
    );
  });
});
