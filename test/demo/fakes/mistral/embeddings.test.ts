import { describe, expect, it } from 'vitest';
import { API_KEY, startFake } from './mistral-fixture.ts';

describe('fake Mistral embeddings through the official SDK', () => {
  it('answers floats with usage; codestral-embed takes output_dimension', async () => {
    const { client } = await startFake();
    const result = await client.embeddings.create({ model: 'mistral-embed', inputs: ['a', 'b'] });
    expect(result.data.map((row) => row.embedding?.length)).toEqual([1024, 1024]);
    expect(result.usage.promptTokens).toBe(2);
    const sized = await client.embeddings.create({
      model: 'codestral-embed',
      inputs: 'a',
      outputDimension: 256,
    });
    expect(sized.data[0]?.embedding).toHaveLength(256);
  });

  it('refuses output_dimension on mistral-embed and fields it does not know, as Mistral does', async () => {
    const { fake } = await startFake();
    const post = (body: unknown) =>
      fetch(`${fake.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify(body),
      });
    expect((await post({ model: 'mistral-embed', input: 'a', output_dimension: 64 })).status).toBe(400);
    expect((await post({ model: 'mistral-embed', input: 'a', dimensions: 64 })).status).toBe(422);
  });
});
