/**
 * A handler that fails unexpectedly (a bug, not a GatewayError the pipeline answers itself) still
 * gets the client an OpenAI-shaped 500 carrying the request id to quote (docs/style.md §2.3), and the
 * server keeps serving. The chat handler is replaced by one that throws, since the real one catches
 * everything it knows how to.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

vi.mock('../../src/pipeline/run.ts', () => ({
  handleChatCompletion: () => Promise.reject(new Error('secret internals at /srv/keys.ts:12')),
}));

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ providers: { fake: { type: 'openai', keys: ['k'] } } });
});

afterAll(async () => {
  await gw?.stop();
});

describe('an unexpected handler failure', () => {
  it('becomes a 500 in the OpenAI envelope with the request id, logs the cause, and the server stays up', async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-500' },
      body: '{}',
    });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('trace-500');
    const { error } = (await response.json()) as {
      error: { message: string; type: string; param: string | null; code: string };
    };
    expect(error).toEqual({
      message: expect.stringContaining('trace-500'),
      type: 'server_error',
      param: null,
      code: 'internal_error',
    });
    // The cause goes to the log, never to the client.
    expect(error.message).not.toContain('secret');
    expect(gw.logs.some((line) => line.msg === 'handler failed' && line.request_id === 'trace-500')).toBe(
      true,
    );
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});
