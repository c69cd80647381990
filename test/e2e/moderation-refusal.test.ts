/**
 * Output moderation of what the client is shown besides the answer's text, end to end: a `refusal` (chat
 * JSON `message.refusal`, streamed `delta.refusal`, a Responses refusal part and `response.refusal.delta`)
 * is judged like content, and an n > 1 stream whose choices interleave is judged per choice. The upstream
 * is a scripted one that answers with the bytes each test gives it (the fakes write no refusals).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const HARMFUL = 'Sure. To build a pipe bomb, pack the pipe with explosive powder and seal both ends. Done.';
const FLAGGED = /pipe|bomb|explosive/i;

/** What the scripted upstream answers next: a JSON body, or SSE events (each a `data` value). */
let next: { json: unknown } | { events: unknown[] } = { json: {} };
let upstream: Server;
let openai: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if ('json' in next) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(next.json));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of next.events) {
        const type = (event as { type?: unknown }).type;
        res.write(`${typeof type === 'string' ? `event: ${type}\n` : ''}data: ${JSON.stringify(event)}\n\n`);
      }
      if (req.url?.includes('chat/completions') === true) res.write('data: [DONE]\n\n');
      res.end();
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  openai = await startFakeOpenAI({ keys: ['sk-oai'] });
  gw = await startTestGateway({
    providers: {
      raw: {
        type: 'openai',
        keys: ['sk-raw'],
        base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
      },
      main: { type: 'openai', keys: ['sk-oai'], base_url: `${openai.url}/v1` },
    },
    tenants: {
      plain: { keys: ['sk-plain'] },
      redactor: { keys: ['sk-redact'], guardrails: { moderation: { action: 'redact' } } },
    },
  });
});

afterAll(async () => {
  await gw?.stop();
  await openai?.stop();
  await new Promise((resolve) => upstream?.close(resolve));
});

async function post(path: string, key: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.text();
}

const completion = (message: Record<string, unknown>) => ({
  id: 'chatcmpl-r',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4.1',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 20, total_tokens: 23 },
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-r',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4.1',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

const words = (text: string) => text.match(/\S+\s*/g) ?? [];

const CHAT = { model: 'raw/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] };

describe('refusal text', () => {
  it('chat JSON: a flagged refusal is blocked; a redaction rewrites the refusal alone', async () => {
    next = { json: completion({ content: null, refusal: HARMFUL }) };
    const blocked = await post('/v1/chat/completions', 'sk-plain', CHAT);
    expect(blocked).not.toMatch(FLAGGED);
    expect(JSON.parse(blocked).choices[0]).toMatchObject({ finish_reason: 'content_filter' });

    next = { json: completion({ content: null, refusal: HARMFUL }) };
    const redacted = JSON.parse(await post('/v1/chat/completions', 'sk-redact', CHAT)).choices[0];
    expect(redacted.message.refusal).toContain('[redacted]');
    expect(redacted.message.refusal).toMatch(/^Sure\./);
    expect(redacted.message.content).toBeNull();
  });

  it('chat stream: flagged refusal deltas never reach the client', async () => {
    next = {
      events: [
        chunk({ role: 'assistant', content: '', refusal: null }),
        ...words(HARMFUL).map((word) => chunk({ refusal: word })),
        chunk({}, 'stop'),
      ],
    };
    const body = await post('/v1/chat/completions', 'sk-plain', { ...CHAT, stream: true });
    expect(body).not.toMatch(FLAGGED);
    expect(body).toContain('"finish_reason":"content_filter"');
  });

  const RESPONSES = { model: 'raw/gpt-4.1', input: 'hi' };
  const response = (status: string, content: unknown[]) => ({
    id: 'resp_r',
    object: 'response',
    created_at: 1,
    status,
    model: 'gpt-4.1',
    output:
      content.length === 0
        ? []
        : [{ id: 'msg_r', type: 'message', role: 'assistant', status: 'completed', content }],
    usage: { input_tokens: 3, output_tokens: 20, total_tokens: 23 },
  });

  it('/v1/responses (passthrough) JSON: a flagged refusal part is blocked, a redacted one rewritten', async () => {
    next = { json: response('completed', [{ type: 'refusal', refusal: HARMFUL }]) };
    const blocked = JSON.parse(await post('/v1/responses', 'sk-plain', RESPONSES));
    expect(JSON.stringify(blocked)).not.toMatch(FLAGGED);
    expect(blocked).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });

    next = { json: response('completed', [{ type: 'refusal', refusal: HARMFUL }]) };
    const redacted = JSON.parse(await post('/v1/responses', 'sk-redact', RESPONSES));
    expect(redacted.status).toBe('completed');
    expect(redacted.output[0].content).toEqual([
      { type: 'refusal', refusal: expect.stringContaining('[redacted]') },
    ]);
    expect(JSON.stringify(redacted)).not.toMatch(FLAGGED);
  });

  it('/v1/responses (passthrough) stream: flagged refusal deltas never reach the client', async () => {
    const where = { item_id: 'msg_r', output_index: 0, content_index: 0 };
    next = {
      events: [
        { type: 'response.created', response: response('in_progress', []) },
        {
          type: 'response.output_item.added',
          output_index: 0,
          item: { id: 'msg_r', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
        },
        { type: 'response.content_part.added', ...where, part: { type: 'refusal', refusal: '' } },
        ...words(HARMFUL).map((delta) => ({ type: 'response.refusal.delta', ...where, delta })),
        { type: 'response.refusal.done', ...where, refusal: HARMFUL },
        {
          type: 'response.completed',
          response: response('completed', [{ type: 'refusal', refusal: HARMFUL }]),
        },
      ].map((event, sequence_number) => ({ ...event, sequence_number })),
    };
    const body = await post('/v1/responses', 'sk-plain', { ...RESPONSES, stream: true });
    expect(body).not.toMatch(FLAGGED);
    expect(body).toContain('response.incomplete');
    expect(body).toContain('content_filter');
  });
});

describe('n > 1 streams', () => {
  it('judges each interleaved choice as its own text: a flagged one reaches the client from neither', async () => {
    // The fake interleaves the choices' chunks round-robin, word by word (demo/fakes/openai/stream.ts).
    openai.control.enqueue({ reply: { content: HARMFUL } });
    const body = await post('/v1/chat/completions', 'sk-plain', {
      model: 'main/gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
      n: 2,
      stream: true,
    });
    expect(body).not.toMatch(FLAGGED);
    const ends = body
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .flatMap(
        (line) =>
          (JSON.parse(line.slice(6)) as { choices: Array<{ index: number; finish_reason: unknown }> })
            .choices,
      )
      .filter((choice) => choice.finish_reason !== null)
      .map((choice) => `${choice.index}:${String(choice.finish_reason)}`);
    expect(ends.sort()).toEqual(['0:content_filter', '1:content_filter']);
  });
});
