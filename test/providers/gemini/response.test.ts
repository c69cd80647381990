import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';
import type { ChatCompletionMessage } from '../../../src/protocol/chat-response.ts';
import { toGeminiBody } from '../../../src/providers/gemini/request.ts';
import {
  fromGeminiResponse,
  mapGeminiFinishReason,
  mapGeminiUsage,
} from '../../../src/providers/gemini/response.ts';
import type { GeminiResponse } from '../../../src/providers/gemini/wire.ts';
import { UpstreamProtocolError } from '../../../src/providers/types.ts';
import { createGeminiStream } from '../../../src/providers/gemini/stream.ts';
import { reassemble } from '../../helpers/chunk-reassembly.ts';
import { fixtures, makeCtx, runStream } from '../../helpers/stream-harness.ts';

const fixture = fixtures('gemini');

describe('mapGeminiFinishReason', () => {
  const table: Array<[string | undefined, boolean, string]> = [
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', false, 'length'],
    ['MAX_TOKENS', true, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['IMAGE_SAFETY', false, 'content_filter'],
    ['IMAGE_PROHIBITED_CONTENT', false, 'content_filter'],
    ['IMAGE_RECITATION', false, 'content_filter'],
    ['LANGUAGE', false, 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    ['UNEXPECTED_TOOL_CALL', false, 'stop'],
    ['TOO_MANY_TOOL_CALLS', false, 'stop'],
    ['OTHER', false, 'stop'],
    ['FINISH_REASON_UNSPECIFIED', false, 'stop'],
    ['NO_IMAGE', false, 'stop'],
    ['A_VALUE_FROM_2027', false, 'stop'],
    [undefined, false, 'stop'],
  ];
  for (const [raw, hasTools, expected] of table) {
    it(`${raw ?? '(missing)'}${hasTools ? ' with function calls' : ''} → ${expected}`, () => {
      expect(mapGeminiFinishReason(raw, hasTools)).toBe(expected);
    });
  }
});

describe('mapGeminiUsage', () => {
  it('counts thoughts as completion (reasoning) tokens', () => {
    expect(
      mapGeminiUsage({
        promptTokenCount: 9,
        candidatesTokenCount: 28,
        thoughtsTokenCount: 244,
        totalTokenCount: 281,
      }),
    ).toEqual({
      prompt_tokens: 9,
      completion_tokens: 272,
      total_tokens: 281,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 244 },
    });
  });

  it('keeps cached tokens inside the prompt count, as Gemini already reports them', () => {
    const usage = mapGeminiUsage({
      promptTokenCount: 1000,
      cachedContentTokenCount: 800,
      candidatesTokenCount: 10,
      totalTokenCount: 1010,
    });
    expect(usage.prompt_tokens).toBe(1000);
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(800);
    expect(usage.total_tokens).toBe(1010);
  });

  it('adds built-in tool results (toolUsePromptTokenCount) to the prompt so the total matches Gemini', () => {
    const usage = mapGeminiUsage({
      promptTokenCount: 100,
      toolUsePromptTokenCount: 40,
      candidatesTokenCount: 20,
      thoughtsTokenCount: 5,
      totalTokenCount: 165,
    });
    expect(usage).toMatchObject({ prompt_tokens: 140, completion_tokens: 25, total_tokens: 165 });
  });

  it('treats missing counts as zero (a prompt-only usage before any candidate token)', () => {
    expect(mapGeminiUsage({ promptTokenCount: 10, totalTokenCount: 10 })).toMatchObject({
      prompt_tokens: 10,
      completion_tokens: 0,
      total_tokens: 10,
    });
    expect(mapGeminiUsage({})).toMatchObject({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});

describe('Gemini JSON fixtures', () => {
  for (const scenario of ['text', 'thoughts', 'tool', 'max-tokens', 'blocked-prompt']) {
    it(`${scenario}.json translates to ${scenario}.expected.json`, () => {
      const result = fromGeminiResponse(fixture.text(`${scenario}.json`), makeCtx());
      expect({
        model: result.completion.model,
        choices: result.completion.choices.map(({ index, message, finish_reason }) => ({
          index,
          message,
          finish_reason,
        })),
        usage: result.usage,
        raw_finish_reason: result.rawFinishReason,
      }).toEqual(fixture.json(`${scenario}.expected.json`));
      expect(JSON.parse(result.body)).toEqual(result.completion);
      expect(result.completion).toMatchObject({
        id: 'chatcmpl-fixture01',
        object: 'chat.completion',
        created: 1767225600,
      });
      expect(result.finishReason).toBe(result.completion.choices[0]?.finish_reason);
    });
  }

  it('never puts thought text into content', () => {
    const message = fromGeminiResponse(fixture.text('thoughts.json'), makeCtx()).completion.choices[0]
      ?.message;
    expect(message?.content).not.toContain('I need to count');
    expect(message?.reasoning_content).toContain('I need to count');
  });
});

describe('fromGeminiResponse', () => {
  const response = (body: GeminiResponse) =>
    JSON.stringify({ modelVersion: 'gemini-2.5-flash', responseId: 'r', ...body });

  it('answers "" when thoughts used up max_tokens and no text came, as OpenAI and the stream do', () => {
    const body = response({
      candidates: [
        {
          index: 0,
          content: { role: 'model', parts: [{ text: 'Let me think', thought: true }] },
          finishReason: 'MAX_TOKENS',
        },
      ],
    });
    const message = fromGeminiResponse(body, makeCtx()).completion.choices[0]?.message;
    expect(message?.content).toBe('');
    expect(message?.reasoning_content).toBe('Let me think');
  });

  it('turns n candidates into n choices ordered by index, with their own ids', () => {
    const result = fromGeminiResponse(
      response({
        candidates: [
          {
            index: 1,
            content: { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] },
            finishReason: 'STOP',
          },
          { index: 0, content: { role: 'model', parts: [{ text: 'zero' }] }, finishReason: 'STOP' },
        ],
      }),
      makeCtx({ n: 2 }),
    );
    expect(result.completion.choices.map((c) => [c.index, c.finish_reason])).toEqual([
      [0, 'stop'],
      [1, 'tool_calls'],
    ]);
    expect(result.completion.choices[1]?.message.tool_calls?.[0]?.id).toBe('call_fixture01_1_0');
  });

  it('uses the id Gemini gave a function call when it gave one', () => {
    const result = fromGeminiResponse(
      response({
        candidates: [
          {
            content: { role: 'model', parts: [{ functionCall: { id: 'fc-7', name: 'f', args: { a: 1 } } }] },
            finishReason: 'STOP',
          },
        ],
      }),
      makeCtx(),
    );
    expect(result.completion.choices[0]?.message.tool_calls?.[0]).toEqual({
      id: 'fc-7',
      type: 'function',
      function: { name: 'f', arguments: '{"a":1}' },
    });
  });

  it('a blocked prompt answers every requested choice with content_filter', () => {
    const result = fromGeminiResponse(fixture.text('blocked-prompt.json'), makeCtx({ n: 2 }));
    expect(result.completion.choices.map((c) => c.finish_reason)).toEqual([
      'content_filter',
      'content_filter',
    ]);
    expect(result.rawFinishReason).toBe('PROHIBITED_CONTENT');
  });

  it('maps logprobs', () => {
    const result = fromGeminiResponse(
      response({
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'é' }] },
            finishReason: 'STOP',
            logprobsResult: {
              chosenCandidates: [{ token: 'é', logProbability: -0.5 }],
              topCandidates: [{ candidates: [] }],
            },
          },
        ],
      }),
      makeCtx({ logprobs: true }),
    );
    expect(result.completion.choices[0]?.logprobs).toEqual({
      content: [{ token: 'é', logprob: -0.5, bytes: [195, 169], top_logprobs: [] }],
      refusal: null,
    });
  });

  it('rejects a body that is not JSON, or has neither candidates nor promptFeedback', () => {
    expect(() => fromGeminiResponse('<html>', makeCtx())).toThrow(UpstreamProtocolError);
    expect(() => fromGeminiResponse('[]', makeCtx())).toThrow(UpstreamProtocolError);
    expect(() => fromGeminiResponse(response({}), makeCtx())).toThrow(UpstreamProtocolError);
  });

  it('does not change the context it was given', () => {
    const ctx = makeCtx();
    const before = JSON.stringify(ctx);
    fromGeminiResponse(fixture.text('tool.json'), ctx);
    expect(JSON.stringify(ctx)).toBe(before);
  });
});

describe('thought signatures survive a multi-turn conversation', () => {
  const signatureOf = (name: string): string => {
    const response = fixture.json<GeminiResponse>(name);
    const signature = response.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature;
    if (signature === undefined) throw new Error('fixture has no signature');
    return signature;
  };

  /** What an OpenAI client sends next: the assistant message as received, then the tool result. */
  const nextTurn = (assistant: ChatCompletionMessage, toolResult?: string): ChatRequest =>
    ({
      model: 'gemini-3-pro-preview',
      messages: [
        { role: 'user', content: 'Weather in San Francisco?' },
        assistant,
        ...(toolResult === undefined
          ? [{ role: 'user', content: 'Thanks!' }]
          : (assistant.tool_calls ?? []).map((call) => ({
              role: 'tool',
              tool_call_id: call.id,
              content: toolResult,
            }))),
      ],
    }) as ChatRequest;

  it('a functionCall signature comes back on the same call, through the tool call id (non-streaming)', () => {
    const assistant = fromGeminiResponse(fixture.text('tool.json'), makeCtx()).completion.choices[0]?.message;
    if (assistant === undefined) throw new Error('no message');
    const body = toGeminiBody(nextTurn(assistant, '{"temp":18}'), 'gemini-3-pro-preview');
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [
        {
          functionCall: { name: 'weather', args: { location: 'San Francisco' } },
          thoughtSignature: signatureOf('tool.json'),
        },
      ],
    });
    expect(body.contents[2]).toEqual({
      role: 'user',
      parts: [{ functionResponse: { name: 'weather', response: { output: { temp: 18 } } } }],
    });
  });

  it('the same through a stream, where only the client-visible id carries it', () => {
    const run = runStream(
      createGeminiStream,
      [new TextEncoder().encode(fixture.text('tool-stream.sse'))],
      makeCtx({ stream: true }),
    );
    const assistant = reassemble(run.chunks).choices[0]?.message;
    if (assistant === undefined) throw new Error('no message');
    const streamed = fixture.text('tool-stream.sse').split('\r\n\r\n')[0]?.slice('data: '.length) ?? '';
    const signature = (JSON.parse(streamed) as GeminiResponse).candidates?.[0]?.content?.parts?.[0]
      ?.thoughtSignature;
    const body = toGeminiBody(nextTurn(assistant, 'sunny'), 'gemini-3-pro-preview');
    expect(body.contents[1]?.parts?.[0]?.thoughtSignature).toBe(signature);
    expect(body.contents[2]?.parts?.[0]?.functionResponse).toEqual({
      name: 'weather',
      response: { output: 'sunny' },
    });
  });

  it('a text part signature comes back through reasoning_signature on the assistant message', () => {
    const assistant = fromGeminiResponse(fixture.text('text.json'), makeCtx()).completion.choices[0]?.message;
    if (assistant === undefined) throw new Error('no message');
    const body = toGeminiBody(nextTurn(assistant), 'gemini-3-pro-preview');
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [{ text: assistant.content, thoughtSignature: signatureOf('text.json') }],
    });
  });

  it('survives a client that keeps only content and tool_calls (the id alone is enough for tools)', () => {
    const full = fromGeminiResponse(fixture.text('tool.json'), makeCtx()).completion.choices[0]?.message;
    if (full === undefined) throw new Error('no message');
    const minimal = {
      role: 'assistant',
      content: full.content,
      tool_calls: full.tool_calls,
    } as ChatCompletionMessage;
    const body = toGeminiBody(nextTurn(minimal, 'ok'), 'gemini-3-pro-preview');
    expect(body.contents[1]?.parts?.[0]?.thoughtSignature).toBe(signatureOf('tool.json'));
  });
});
