import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startFake } from './fake-openai-fixture.ts';

describe('fake OpenAI embeddings through the official SDK', () => {
  it('answers the SDK default (base64), float and base64 with the same vectors', async () => {
    const { client } = await startFake();
    const byDefault = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      encoding_format: 'float',
    });
    expect(byDefault.data[0]?.embedding).toHaveLength(1536);
    expect(byDefault.data.map((row) => row.embedding)).toEqual(floats.data.map((row) => row.embedding));
    expect(floats.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    const base64 = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'a',
      encoding_format: 'base64',
    });
    expect(typeof base64.data[0]?.embedding).toBe('string');
  });

  it('takes dimensions on text-embedding-3 only and token arrays', async () => {
    const { client } = await startFake();
    const small = await client.embeddings.create({
      model: 'text-embedding-3-large',
      input: [[1, 2, 3]],
      dimensions: 64,
    });
    expect(small.data[0]?.embedding).toHaveLength(64);
    expect(small.usage.prompt_tokens).toBe(3);
    const error = await client.embeddings
      .create({ model: 'text-embedding-ada-002', input: 'a', dimensions: 64 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('dimensions');
  });
});
