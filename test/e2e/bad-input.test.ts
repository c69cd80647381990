/**
 * Bad input gets a 4xx OpenAI error with `param` where it applies, and the server stays up after each
 * (issue 3, "Done when"). Raw fetch, since the SDK would refuse to send most of these.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let fake: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  fake = await startFakeOpenAI({});
  gw = await startTestGateway({
    server: { body_limit_bytes: 64 * 1024 },
    providers: { fake: { type: 'openai', keys: ['k'], base_url: `${fake.url}/v1` } },
    models: { smart: { targets: ['fake/gpt-4.1'] } },
  });
});

afterAll(async () => {
  await gw?.stop();
  await fake?.stop();
});

async function post(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body });
  const json = (await response.json()) as {
    error: { message: string; type: string; param: string | null; code: string };
  };
  return { status: response.status, error: json.error, requestId: response.headers.get('x-request-id') };
}

async function stillUp(): Promise<void> {
  const health = await fetch(`${gw.url}/healthz`);
  expect(health.status).toBe(200);
}

const valid = { model: 'smart', messages: [{ role: 'user', content: 'hi' }] };

describe('bad input', () => {
  const cases: Array<{ name: string; body: string; status: number; param: string | null; code: string }> = [
    {
      name: 'malformed JSON',
      body: '{"model": "smart", "messages": [',
      status: 400,
      param: null,
      code: 'invalid_json',
    },
    {
      name: 'a body that is not JSON at all',
      body: 'hello, gateway',
      status: 400,
      param: null,
      code: 'invalid_json',
    },
    {
      name: 'an empty body',
      body: '',
      status: 400,
      param: null,
      code: 'invalid_json',
    },
    {
      name: 'JSON null instead of an object',
      body: 'null',
      status: 400,
      param: null,
      code: 'invalid_type',
    },
    {
      name: 'a JSON array instead of an object',
      body: '[1,2]',
      status: 400,
      param: null,
      code: 'invalid_type',
    },
    {
      name: 'missing messages',
      body: JSON.stringify({ model: 'smart' }),
      status: 400,
      param: 'messages',
      code: 'missing_required_parameter',
    },
    {
      name: 'empty messages',
      body: JSON.stringify({ model: 'smart', messages: [] }),
      status: 400,
      param: 'messages',
      code: 'invalid_value',
    },
    {
      name: 'messages that are a string, not a list',
      body: JSON.stringify({ model: 'smart', messages: 'x' }),
      status: 400,
      param: 'messages',
      code: 'invalid_type',
    },
    {
      name: 'a message that is null',
      body: JSON.stringify({ model: 'smart', messages: [null] }),
      status: 400,
      param: 'messages[0]',
      code: 'invalid_type',
    },
    {
      name: 'a model that is a number',
      body: JSON.stringify({ ...valid, model: 5 }),
      status: 400,
      param: 'model',
      code: 'invalid_type',
    },
    {
      name: 'stream that is a string, not a boolean',
      body: JSON.stringify({ ...valid, stream: 'yes' }),
      status: 400,
      param: 'stream',
      code: 'invalid_type',
    },
    {
      name: 'missing model',
      body: JSON.stringify({ messages: valid.messages }),
      status: 400,
      param: 'model',
      code: 'missing_required_parameter',
    },
    {
      name: 'temperature of the wrong type',
      body: JSON.stringify({ ...valid, temperature: 'hot' }),
      status: 400,
      param: 'temperature',
      code: 'invalid_type',
    },
    {
      name: 'temperature out of range',
      body: JSON.stringify({ ...valid, temperature: 3 }),
      status: 400,
      param: 'temperature',
      code: 'invalid_value',
    },
    {
      name: 'a message with an unknown role',
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'robot', content: 'hi' }] }),
      status: 400,
      param: 'messages[0].role',
      code: 'invalid_value',
    },
    {
      name: 'a content part of the wrong type',
      body: JSON.stringify({
        model: 'smart',
        messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }],
      }),
      status: 400,
      param: 'messages[0].content[0].text',
      code: 'invalid_type',
    },
    {
      name: 'a tool message without tool_call_id',
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'tool', content: 'x' }] }),
      status: 400,
      param: 'messages[0].tool_call_id',
      code: 'missing_required_parameter',
    },
    {
      name: 'stream_options without stream',
      body: JSON.stringify({ ...valid, stream_options: { include_usage: true } }),
      status: 400,
      param: 'stream_options',
      code: 'invalid_value',
    },
    {
      name: 'an unknown model',
      body: JSON.stringify({ ...valid, model: 'nope' }),
      status: 404,
      param: 'model',
      code: 'model_not_found',
    },
    {
      name: 'an unknown provider in provider/model',
      body: JSON.stringify({ ...valid, model: 'nobody/gpt-4.1' }),
      status: 404,
      param: 'model',
      code: 'model_not_found',
    },
  ];

  for (const c of cases) {
    it(`answers ${c.name} with ${c.status} and stays up`, async () => {
      const { status, error, requestId } = await post(c.body);
      expect(status).toBe(c.status);
      expect(error.code).toBe(c.code);
      expect(error.param).toBe(c.param);
      expect(typeof error.message).toBe('string');
      expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(requestId).toBeTruthy();
      await stillUp();
    });
  }

  it('words a value of the wrong type as OpenAI does', async () => {
    const { error } = await post(JSON.stringify({ model: 'smart', messages: 'x' }));
    expect(error.message).toBe("Invalid type for 'messages': expected an array, but got a string instead.");
    const model = await post(JSON.stringify({ ...valid, model: 5 }));
    expect(model.error.message).toBe(
      "Invalid type for 'model': expected a string, but got an integer instead.",
    );
  });

  it('refuses an oversized body with 413 and stays up', async () => {
    const big = JSON.stringify({ ...valid, messages: [{ role: 'user', content: 'x'.repeat(200 * 1024) }] });
    const { status, error } = await post(big);
    expect(status).toBe(413);
    expect(error.code).toBe('request_too_large');
    await stillUp();
  });

  it('refuses an oversized body sent without a length (chunked) with 413 once it passes the limit', async () => {
    // No content-length to refuse up front: the limit has to hold while the body streams in.
    const outcome = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      // The gateway closes the connection after its 413; writes racing that close may fail.
      req.on('error', (error) => {
        if (!answered) reject(error);
      });
      const piece = Buffer.alloc(16 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        // Up to 40 times the limit, stopping as soon as the answer is in: the gateway must not wait
        // for the end of a body it has already refused.
        while (!answered && sent < 40 * 64 * 1024) {
          sent += piece.length;
          if (!req.write(piece)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!answered) req.end();
      };
      pump();
    });
    expect(outcome.status).toBe(413);
    const { error } = JSON.parse(outcome.body) as { error: { code: string; param: unknown; type: string } };
    expect(error.code).toBe('request_too_large');
    expect(error.type).toBe('invalid_request_error');
    await stillUp();
  });

  it('refuses a body that is not JSON by content type with 415', async () => {
    const { status, error } = await post('model=smart', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(status).toBe(415);
    expect(error.code).toBe('unsupported_media_type');
    await stillUp();
  });

  it('answers an unknown path with 404 and a wrong method with 405, in the envelope', async () => {
    const missing = await fetch(`${gw.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    const wrong = await fetch(`${gw.url}/v1/chat/completions`);
    expect(wrong.status).toBe(405);
    await stillUp();
  });

  it('never reaches the upstream for a request it rejected', async () => {
    const before = fake.requests.length;
    await post(JSON.stringify({ model: 'smart' }));
    expect(fake.requests.length).toBe(before);
  });
});
