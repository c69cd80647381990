import { describe, expect, it } from 'vitest';
import {
  fromDeepSeekResponse,
  mapDeepSeekFinishReason,
  mapDeepSeekUsage,
} from '../../../src/providers/deepseek/response.ts';
import type { UpstreamStreamError } from '../../../src/providers/types.ts';
import { fixtures, makeCtx } from '../../helpers/stream-harness.ts';
import { thrown } from '../../helpers/thrown.ts';
import { type Expected, responseOutcome } from '../shared/openai-dialect/expected-outcome.ts';

const f = fixtures('deepseek');

describe('mapDeepSeekFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['insufficient_system_resource', 'stop'],
    ['new_reason', 'stop'],
  ])('%s → %s', (raw, mapped) => expect(mapDeepSeekFinishReason(raw)).toBe(mapped));
});

describe('mapDeepSeekUsage', () => {
  it.each([
    [
      'recorded (hit + miss = prompt)',
      {
        prompt_tokens: 339,
        completion_tokens: 92,
        total_tokens: 431,
        prompt_tokens_details: { cached_tokens: 320 },
        completion_tokens_details: { reasoning_tokens: 48 },
        prompt_cache_hit_tokens: 320,
        prompt_cache_miss_tokens: 19,
      },
      [339, 92, 320, 48],
    ],
    [
      'only the cache counters',
      { completion_tokens: 5, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 36 },
      [100, 5, 64, 0],
    ],
    [
      'only OpenAI-style details',
      { prompt_tokens: 50, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 10 } },
      [50, 5, 10, 0],
    ],
    [
      'non-thinking, no details',
      { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
      [12, 3, 0, 0],
    ],
  ] as const)('%s', (_name, raw, [prompt, completion, cached, reasoning]) => {
    expect(mapDeepSeekUsage(raw)).toEqual({
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: cached },
      completion_tokens_details: { reasoning_tokens: reasoning },
    });
  });

  it('returns undefined for a usage object with no counts', () =>
    expect(mapDeepSeekUsage({})).toBeUndefined());
});

describe('fromDeepSeekResponse', () => {
  for (const name of ['tool', 'reasoning']) {
    it(`${name}.json translates to ${name}.expected.json`, () => {
      expect(responseOutcome(fromDeepSeekResponse(f.text(`${name}.json`), makeCtx()))).toEqual(
        f.json<Expected>(`${name}.expected.json`),
      );
    });
  }

  it('keeps the system fingerprint and the upstream id', () => {
    const { completion } = fromDeepSeekResponse(f.text('tool.json'), makeCtx());
    expect(completion).toMatchObject({
      id: '7a630f5b-b7e6-4878-82f8-d77db164d42b',
      system_fingerprint: 'fp_eaab8d114b_prod0820_fp8_kvcache',
    });
  });

  it('treats insufficient_system_resource as an overloaded failure, not an answer', () => {
    const body =
      '{"id":"x","model":"deepseek-chat","choices":[{"index":0,"message":{"role":"assistant","content":"par"},"finish_reason":"insufficient_system_resource"}]}';
    const error = thrown(() => fromDeepSeekResponse(body, makeCtx()));
    expect((error as UpstreamStreamError).failure.errorClass).toBe('overloaded');
  });
});
