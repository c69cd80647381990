/**
 * Issue 10's HTTP defects, each as a user meets it through the real server and the fakes: an upstream
 * model name that is not a valid header value, a client that leaves mid-upload, HEAD and 405s, a
 * request without Host, completion ids under a reused x-request-id, compressed request bodies, and
 * deep nesting.
 */
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../src/demo/fakes/anthropic/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

let openai: FakeServer;
let anthropic: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  openai = await startFakeOpenAI({});
  anthropic = await startAnthropicFake({ keys: ['sk-ant-test'] });
  gw = await startTestGateway({
    providers: {
      fake: { type: 'openai', keys: ['k'], base_url: `${openai.url}/v1` },
      claude: { type: 'anthropic', keys: ['sk-ant-test'], base_url: anthropic.url },
    },
    models: { smart: { targets: ['fake/gpt-4.1'] }, sonnet: { targets: ['claude/claude-sonnet-4-5'] } },
  });
});

afterAll(async () => {
  await gw?.stop();
  await anthropic?.stop();
  await openai?.stop();
});

const chat = (model: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

/** Writes raw bytes to the gateway and returns everything it answered before closing. */
function rawExchange(bytes: string): Promise<string> {
  const { port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

describe('an upstream model name that is not a valid header value', () => {
  // The fake OpenAI echoes an unknown model as it was sent, as llama.cpp and LM Studio do.
  const model = 'gpt-€\r\nx';

  it('still gets a JSON answer with its content type, the header percent-encoded', async () => {
    const response = await post(chat(`fake/${model}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-%E2%82%AC%0D%0Ax');
    const completion = (await response.json()) as { model: string; choices: unknown[] };
    expect(completion.model).toBe(model);
    expect(completion.choices.length).toBe(1);
  });

  it('streams as well', async () => {
    const response = await post(chat(`fake/${model}`, { stream: true }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(decodeURIComponent(response.headers.get('x-switchyard-model') ?? '')).toBe(model);
    const text = await response.text();
    expect(text).not.toContain('"error"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});

describe('a client that leaves mid-upload', () => {
  it('is logged as a 499 at info, with no error line', async () => {
    const { port } = new URL(gw.url);
    const before = gw.logs.length;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
            `content-length: 1000\r\nx-request-id: upload-left\r\n\r\n{"model":"smart"`,
          () => setImmediate(() => socket.destroy()),
        );
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
    });
    await waitFor(() => gw.logs.some((line) => line.request_id === 'upload-left'), 5000, 'the request line');
    const line = gw.logs.find((entry) => entry.request_id === 'upload-left');
    expect(line).toMatchObject({ level: 30, status: 499, client_aborted: true, error: null });
    expect(gw.logs.slice(before).filter((entry) => (entry.level as number) >= 50)).toEqual([]);
  });
});

describe('methods', () => {
  it('answers HEAD on a GET endpoint like GET, without a body', async () => {
    for (const path of ['/healthz', '/readyz', '/v1/models']) {
      const get = await fetch(`${gw.url}${path}`);
      const head = await fetch(`${gw.url}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(head.headers.get('x-request-id')).toBeTruthy();
      expect(await head.text()).toBe('');
      expect((await get.text()).length).toBeGreaterThan(0);
    }
  });

  it('puts Allow on every 405', async () => {
    const onGet = await fetch(`${gw.url}/healthz`, { method: 'DELETE' });
    expect(onGet.status).toBe(405);
    expect(onGet.headers.get('allow')).toBe('GET, HEAD');
    const onPost = await fetch(`${gw.url}/v1/chat/completions`);
    expect(onPost.status).toBe(405);
    expect(onPost.headers.get('allow')).toBe('POST');
    expect(((await onPost.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    // Anthropic's clients get Anthropic's envelope there, as on every other /v1/messages answer.
    const onMessages = await fetch(`${gw.url}/v1/messages`, { method: 'PUT' });
    expect(onMessages.status).toBe(405);
    expect(onMessages.headers.get('allow')).toBe('POST');
    expect(await onMessages.json()).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error' },
    });
  });
});

describe('an HTTP/1.1 request without Host', () => {
  it('gets the error envelope, not a bare 400', async () => {
    const answer = await rawExchange('GET /healthz HTTP/1.1\r\n\r\n');
    expect(answer.startsWith('HTTP/1.1 400 ')).toBe(true);
    expect(answer.toLowerCase()).toContain('content-type: application/json');
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
    expect(body.error.code).toBe('missing_host_header');
  });

  it('is fine in HTTP/1.0, which has no Host requirement', async () => {
    const answer = await rawExchange('GET /healthz HTTP/1.0\r\n\r\n');
    expect(answer.startsWith('HTTP/1.1 200 ')).toBe(true);
  });
});

describe('completion ids', () => {
  it('differ between two requests that carry the same x-request-id', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await post(chat('sonnet'), { 'x-request-id': 'shared-trace' });
      expect(response.status).toBe(200);
      // The client's id is still echoed for correlation.
      expect(response.headers.get('x-request-id')).toBe('shared-trace');
      ids.push(((await response.json()) as { id: string }).id);
    }
    expect(ids[0]).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(ids[1]).not.toBe(ids[0]);
  });
});

describe('request bodies', () => {
  it('reads a gzip body', async () => {
    const response = await post(gzipSync(chat('smart')), { 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { object: string }).object).toBe('chat.completion');
  });

  it('refuses an encoding it cannot read with 415', async () => {
    const response = await post(chat('smart'), { 'content-encoding': 'zstd' });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'unsupported_content_encoding',
    );
  });

  it('answers 5,000 levels of nesting in tool parameters with a 400, not a 500', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const body = chat('smart').replace(
      /}$/,
      `,"tools":[{"type":"function","function":{"name":"f","parameters":{"a":${deep}}}}]}`,
    );
    const response = await post(body);
    expect(response.status).toBe(400);
    const error = ((await response.json()) as { error: { code: string; param: string } }).error;
    expect(error).toMatchObject({ code: 'nesting_too_deep', param: 'tools' });
  });

  it('says max_tokens 1e400 is out of range', async () => {
    const response = await post(chat('smart').replace(/}$/, ',"max_tokens":1e400}'));
    expect(response.status).toBe(400);
    const error = ((await response.json()) as { error: { message: string } }).error;
    expect(error.message).toBe("Invalid value for 'max_tokens': the number is out of range.");
  });
});
