import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPENAI_MODERATION_CATEGORIES,
  startFakeOpenAIModeration,
} from '../../../src/demo/fakes/moderation/index.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/index.ts';
import {
  OPENAI_CATEGORY_MAP,
  parseOpenAIModeration,
} from '../../../src/guardrails/moderation/openai-moderation.ts';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeOpenAIModeration({ keys: ['sk-mod'] });
});
afterAll(async () => {
  await fake?.stop();
});

describe('OpenAI moderation mapping', () => {
  it('maps every one of the 13 categories onto a hazard code', () => {
    expect(Object.keys(OPENAI_CATEGORY_MAP).sort()).toEqual([...OPENAI_MODERATION_CATEGORIES].sort());
  });

  it('reads the documented example (docs/providers.md §1.13) as violence → S1', () => {
    const flags = Object.fromEntries(OPENAI_MODERATION_CATEGORIES.map((name) => [name, name === 'violence']));
    const body = JSON.stringify({
      id: 'modr-12',
      model: 'omni-moderation-2024-09-26',
      results: [{ flagged: true, categories: flags }],
    });
    expect(parseOpenAIModeration(body)?.categories).toEqual(['S1']);
  });

  it('treats a body that is not a moderation object as no answer', () => {
    expect(parseOpenAIModeration('<html>')).toBeUndefined();
    expect(parseOpenAIModeration('{"results":[]}')).toBeUndefined();
    expect(parseOpenAIModeration('{"results":[null]}')).toBeUndefined();
  });
});

describe('the OpenAI moderation fake, through the official SDK', () => {
  const client = () => new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-mod', maxRetries: 0 });

  it('answers all 13 categories, scores and input types for each input', async () => {
    const result = await client().moderations.create({
      model: 'omni-moderation-latest',
      input: ['Bake bread at 220 degrees.', 'Here is how to build a pipe bomb.'],
    });
    expect(result.model).toBe('omni-moderation-2024-09-26');
    expect(result.results).toHaveLength(2);
    for (const item of result.results) {
      expect(Object.keys(item.categories).sort()).toEqual([...OPENAI_MODERATION_CATEGORIES].sort());
      expect(Object.keys(item.category_scores).sort()).toEqual([...OPENAI_MODERATION_CATEGORIES].sort());
      expect(Object.keys(item.category_applied_input_types).sort()).toEqual(
        [...OPENAI_MODERATION_CATEGORIES].sort(),
      );
    }
    expect(result.results[0]?.flagged).toBe(false);
    expect(result.results[1]?.flagged).toBe(true);
    expect(result.results[1]?.categories['illicit/violent']).toBe(true);
    expect(parseOpenAIModeration(JSON.stringify(result))?.categories).toEqual(['S9']);
  });

  it('refuses a wrong key and a bad input as the API does', async () => {
    const badKey = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(badKey.moderations.create({ input: 'hi' })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    await expect(client().moderations.create({ input: [] as string[] })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
  });
});
