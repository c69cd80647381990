import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../../../src/protocol/chat-response.ts';
import { fromGeminiResponse } from '../../../src/providers/gemini/response.ts';
import type { GeminiPart, GeminiResponse } from '../../../src/providers/gemini/wire.ts';
import { StreamProtocolError, UpstreamStreamError } from '../../../src/providers/types.ts';
import { createGeminiStream } from '../../../src/providers/gemini/stream.ts';
import { reassemble, sdkFinalCompletion } from '../../helpers/chunk-reassembly.ts';
import { fixtures, makeCtx, randomPieces, runStream, splitAt } from '../../helpers/stream-harness.ts';

const fixture = fixtures('gemini');

const SCENARIOS = [
  ['text-stream.sse', 'text-stream.expected.json'],
  ['thoughts-stream.sse', 'thoughts-stream.expected.json'],
  ['tool-stream.sse', 'tool-stream.expected.json'],
  ['max-tokens-stream.sse', 'max-tokens-stream.expected.json'],
  ['blocked-prompt.sse', 'blocked-prompt-stream.expected.json'],
  ['safety-stream.sse', 'safety-stream.expected.json'],
] as const;

const streamCtx = () => makeCtx({ stream: true });

function outcome(pieces: Uint8Array[]) {
  const run = runStream(createGeminiStream, pieces, streamCtx());
  return { ...reassemble(run.chunks), raw_finish_reason: run.translator.rawFinishReason };
}

/** Gemini data events → one GenerateContentResponse, as the non-streaming call would answer. */
function mergeEvents(sse: string): GeminiResponse {
  const events = sse
    .split('\r\n\r\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => JSON.parse(e.slice('data: '.length)) as GeminiResponse);
  const merged: GeminiResponse = {};
  const parts: GeminiPart[] = [];
  for (const event of events) {
    merged.modelVersion = event.modelVersion;
    merged.responseId = event.responseId;
    if (event.usageMetadata) merged.usageMetadata = event.usageMetadata;
    if (event.promptFeedback) merged.promptFeedback = event.promptFeedback;
    const candidate = event.candidates?.[0];
    if (candidate === undefined) continue;
    parts.push(...(candidate.content?.parts ?? []));
    merged.candidates = [{ ...candidate, content: { role: 'model', parts } }];
  }
  return merged;
}

describe('Gemini stream fixtures', () => {
  for (const [sse, expectedFile] of SCENARIOS) {
    describe(sse, () => {
      const bytes = fixture.bytes(sse);
      const expected = fixture.json(expectedFile);

      it('translates the whole body', () => {
        expect(outcome([bytes])).toEqual(expected);
      });

      it('gives the same result split at every byte', () => {
        for (let cut = 0; cut <= bytes.length; cut++) {
          expect(outcome(splitAt(bytes, cut)), `cut at ${cut}`).toEqual(expected);
        }
      });

      it('gives the same result in seeded random pieces', () => {
        for (let seed = 1; seed <= 25; seed++) {
          expect(outcome(randomPieces(bytes, seed)), `seed ${seed}`).toEqual(expected);
        }
      });

      it('is accepted by the OpenAI SDK stream helper', async () => {
        const run = runStream(createGeminiStream, [bytes], streamCtx());
        const final = await sdkFinalCompletion(run.chunks);
        const choice = final.choices[0];
        const mine = reassemble(run.chunks).choices[0];
        expect(choice?.finish_reason).toBe(mine?.finish_reason);
        // The SDK keeps the role chunk's "" where no text followed; we fold it to null as the non-stream path has it.
        expect(choice?.message.content || null).toBe(mine?.message.content ?? null);
        expect(choice?.message.tool_calls ?? []).toEqual(mine?.message.tool_calls ?? []);
        expect(final.usage).toEqual(run.translator.usage);
        expect(final.model).toBe(mine === undefined ? undefined : run.translator.model);
      });

      it('agrees with the non-streaming translation of the same answer', () => {
        const merged = JSON.stringify(mergeEvents(fixture.text(sse)));
        const nonStream = fromGeminiResponse(merged, streamCtx());
        const streamed = outcome([bytes]);
        expect(streamed.choices).toEqual(
          nonStream.completion.choices.map(({ index, message, finish_reason }) => ({
            index,
            message,
            finish_reason,
          })),
        );
        expect(streamed.usage).toEqual(nonStream.usage);
        expect(streamed.model).toBe(nonStream.completion.model);
        expect(streamed.raw_finish_reason).toBe(nonStream.rawFinishReason);
      });
    });
  }

  it('emits one usage chunk, last, and sets usage and finish on the translator', () => {
    const run = runStream(createGeminiStream, [fixture.bytes('max-tokens-stream.sse')], streamCtx());
    expect(run.chunks.filter((c) => c.kind === 'usage')).toHaveLength(1);
    expect(run.chunks.at(-1)?.kind).toBe('usage');
    expect(run.translator.usage?.completion_tokens).toBe(200);
    expect(run.translator.finishReason).toBe('length');
    expect(run.translator.rawFinishReason).toBe('MAX_TOKENS');
    expect(run.translator.model).toBe('gemini-2.0-flash');
  });

  it('holds the finish chunk back until the body ends (Gemini has no end event)', () => {
    const run = runStream(createGeminiStream, [fixture.bytes('text-stream.sse')], streamCtx());
    const finishes = run.chunks
      .map((c, i) => ({ i, chunk: JSON.parse(c.json) as ChatCompletionChunk }))
      .filter(({ chunk }) => chunk.choices[0]?.finish_reason != null);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]?.i).toBe(run.chunks.length - 2);
  });

  it('puts "usage": null on every chunk when the client asked for include_usage, as OpenAI does', () => {
    const withUsage = runStream(
      createGeminiStream,
      [fixture.bytes('text-stream.sse')],
      makeCtx({ stream: true, stream_options: { include_usage: true } }),
    );
    for (const { json, kind } of withUsage.chunks) {
      const chunk = JSON.parse(json) as ChatCompletionChunk;
      if (kind === 'chunk') expect(chunk.usage).toBeNull();
    }
    const without = runStream(createGeminiStream, [fixture.bytes('text-stream.sse')], streamCtx());
    expect(JSON.parse(without.chunks[0]?.json ?? '{}')).not.toHaveProperty('usage');
  });

  it('sends the role chunk first, with content null when the answer starts with a tool call', () => {
    const tool = runStream(createGeminiStream, [fixture.bytes('tool-stream.sse')], streamCtx());
    expect(JSON.parse(tool.chunks[0]?.json ?? '').choices[0].delta).toEqual({
      role: 'assistant',
      content: null,
    });
    const text = runStream(createGeminiStream, [fixture.bytes('text-stream.sse')], streamCtx());
    expect(JSON.parse(text.chunks[0]?.json ?? '').choices[0].delta).toEqual({
      role: 'assistant',
      content: '',
    });
  });
});

describe('malformed Gemini streams', () => {
  const cases = [
    ['cut-mid-event.sse', StreamProtocolError],
    ['cut-before-finish.sse', StreamProtocolError],
    ['spliced.sse', StreamProtocolError],
    ['in-band-error.sse', UpstreamStreamError],
  ] as const;
  for (const [file, errorType] of cases) {
    it(`${file} fails with ${errorType.name}, however the bytes are split`, () => {
      const bytes = fixture.bytes(file);
      expect(() => runStream(createGeminiStream, [bytes], streamCtx())).toThrow(errorType);
      for (let cut = 0; cut <= bytes.length; cut += 7) {
        expect(
          () => runStream(createGeminiStream, splitAt(bytes, cut), streamCtx()),
          `cut at ${cut}`,
        ).toThrow(errorType);
      }
    });
  }

  it('classifies an in-band error like the same error over HTTP', () => {
    try {
      runStream(createGeminiStream, [fixture.bytes('in-band-error.sse')], streamCtx());
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UpstreamStreamError);
      const failure = (error as UpstreamStreamError).failure;
      expect(failure).toMatchObject({ errorClass: 'overloaded', status: 503, code: 'UNAVAILABLE' });
      expect(failure.message).toBe('The model is overloaded. Please try again later.');
    }
  });

  it('an in-band RESOURCE_EXHAUSTED keeps its RetryInfo delay', () => {
    const body = `data: ${JSON.stringify(fixture.json('rate-limit-429.json'))}\r\n\r\n`;
    try {
      runStream(createGeminiStream, [body], streamCtx());
      expect.unreachable();
    } catch (error) {
      expect((error as UpstreamStreamError).failure).toMatchObject({
        errorClass: 'rate_limited',
        status: 429,
        retryAfterMs: 34400,
      });
    }
  });

  it('an empty body is a truncated stream', () => {
    expect(() => runStream(createGeminiStream, [], streamCtx())).toThrow(StreamProtocolError);
  });

  it('events with only usageMetadata and no candidate are a truncated stream', () => {
    const body =
      'data: {"usageMetadata":{"promptTokenCount":3,"totalTokenCount":3},"modelVersion":"gemini-2.5-flash","responseId":"r1"}\r\n\r\n';
    expect(() => runStream(createGeminiStream, [body], streamCtx())).toThrow(StreamProtocolError);
  });

  it('content for a candidate after its finishReason is a protocol violation', () => {
    const event = (text: string, finish?: string) =>
      `data: ${JSON.stringify({
        candidates: [
          {
            content: { role: 'model', parts: [{ text }] },
            index: 0,
            ...(finish ? { finishReason: finish } : {}),
          },
        ],
        modelVersion: 'gemini-2.5-flash',
        responseId: 'r1',
      })}\r\n\r\n`;
    expect(() => runStream(createGeminiStream, [event('a', 'STOP') + event('b')], streamCtx())).toThrow(
      StreamProtocolError,
    );
  });

  it('an event that is not JSON is a protocol violation', () => {
    expect(() => runStream(createGeminiStream, ['data: {"candidates":[\r\n\r\n'], streamCtx())).toThrow(
      StreamProtocolError,
    );
  });
});

describe('Gemini stream features', () => {
  const event = (body: Record<string, unknown>) =>
    `data: ${JSON.stringify({ modelVersion: 'gemini-2.5-flash', responseId: 'resp-1', ...body })}\r\n\r\n`;
  const usage = { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 };

  it('streams parallel calls with their own indexes and ids; only the first carries the signature', () => {
    const body = event({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              {
                functionCall: { name: 'get_weather', args: { city: 'Paris' } },
                thoughtSignature: 'c2lnLTE=',
              },
              { functionCall: { name: 'get_time', args: { tz: 'Europe/Paris' } } },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: usage,
    });
    const result = reassemble(runStream(createGeminiStream, [body], streamCtx()).chunks);
    expect(result.choices[0]?.finish_reason).toBe('tool_calls');
    expect(result.choices[0]?.message.tool_calls).toEqual([
      {
        id: 'call_fixture01_0_0__thought__c2lnLTE',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
      {
        id: 'call_fixture01_0_1',
        type: 'function',
        function: { name: 'get_time', arguments: '{"tz":"Europe/Paris"}' },
      },
    ]);
  });

  it('parallel_tool_calls false keeps only the first call', () => {
    const body = event({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [{ functionCall: { name: 'a', args: {} } }, { functionCall: { name: 'b', args: {} } }],
          },
          finishReason: 'STOP',
        },
      ],
    });
    const result = reassemble(
      runStream(createGeminiStream, [body], makeCtx({ stream: true, parallel_tool_calls: false })).chunks,
    );
    expect(
      result.choices[0]?.message.tool_calls?.map((c) => c.type === 'function' && c.function.name),
    ).toEqual(['a']);
  });

  it('interleaves n > 1 candidates as choices by index and finishes each', () => {
    const body =
      event({
        candidates: [
          { content: { role: 'model', parts: [{ text: 'A1' }] }, index: 0 },
          { content: { role: 'model', parts: [{ text: 'B1' }] }, index: 1 },
        ],
      }) +
      event({
        candidates: [
          { content: { role: 'model', parts: [{ text: ' A2' }] }, index: 0, finishReason: 'STOP' },
          { content: { role: 'model', parts: [{ text: ' B2' }] }, index: 1, finishReason: 'MAX_TOKENS' },
        ],
        usageMetadata: usage,
      });
    const run = runStream(createGeminiStream, [body], makeCtx({ stream: true, n: 2 }));
    const result = reassemble(run.chunks);
    expect(result.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'A1 A2', 'stop'],
      [1, 'B1 B2', 'length'],
    ]);
    expect(run.translator.finishReason).toBe('stop');
  });

  it('maps streamed logprobs onto the text chunk they belong to', () => {
    const body =
      event({
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'Hi' }] },
            logprobsResult: {
              chosenCandidates: [{ token: 'Hi', logProbability: -0.1 }],
              topCandidates: [
                {
                  candidates: [
                    { token: 'Hi', logProbability: -0.1 },
                    { token: 'Hey', logProbability: -2.5 },
                  ],
                },
              ],
            },
          },
        ],
      }) +
      event({
        candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' }],
        usageMetadata: usage,
      });
    const result = reassemble(
      runStream(createGeminiStream, [body], makeCtx({ stream: true, logprobs: true, top_logprobs: 2 }))
        .chunks,
    );
    expect(result.choices[0]?.logprobs).toEqual({
      content: [
        {
          token: 'Hi',
          logprob: -0.1,
          bytes: [72, 105],
          top_logprobs: [
            { token: 'Hi', logprob: -0.1, bytes: [72, 105] },
            { token: 'Hey', logprob: -2.5, bytes: [72, 101, 121] },
          ],
        },
      ],
      refusal: null,
    });
  });

  it('skips parts that have no Chat Completions form (inline images, code)', () => {
    const body = event({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { executableCode: { language: 'PYTHON', code: 'print(1)' } },
              { inlineData: { mimeType: 'image/png', data: 'AAAA' } },
              { text: 'done' },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    });
    expect(
      reassemble(runStream(createGeminiStream, [body], streamCtx()).chunks).choices[0]?.message.content,
    ).toBe('done');
  });

  it('ignores keys Gemini may add later (unknown fields in events)', () => {
    const body = event({
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'ok', futurePart: 1 }] },
          finishReason: 'STOP',
          futureField: {},
        },
      ],
      modelStatus: { state: 'ok' },
    });
    expect(
      reassemble(runStream(createGeminiStream, [body], streamCtx()).chunks).choices[0]?.message.content,
    ).toBe('ok');
  });

  it('a model switch within one responseId is a splice too; a first event without modelVersion is not', () => {
    const part = (text: string, finish?: string) => ({
      candidates: [
        { content: { role: 'model', parts: [{ text }] }, ...(finish ? { finishReason: finish } : {}) },
      ],
    });
    const switched = event(part('a')) + event({ ...part('b', 'STOP'), modelVersion: 'gemini-2.5-pro' });
    expect(() => runStream(createGeminiStream, [switched], streamCtx())).toThrow(StreamProtocolError);
    const late = `data: ${JSON.stringify({ ...part('a'), responseId: 'resp-1' })}\r\n\r\n${event(part('b', 'STOP'))}`;
    expect(
      reassemble(runStream(createGeminiStream, [late], streamCtx()).chunks).choices[0]?.message.content,
    ).toBe('ab');
  });

  it('maps an unknown finishReason to stop and keeps the raw value', () => {
    const body = event({
      candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: 'SOMETHING_NEW' }],
    });
    const run = runStream(createGeminiStream, [body], streamCtx());
    expect(reassemble(run.chunks).choices[0]?.finish_reason).toBe('stop');
    expect(run.translator.rawFinishReason).toBe('SOMETHING_NEW');
  });
});
