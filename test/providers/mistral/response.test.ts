import { describe, expect, it } from 'vitest';
import {
  fromMistralResponse,
  mapMistralFinishReason,
  mapMistralUsage,
} from '../../../src/providers/mistral/response.ts';
import { fixtures, makeCtx } from '../../helpers/stream-harness.ts';
import { type Expected, responseOutcome } from '../shared/openai-dialect/expected-outcome.ts';

const f = fixtures('mistral');

describe('mapMistralFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['model_length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['error', 'stop'],
    ['something_new', 'stop'],
  ])('%s → %s', (raw, mapped) => expect(mapMistralFinishReason(raw)).toBe(mapped));
});

describe('mapMistralUsage', () => {
  it.each([
    ['plain', { prompt_tokens: 13, completion_tokens: 8, total_tokens: 21 }, [13, 8, 0, 0]],
    [
      'cached in details',
      { prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 64 } },
      [100, 5, 64, 0],
    ],
    [
      'older num_cached_tokens',
      { prompt_tokens: 100, completion_tokens: 5, num_cached_tokens: 32 },
      [100, 5, 32, 0],
    ],
    [
      'reasoning',
      { prompt_tokens: 20, completion_tokens: 37, completion_tokens_details: { reasoning_tokens: 12 } },
      [20, 37, 0, 12],
    ],
  ] as const)('%s', (_name, raw, [prompt, completion, cached, reasoning]) => {
    expect(mapMistralUsage(raw)).toEqual({
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: cached },
      completion_tokens_details: { reasoning_tokens: reasoning },
    });
  });

  it('returns undefined for a usage object with no counts', () => {
    expect(mapMistralUsage({})).toBeUndefined();
  });
});

describe('fromMistralResponse', () => {
  for (const name of ['tool', 'text', 'reasoning']) {
    it(`${name}.json translates to ${name}.expected.json`, () => {
      expect(responseOutcome(fromMistralResponse(f.text(`${name}.json`), makeCtx()))).toEqual(
        f.json<Expected>(`${name}.expected.json`),
      );
    });
  }

  it('keeps the upstream id, created and model', () => {
    const { completion } = fromMistralResponse(f.text('tool.json'), makeCtx());
    expect(completion).toMatchObject({
      id: 'b3999b8c93e04e11bcbff7bcab829667',
      created: 1769088854,
      model: 'mistral-small-latest',
    });
  });
});
