import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startFake } from './fake-openai-fixture.ts';

describe('fake OpenAI models endpoints', () => {
  it('lists the default catalogue through models.list()', async () => {
    const { client } = await startFake();
    const ids = [];
    for await (const model of client.models.list()) {
      expect(model).toEqual({
        id: model.id,
        object: 'model',
        created: expect.any(Number),
        owned_by: 'system',
      });
      ids.push(model.id);
    }
    expect(ids).toEqual(expect.arrayContaining(['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'o4-mini', 'gpt-5']));
  });

  it('lists a configured catalogue and retrieves one model', async () => {
    const { client } = await startFake({
      models: ['gpt-4.1', { id: 'custom', created: 1, ownedBy: 'me', reasoning: false }],
    });
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['gpt-4.1', 'custom']);
    expect(await client.models.retrieve('custom')).toEqual({
      id: 'custom',
      object: 'model',
      created: 1,
      owned_by: 'me',
    });
    expect(await client.models.retrieve('gpt-4.1')).toMatchObject({ created: 1744316542 });
  });

  it('answers 404 model_not_found for an unknown model id', async () => {
    const { client } = await startFake();
    const error = await client.models.retrieve('gpt-0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('answers an unknown route with the API 404', async () => {
    const { fake } = await startFake();
    const res = await fetch(`${fake.url}/v1/chat/complete`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        message: 'Invalid URL (POST /v1/chat/complete)',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  });
});
