import { describe, expect, it } from 'vitest';
import { fromQwenResponse, mapQwenFinishReason, mapQwenUsage } from '../../../src/providers/qwen/response.ts';
import { fixtures, makeCtx } from '../../helpers/stream-harness.ts';
import { type Expected, responseOutcome } from '../shared/openai-dialect/expected-outcome.ts';

const f = fixtures('qwen');

describe('mapQwenFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['unknown', 'stop'],
  ])('%s → %s', (raw, mapped) => expect(mapQwenFinishReason(raw)).toBe(mapped));
});

describe('mapQwenUsage', () => {
  it('keeps implicit cache hits and reasoning', () => {
    expect(
      mapQwenUsage({
        prompt_tokens: 24,
        completion_tokens: 61,
        prompt_tokens_details: { cached_tokens: 16 },
        completion_tokens_details: { reasoning_tokens: 48 },
      }),
    ).toEqual({
      prompt_tokens: 24,
      completion_tokens: 61,
      total_tokens: 85,
      prompt_tokens_details: { cached_tokens: 16 },
      completion_tokens_details: { reasoning_tokens: 48 },
    });
  });

  it('reports explicit-cache writes as cache_write_tokens', () => {
    expect(
      mapQwenUsage({
        prompt_tokens: 2000,
        completion_tokens: 10,
        prompt_tokens_details: {
          cached_tokens: 0,
          cache_creation_input_tokens: 1500,
          cache_type: 'ephemeral',
        },
      }),
    ).toEqual({
      prompt_tokens: 2000,
      completion_tokens: 10,
      total_tokens: 2010,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 1500 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('returns undefined for a usage object with no counts', () => expect(mapQwenUsage({})).toBeUndefined());
});

describe('fromQwenResponse', () => {
  for (const name of ['tool', 'reasoning']) {
    it(`${name}.json translates to ${name}.expected.json`, () => {
      expect(responseOutcome(fromQwenResponse(f.text(`${name}.json`), makeCtx()))).toEqual(
        f.json<Expected>(`${name}.expected.json`),
      );
    });
  }

  it("drops the stray index on the message's tool call and keeps the id", () => {
    const call = fromQwenResponse(f.text('tool.json'), makeCtx()).completion.choices[0]?.message
      .tool_calls?.[0];
    expect(call).toEqual({
      id: 'call_962bfd2ab8f54b89a1161356',
      type: 'function',
      function: { name: 'weather', arguments: '{"location": "San Francisco"}' },
    });
  });
});
