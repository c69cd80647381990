import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startFake } from './qwen-fixture.ts';

describe('fake Qwen embeddings through the openai SDK', () => {
  it('answers floats in the listed sizes, at most 10 inputs', async () => {
    const { client } = await startFake();
    const result = await client.embeddings.create({
      model: 'text-embedding-v4',
      input: ['a', 'b'],
      dimensions: 256,
      encoding_format: 'float',
    });
    expect(result.data.map((row) => row.embedding.length)).toEqual([256, 256]);
    expect(result.usage.prompt_tokens).toBe(2);
    const tooMany = await client.embeddings
      .create({
        model: 'text-embedding-v4',
        input: Array.from({ length: 11 }, (_, i) => `t${i}`),
        encoding_format: 'float',
      })
      .catch((caught: unknown) => caught);
    expect(tooMany).toBeInstanceOf(OpenAI.BadRequestError);
    const odd = await client.embeddings
      .create({ model: 'text-embedding-v4', input: 'a', dimensions: 100, encoding_format: 'float' })
      .catch((caught: unknown) => caught);
    expect(odd).toBeInstanceOf(OpenAI.BadRequestError);
  });
});
