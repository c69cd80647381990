import { describe, expect, it } from 'vitest';
import { API_KEY, post, startFake } from './fake-gemini-fixture.ts';

describe('fake Gemini batchEmbedContents through @google/genai', () => {
  it('embeds each content, positionally, truncated by outputDimensionality', async () => {
    const { ai, fake } = await startFake();
    const result = await ai.models.embedContent({
      model: 'gemini-embedding-001',
      contents: ['a', 'b'],
      config: { outputDimensionality: 8 },
    });
    expect(result.embeddings?.map((embedding) => embedding.values?.length)).toEqual([8, 8]);
    expect(result.embeddings?.[0]?.values).not.toEqual(result.embeddings?.[1]?.values);
    expect(fake.requests.at(-1)?.path).toMatch(/models\/gemini-embedding-001:batchEmbedContents$/);
    expect(fake.requests.at(-1)?.headers['x-goog-api-key']).toBe(API_KEY);
  });

  it("refuses a sub-request without the path's model, over 100, or with unknown fields", async () => {
    const { fake } = await startFake();
    const path = '/v1beta/models/gemini-embedding-001:batchEmbedContents';
    const content = { parts: [{ text: 'a' }] };
    expect((await post(fake, path, { requests: [{ content }] })).status).toBe(400);
    expect((await post(fake, path, { requests: [{ model: 'gemini-embedding-001', content }] })).status).toBe(
      400,
    );
    const many = Array.from({ length: 101 }, () => ({ model: 'models/gemini-embedding-001', content }));
    expect((await post(fake, path, { requests: many })).status).toBe(400);
    expect(
      (
        await post(fake, path, {
          requests: [{ model: 'models/gemini-embedding-001', content, dimensions: 3 }],
        })
      ).status,
    ).toBe(400);
  });
});
