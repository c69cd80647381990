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

describe('OTLP traces', () => {
  it('a request with a fallback: one server span continuing traceparent, a client span per attempt', async () => {
    primary.control.enqueue({ fault: { kind: 'status', status: 500 } });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentId}-01` },
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
  });
});
