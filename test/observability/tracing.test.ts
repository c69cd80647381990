/**
 * Traces over OTLP/HTTP (issue 12): a capture server stands in for the collector. A request with a
 * fallback makes one SERVER span (continuing the client's W3C traceparent) with a CLIENT child per
 * upstream attempt, carrying the GenAI semantic-convention attributes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

// biome-ignore lint/suspicious/noExplicitAny: OTLP JSON is read loosely
type Json = any;

let collector: Server;
const exports: Array<{ path: string; contentType: string; body: Json }> = [];
let primary: FakeServer;
let backup: FakeServer;
let gw: TestGateway;

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      exports.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  primary = await startFakeOpenAI({ keys: ['sk-p'] });
  backup = await startFakeOpenAI({ keys: ['sk-b'] });
  gw = await startTestGateway({
    providers: {
      primary: { type: 'openai', keys: ['sk-p'], base_url: `${primary.url}/v1` },
      backup: { type: 'openai', keys: ['sk-b'], base_url: `${backup.url}/v1` },
    },
    models: { chat: { targets: ['primary/gpt-4.1', 'backup/gpt-4.1'] } },
    // A 500 goes straight to the fallback (no same-target retry), so the trace has one span of each.
    retry: { same_target_retries: 0 },
    telemetry: { otlp_endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` },
  });
});

afterAll(async () => {
  await gw?.stop();
  await primary?.stop();
  await backup?.stop();
  await new Promise((resolve) => collector?.close(resolve));
});

function attributes(span: Json): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of span.attributes) {
    out[key] =
      value.stringValue ??
      (value.intValue === undefined ? undefined : Number(value.intValue)) ??
      value.doubleValue ??
      value.boolValue ??
      value.arrayValue?.values.map((v: Json) => v.stringValue);
  }
  return out;
}

/** The exported spans, flushed until `done` holds for them (or a second has passed). */
async function exportedSpans(done: (spans: Json[]) => boolean): Promise<Json[]> {
  const tracing = gw.gateway.observability.tracing;
  let spans: Json[] = [];
  for (let i = 0; i < 50; i++) {
    await tracing?.flush();
    spans = exports.flatMap((e) =>
      e.body.resourceSpans.flatMap((r: Json) => r.scopeSpans.flatMap((s: Json) => s.spans)),
    );
    if (done(spans)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return spans;
}

function serverSpanOf(spans: Json[], requestId: string | null): Json {
  return spans.find((s) => s.kind === 2 && attributes(s)['switchyard.request_id'] === requestId);
}

describe('OTLP traces', () => {
  // Observability audit item 6: the span of a stream that ended in an error event was left UNSET.
  it('marks the span of a stream that failed after its first byte as an error', async () => {
    primary.control.enqueue({ fault: { kind: 'stream-error', afterChunks: 3, status: 503 } });
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'primary/gpt-4.1',
        stream: true,
        messages: [{ role: 'user', content: 'a longer answer, please' }],
      }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    // The 200 went out before the error: it is an error event in the stream.
    expect(text).toContain('data: {"error"');
    const requestId = response.headers.get('x-request-id');
    const server = serverSpanOf(
      await exportedSpans((spans) => serverSpanOf(spans, requestId) !== undefined),
      requestId,
    );
    expect(attributes(server)).toMatchObject({
      'http.response.status_code': 200,
      'error.type': 'upstream_stream_error',
    });
    expect(server.status.code).toBe(2); // ERROR
  });

  // Observability audit item 7: every front's span said /v1/chat/completions and `chat`.
  it('names the route served and its operation: embeddings, messages', async () => {
    const embeddings = await fetch(`${gw.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'primary/text-embedding-3-small', input: 'hi' }),
    });
    expect(embeddings.status).toBe(200);
    const messages = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'chat', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(messages.status).toBe(200);
    const ids = [embeddings, messages].map((r) => r.headers.get('x-request-id'));
    const spans = await exportedSpans((all) => ids.every((id) => serverSpanOf(all, id) !== undefined));
    const [embedded, messaged] = ids.map((id) => serverSpanOf(spans, id));
    expect(embedded.name).toBe('embeddings primary/text-embedding-3-small');
    expect(attributes(embedded)).toMatchObject({
      'http.route': '/v1/embeddings',
      'gen_ai.operation.name': 'embeddings',
    });
    const embeddedAttempt = spans.find((s) => s.parentSpanId === embedded.spanId);
    expect(attributes(embeddedAttempt)['gen_ai.operation.name']).toBe('embeddings');
    expect(attributes(messaged)).toMatchObject({
      'http.route': '/v1/messages',
      'gen_ai.operation.name': 'chat',
    });
  });

  it('a request with a fallback: one server span continuing traceparent, a client span per attempt', async () => {
    primary.control.enqueue({ fault: { kind: 'status', status: 500 } });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${parentId}-01`,
        tracestate: 'vendor=abc',
      },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    const requestId = response.headers.get('x-request-id');

    const tracing = gw.gateway.observability.tracing;
    expect(tracing).toBeDefined();
    // The span is recorded when the response has ended; flush exports it now instead of in 5 s.
    let spans: Json[] = [];
    for (let i = 0; i < 50 && spans.length < 3; i++) {
      await tracing?.flush();
      spans = exports.flatMap((e) =>
        e.body.resourceSpans.flatMap((r: Json) => r.scopeSpans.flatMap((s: Json) => s.spans)),
      );
      if (spans.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(exports[0]?.path).toBe('/v1/traces');
    expect(exports[0]?.contentType).toContain('application/json');
    const resource = exports[0]?.body.resourceSpans[0].resource;
    expect(attributes(resource)['service.name']).toBe('switchyard');

    const server = spans.find((s) => attributes(s)['switchyard.request_id'] === requestId);
    expect(server).toBeDefined();
    expect(server.traceId).toBe(traceId);
    expect(server.parentSpanId).toBe(parentId);
    expect(server.kind).toBe(2); // SERVER
    expect(server.name).toBe('chat chat');
    expect(attributes(server)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'chat',
      'gen_ai.response.model': body.model,
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.usage.input_tokens': body.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': body.usage.completion_tokens,
      'gen_ai.response.finish_reasons': [body.choices[0].finish_reason],
      'http.response.status_code': 200,
      'switchyard.attempts': 2,
    });

    const children = spans
      .filter((s) => s.parentSpanId === server.spanId)
      .sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    expect(
      children.map((c) => [c.kind, c.traceId === traceId, attributes(c)['switchyard.provider']]),
    ).toEqual([
      [3, true, 'primary'], // CLIENT
      [3, true, 'backup'],
    ]);
    expect(attributes(children[0])).toMatchObject({
      'gen_ai.request.model': 'gpt-4.1',
      'http.response.status_code': 500,
      'error.type': 'server',
      'server.address': '127.0.0.1',
    });
    expect(children[0].status.code).toBe(2); // ERROR
    expect(attributes(children[1])).toMatchObject({
      'switchyard.attempt.reason': 'fallback',
      'http.response.status_code': 200,
    });
    // The children sit inside the request span.
    for (const child of children) {
      expect(BigInt(child.startTimeUnixNano) >= BigInt(server.startTimeUnixNano)).toBe(true);
      expect(BigInt(child.endTimeUnixNano) <= BigInt(server.endTimeUnixNano) + 1_000_000n).toBe(true);
    }
    // Observability audit item 7: each upstream request carried the trace, under its own attempt's span,
    // so a server that traces too joins it; the client's tracestate went along.
    const sent = [primary, backup].map((fake) => fake.requests.at(-1)?.headers);
    expect(sent.map((headers) => headers?.traceparent)).toEqual(
      children.map((child) => `00-${traceId}-${child.spanId}-01`),
    );
    expect(sent.map((headers) => headers?.tracestate)).toEqual(['vendor=abc', 'vendor=abc']);
  });

  it('starts a trace when the client sent none, and sends it upstream', async () => {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: '00-not-a-valid-header-01' },
      body: JSON.stringify({ model: 'backup/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const spans = await exportedSpans((all) => {
      const server = serverSpanOf(all, requestId);
      return server !== undefined && all.some((s) => s.parentSpanId === server.spanId);
    });
    const server = serverSpanOf(spans, requestId);
    expect(server.parentSpanId ?? '').toBe('');
    const child = spans.find((s) => s.parentSpanId === server.spanId);
    const headers = backup.requests.at(-1)?.headers;
    expect(headers?.traceparent).toBe(`00-${server.traceId}-${child.spanId}-01`);
    expect(headers?.tracestate).toBeUndefined();
  });
});
