import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OpenAIPassthroughStream } from '../../../src/providers/openai/stream.ts';
import { type SseEvent, SseParser } from '../../../src/providers/shared/sse.ts';
import { StreamProtocolError, UpstreamStreamError } from '../../../src/providers/types.ts';
import type { ChatCompletionChunk } from '../../../src/protocol/chat-response.ts';
import { sdkFinalCompletion } from '../../helpers/chunk-reassembly.ts';
import { bytewise, type EmittedChunk } from '../../helpers/stream-harness.ts';

const fixture = readFileSync(new URL('../../fixtures/openai/text.sse', import.meta.url));
// The recording's payloads, one per line (test/fixtures/openai/SOURCES.md); text.sse is the same lines as wire bytes.
const recordedLines = readFileSync(new URL('../../fixtures/openai/text.chunks.txt', import.meta.url), 'utf8')
  .trim()
  .split('\n');

function run(pieces: Uint8Array[]) {
  const translator = new OpenAIPassthroughStream();
  const parser = new SseParser();
  const out: Array<{ json: string; kind: string }> = [];
  const emit = (json: string, kind: string) => out.push({ json, kind });
  const onEvent = (event: SseEvent) => translator.push(event, emit);
  for (const piece of pieces) parser.push(piece, onEvent);
  parser.end(onEvent);
  translator.end(emit);
  return { translator, out };
}

describe('OpenAI passthrough stream', () => {
  it('forwards every recorded event byte for byte and reads usage, finish reason and model', () => {
    const { translator, out } = run([fixture]);
    expect(out.map((o) => o.json)).toEqual(recordedLines);
    expect(out.at(-1)?.kind).toBe('usage');
    expect(out.slice(0, -1).every((o) => o.kind === 'chunk')).toBe(true);
    expect(translator.model).toBe('gpt-4.1-nano-2025-04-14');
    expect(translator.finishReason).toBe('stop');
    expect(translator.usage?.completion_tokens).toBe(300);
    expect(translator.usage?.prompt_tokens).toBe(16);
  });

  // 100 KB: a two-piece split at each of its 100,000 bytes would take minutes, so the two-piece cuts step
  // 97 bytes and one run feeds a byte at a time, which puts a cut at every position at once.
  it('gives the same output when the bytes are split anywhere', () => {
    const whole = run([fixture]).out;
    for (let cut = 1; cut < fixture.length; cut += 97) {
      expect(run([fixture.subarray(0, cut), fixture.subarray(cut)]).out).toEqual(whole);
    }
    expect(run(bytewise(fixture)).out).toEqual(whole);
  });

  it('reassembles with the OpenAI SDK stream helper to the recorded text, finish reason and usage', async () => {
    const completion = await sdkFinalCompletion(run(bytewise(fixture)).out as EmittedChunk[]);
    const text = recordedLines
      .map((line) => JSON.parse(line) as ChatCompletionChunk)
      .map((chunk) => chunk.choices[0]?.delta.content ?? '')
      .join('');
    expect(text.length).toBeGreaterThan(1000);
    expect(completion.choices[0]?.message.content).toBe(text);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.model).toBe('gpt-4.1-nano-2025-04-14');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 16,
      completion_tokens: 300,
      total_tokens: 316,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('reports a stream cut before [DONE] and before any finish reason as truncated', () => {
    const text = fixture.toString('utf8');
    const cut = Buffer.from(text.slice(0, Math.floor(text.length / 2)));
    expect(() => run([cut])).toThrow(StreamProtocolError);
  });

  it('turns an in-band error event into a classified UpstreamStreamError', () => {
    const bytes = Buffer.from(
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n' +
        'data: {"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}\n\n',
    );
    let caught: unknown;
    try {
      run([bytes]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UpstreamStreamError);
    expect((caught as UpstreamStreamError).failure.errorClass).toBe('server');
  });

  it('reads usage and finish reason however the JSON is spaced, and ignores them inside text', () => {
    const chunk = (rest: string) =>
      `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",${rest}}\n\n`;
    const bytes = Buffer.from(
      chunk(
        '"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null',
      ) +
        chunk('"choices":[{"index":0,"delta":{"content":"usage"},"finish_reason":null}],"usage": null') +
        chunk(
          '"choices":[{"index":0,"delta":{"content":"\\"usage\\": 5, \\"finish_reason\\": \\"x\\""},"finish_reason":null}]',
        ) +
        chunk('"choices":[{"index":0,"delta":{},"finish_reason" : "length"}]') +
        chunk('"choices":[],"usage" :\t{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}') +
        'data: [DONE]\n\n',
    );
    const { translator, out } = run([bytes]);
    expect(translator.finishReason).toBe('length');
    expect(translator.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(out.map((o) => o.kind)).toEqual(['chunk', 'chunk', 'chunk', 'chunk', 'usage']);
  });
});
