import { describe, expect, it } from 'vitest';
import { toOpenAIRequest } from '../../../src/providers/openai/request.ts';
import type { ChatRequest } from '../../../src/protocol/chat-request.ts';

const call = {
  target: { provider: 'o', model: 'gpt-4.1', baseUrl: 'http://x/v1', origin: 'http://x', basePath: '/v1' },
  headers: {},
};

describe('toOpenAIRequest', () => {
  it('forwards the body with the target model, unknown fields included, but not top_k (a 400 at OpenAI)', () => {
    const request = {
      model: 'smart',
      messages: [{ role: 'user', content: 'hi' }],
      top_k: 5,
      some_new_field: true,
    } as unknown as ChatRequest;
    const body = JSON.parse(toOpenAIRequest(request, call, false).body ?? '');
    expect(body).toEqual({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
      some_new_field: true,
      stream: false,
    });
    // The client's request is not changed: another target of the route may take top_k.
    expect((request as unknown as { top_k: number }).top_k).toBe(5);
  });
});
