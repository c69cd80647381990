/**
 * Fuzzing the front door (issue 10, "Done when"): thousands of generated requests, through the real
 * server to the fakes (OpenAI passthrough, Anthropic and Gemini translation), with bodies from
 * near-valid chat requests to random JSON, broken bytes and deep nesting, under random headers,
 * encodings, chunking, methods and paths. Whatever arrives, the answer is never a 5xx, every error is
 * OpenAI's envelope, and afterwards the process is healthy: probes answer, nothing is left in flight,
 * nothing was logged as an error. A failure prints fast-check's seed and the shrunk request.
 */
import { Agent, request } from 'node:http';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../src/demo/fakes/anthropic/index.ts';
import { startGeminiFake } from '../../src/demo/fakes/gemini/index.ts';
import { startFakeOpenAI } from '../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../src/demo/fakes/shared/index.ts';
import { startTestGateway, type TestGateway, waitFor } from '../helpers/gateway.ts';

// FUZZ_RUNS and FUZZ_SEED (the seed a failure prints) rerun a case or search longer.
const RUNS = Number(process.env.FUZZ_RUNS ?? 6000);
/** A request unanswered this long is a hang, which is a failure like a 5xx. */
const ANSWER_WITHIN_MS = 5000;
const BODY_LIMIT = 256 * 1024;

let fakes: FakeServer[] = [];
let gw: TestGateway;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

beforeAll(async () => {
  const [openai, anthropic, gemini] = await Promise.all([
    startFakeOpenAI({}),
    startAnthropicFake({ keys: ['sk-ant-test'] }),
    startGeminiFake({ keys: ['gemini-test-key'] }),
  ]);
  fakes = [openai, anthropic, gemini];
  gw = await startTestGateway({
    server: { body_limit_bytes: BODY_LIMIT, request_timeout_ms: 20_000 },
    providers: {
      openai: { type: 'openai', keys: ['k'], base_url: `${openai.url}/v1` },
      claude: { type: 'anthropic', keys: ['sk-ant-test'], base_url: anthropic.url },
      gemini: { type: 'gemini', keys: ['gemini-test-key'], base_url: gemini.url },
    },
    models: {
      smart: { targets: ['openai/gpt-4.1'] },
      sonnet: { targets: ['claude/claude-sonnet-4-5'] },
      flash: { targets: ['gemini/gemini-2.5-flash'] },
    },
  });
});

afterAll(async () => {
  agent.destroy();
  await gw?.stop();
  await Promise.all(fakes.map((fake) => fake.stop()));
});

// ---- bodies -------------------------------------------------------------------------------------

// Shallow: nested in the fields below, a deeper value multiplies into bodies of megabytes.
const anyJson = fc.jsonValue({ maxDepth: 2 });
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));

const contentPart = fc.oneof(
  fc.record({ type: fc.constant('text'), text }),
  fc.record({
    type: fc.constant('image_url'),
    image_url: fc.record({
      url: fc.oneof(fc.webUrl(), text),
      detail: fc.constantFrom('auto', 'low', 'high', 'x'),
    }),
  }),
  fc.record({ type: fc.constantFrom('input_audio', 'file', 'refusal', 'bogus'), text: anyJson }),
  anyJson,
);

const toolCall = fc.record(
  {
    id: text,
    type: fc.constantFrom('function', 'custom'),
    function: fc.record({ name: text, arguments: fc.oneof(text, fc.json()) }),
  },
  { requiredKeys: [] },
);

const message = fc.record(
  {
    role: fc.oneof(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function'), text),
    content: fc.oneof(text, fc.array(contentPart, { maxLength: 3 }), fc.constant(null), anyJson),
    name: fc.oneof(text, anyJson),
    tool_calls: fc.array(toolCall, { maxLength: 2 }),
    tool_call_id: text,
    reasoning_content: fc.oneof(text, fc.constant(null)),
  },
  { requiredKeys: ['role'] },
);

/** A JSON-schema-like object, `levels` deep; built level by level, as recursion would reach megabytes. */
function schemaOf(levels: number): fc.Arbitrary<unknown> {
  if (levels === 0) return anyJson;
  const inner = schemaOf(levels - 1);
  return fc.oneof(
    fc.record(
      {
        type: fc.constantFrom('object', 'string', 'number', 'integer', 'boolean', 'array', 'null', 'bogus'),
        properties: fc.dictionary(fc.string({ maxLength: 8 }), inner, { maxKeys: 3 }),
        items: inner,
        required: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
        enum: fc.array(anyJson, { maxLength: 3 }),
        anyOf: fc.array(inner, { maxLength: 2 }),
        $ref: fc.constantFrom('#', '#/$defs/x', '#/definitions/missing'),
        additionalProperties: fc.oneof(fc.boolean(), inner),
      },
      { requiredKeys: [] },
    ),
    anyJson,
  );
}
const schema = schemaOf(3);

const tool = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('function', 'custom', 'web_search'),
      function: fc.record(
        {
          name: fc.oneof(fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/), text),
          description: text,
          parameters: schema,
        },
        { requiredKeys: ['name'] },
      ),
    },
    { requiredKeys: ['type'] },
  ),
  anyJson,
);

/** Becomes the literal 1e400 in the body text, which JSON.parse reads as Infinity. */
const OUT_OF_RANGE = '\u0000out-of-range';
const outOfRangeText = JSON.stringify(OUT_OF_RANGE);

const number = fc.oneof(
  fc.integer({ min: -5, max: 300 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -0, 2 ** 53, 1e-320, OUT_OF_RANGE),
);

/** Each field of a chat request, either plausible or arbitrary. */
const chatFields: Record<string, fc.Arbitrary<unknown>> = {
  model: fc.oneof(
    fc.constantFrom('smart', 'sonnet', 'flash', 'openai/gpt-4.1', 'claude/claude-sonnet-4-5', 'gemini/x'),
    // The fake OpenAI echoes a model it does not know, as llama.cpp does: any text reaches our headers.
    text.map((name) => `openai/${name}`),
    text,
    anyJson,
  ),
  messages: fc.oneof(fc.array(message, { minLength: 1, maxLength: 4 }), anyJson),
  stream: fc.oneof(fc.boolean(), anyJson),
  stream_options: fc.oneof(fc.record({ include_usage: fc.boolean() }), anyJson),
  max_tokens: fc.oneof(number, anyJson),
  max_completion_tokens: number,
  temperature: number,
  top_p: number,
  n: fc.oneof(fc.integer({ min: 0, max: 4 }), number),
  seed: number,
  stop: fc.oneof(text, fc.array(text, { maxLength: 5 }), anyJson),
  logprobs: fc.oneof(fc.boolean(), anyJson),
  top_logprobs: number,
  logit_bias: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), number, { maxKeys: 3 }), anyJson),
  tools: fc.oneof(fc.array(tool, { maxLength: 3 }), anyJson),
  tool_choice: fc.oneof(fc.constantFrom('none', 'auto', 'required'), anyJson),
  response_format: fc.oneof(
    fc.record({
      type: fc.constantFrom('text', 'json_object', 'json_schema'),
      json_schema: fc.record({ name: text, schema, strict: fc.boolean() }, { requiredKeys: [] }),
    }),
    anyJson,
  ),
  reasoning_effort: fc.oneof(fc.constantFrom('low', 'medium', 'high', 'none'), anyJson),
  metadata: anyJson,
  user: fc.oneof(text, anyJson),
};

const toBody = (request: object): string => JSON.stringify(request).replaceAll(outOfRangeText, '1e400');

/** Any subset of the fields, each arbitrary, plus fields nobody knows. */
const chatRequest = fc
  .tuple(
    fc.record(chatFields, { requiredKeys: [] }),
    fc.dictionary(fc.string({ maxLength: 12 }), anyJson, { maxKeys: 3 }),
  )
  // Unknown fields first, so a known one is never overwritten by its arbitrary twin.
  .map(([fields, extra]) => toBody({ ...extra, ...fields }));

/** A request every upstream accepts: what gets through to the adapters and the fakes. */
const validRequest = fc.record(
  {
    model: fc.constantFrom('smart', 'sonnet', 'flash', 'openai/gpt-4.1', 'claude/claude-sonnet-4-5'),
    messages: fc.array(
      fc.record({
        role: fc.constantFrom('system', 'user'),
        content: fc.string({ minLength: 1, maxLength: 40 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    stream: fc.boolean(),
    max_tokens: fc.integer({ min: 1, max: 64 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    tools: fc.array(
      fc.record({
        type: fc.constant('function'),
        function: fc.record({
          name: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,20}$/),
          parameters: fc.constant({ type: 'object', properties: { city: { type: 'string' } } }),
        }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  },
  { requiredKeys: ['model', 'messages'] },
);

/** A valid request with one or two of its fields replaced by anything at all. */
const mutatedRequest = fc
  .tuple(
    validRequest,
    fc.uniqueArray(
      fc
        .constantFrom(...Object.keys(chatFields))
        .chain((name) =>
          (chatFields[name] as fc.Arbitrary<unknown>).map((value): [string, unknown] => [name, value]),
        ),
      { minLength: 1, maxLength: 2, selector: ([name]) => name },
    ),
  )
  .map(([valid, replaced]) => toBody({ ...valid, ...Object.fromEntries(replaced) }));

/** Nesting at any depth, in an unknown field or in tool parameters. */
const deepBody = fc.tuple(fc.integer({ min: 1, max: 10_000 }), fc.boolean()).map(([levels, inTool]) => {
  const nested = `${'['.repeat(levels)}${']'.repeat(levels)}`;
  const where = inTool
    ? `"tools":[{"type":"function","function":{"name":"f","parameters":{"p":${nested}}}}]`
    : `"x":${nested}`;
  return `{"model":"smart","messages":[{"role":"user","content":"hi"}],${where}}`;
});

/** A valid body with a few bytes cut, swapped or inserted. */
const brokenBody = fc
  .tuple(chatRequest, fc.nat(), fc.nat({ max: 8 }), fc.string({ unit: 'binary', maxLength: 4 }))
  .map(([body, at, cut, insert]) => {
    const index = at % (body.length + 1);
    return body.slice(0, index) + insert + body.slice(index + cut);
  });

const body: fc.Arbitrary<string | Buffer> = fc.oneof(
  { arbitrary: validRequest.map(toBody), weight: 4 },
  { arbitrary: mutatedRequest, weight: 4 },
  { arbitrary: chatRequest, weight: 3 },
  { arbitrary: brokenBody, weight: 2 },
  { arbitrary: deepBody, weight: 1 },
  { arbitrary: fc.json(), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)), weight: 1 },
  // Around the size limit: spaces, so compressed they are a small zip bomb.
  {
    arbitrary: fc
      .integer({ min: BODY_LIMIT - 16, max: 2 * BODY_LIMIT })
      .map((size) => Buffer.alloc(size, 0x20)),
    weight: 1,
  },
);

// ---- headers, methods, paths --------------------------------------------------------------------

/** Bytes Node's client will send in a header value: tab, printable ASCII and Latin-1. */
const headerValue = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
    .map((code) => String.fromCharCode(code)),
  maxLength: 60,
});
/** Names that change the message's framing or the connection are the HTTP tests' business, not this one's. */
const framingHeaders = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'expect',
  'upgrade',
  'te',
]);
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((name) => !framingHeaders.has(name));

const encodings = ['gzip', 'deflate', 'br', 'identity', 'x-gzip', 'compress', 'zstd', 'gzip, br', 'GZIP', ''];
const encoders: Readonly<Record<string, (input: Buffer) => Buffer>> = {
  gzip: gzipSync,
  'x-gzip': gzipSync,
  GZIP: gzipSync,
  deflate: deflateSync,
  // Quality 4: the default (11) spends a second on a large body; the gateway's decoder is the same.
  br: (input) => brotliCompressSync(input, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
};

/** `arbitrary` one time in `1 + absentWeight`, else the header is left out. */
function sometimes(arbitrary: fc.Arbitrary<string>, absentWeight: number): fc.Arbitrary<string | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: absentWeight }, { arbitrary, weight: 1 });
}

const headers = fc.record({
  'content-type': fc.oneof(
    { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'), weight: 8 },
    { arbitrary: fc.constantFrom('text/plain', 'multipart/form-data', 'application/jsonl'), weight: 1 },
    { arbitrary: headerValue, weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 2 },
  ),
  'content-encoding': sometimes(fc.oneof(fc.constantFrom(...encodings), headerValue), 3),
  'x-request-id': sometimes(fc.oneof(fc.constantFrom('same-id', 'trace-1'), headerValue), 1),
  authorization: sometimes(fc.oneof(fc.constant('Bearer k'), headerValue), 1),
  'x-api-key': sometimes(headerValue, 2),
  'cache-control': sometimes(fc.oneof(fc.constantFrom('no-cache', 'no-store'), headerValue), 2),
  'x-switchyard-cache': sometimes(fc.oneof(fc.constant('force'), headerValue), 2),
  accept: sometimes(headerValue, 2),
  'accept-encoding': sometimes(headerValue, 2),
});

const target = fc.oneof(
  { arbitrary: fc.constant({ method: 'POST', path: '/v1/chat/completions' }), weight: 12 },
  {
    arbitrary: fc.record({
      method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      path: fc.oneof(
        fc.constantFrom(
          '/v1/chat/completions',
          '/chat/completions',
          '/v1/models',
          '/healthz',
          '/readyz',
          '/admin/routing',
        ),
        fc.webPath(),
      ),
    }),
    weight: 2,
  },
);

const exchange = fc.record({
  target,
  body,
  headers,
  extraHeaders: fc.dictionary(headerName, headerValue, { maxKeys: 3 }),
  /** Compress the body as the content-encoding header says (otherwise the header lies). */
  encode: fc.boolean(),
  /** Send the body in two chunks with chunked transfer encoding instead of a content-length. */
  chunkedAt: fc.option(fc.nat(), { nil: undefined }),
});

type Exchange = typeof exchange extends fc.Arbitrary<infer T> ? T : never;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(input: Exchange): Promise<Answer> {
  const raw = typeof input.body === 'string' ? Buffer.from(input.body) : input.body;
  const encoding = input.headers['content-encoding'];
  const encoder = encoding === undefined ? undefined : encoders[encoding];
  const payload = input.encode && encoder !== undefined ? encoder(raw) : raw;
  const { port } = new URL(gw.url);
  const bodyless = input.target.method === 'GET' || input.target.method === 'HEAD';
  const chunked = input.chunkedAt !== undefined && !bodyless;
  // Framing stated outright: Node's client sends a DELETE or OPTIONS body with neither header, and the
  // server then rightly reads that body as the next request on the connection.
  const framing: Record<string, string> = bodyless
    ? {}
    : chunked
      ? { 'transfer-encoding': 'chunked' }
      : { 'content-length': String(payload.length) };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port: Number(port),
        method: input.target.method,
        path: input.target.path,
        headers: { ...input.extraHeaders, ...present(input.headers), ...framing },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(ANSWER_WITHIN_MS, () => req.destroy(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)));
    if (!chunked || input.chunkedAt === undefined) {
      req.end(bodyless ? undefined : payload);
      return;
    }
    const at = input.chunkedAt % (payload.length + 1);
    req.write(payload.subarray(0, at));
    req.end(payload.subarray(at));
  });
}

function present(fields: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) out[name] = value;
  return out;
}

function describeExchange(input: Exchange): string {
  const preview = (typeof input.body === 'string' ? input.body : input.body.toString('latin1')).slice(0, 300);
  return `${input.target.method} ${input.target.path} ${JSON.stringify(present(input.headers))} body: ${preview}`;
}

function checkAnswer(input: Exchange, answer: Answer): void {
  const what = describeExchange(input);
  expect(answer.status, what).toBeGreaterThanOrEqual(200);
  expect(answer.status, what).toBeLessThan(500);
  expect(answer.headers['x-request-id'], what).toBeTruthy();
  if (input.target.method === 'HEAD') return;
  if (answer.status < 400) {
    const type = String(answer.headers['content-type']);
    expect(type === 'application/json' || type.startsWith('text/event-stream'), what).toBe(true);
    if (type === 'application/json') expect(() => JSON.parse(answer.body), what).not.toThrow();
    else expect(answer.body.trimEnd().endsWith('data: [DONE]'), what).toBe(true);
    return;
  }
  expect(answer.headers['content-type'], what).toBe('application/json');
  const envelope = JSON.parse(answer.body) as { error: Record<string, unknown> };
  expect(Object.keys(envelope.error).sort(), what).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof envelope.error.message, what).toBe('string');
  expect(typeof envelope.error.code, what).toBe('string');
}

describe('fuzzed requests', () => {
  it(`never get a 5xx and leave the process healthy (${RUNS} cases)`, { timeout: 60_000 }, async () => {
    let cases = 0;
    let largestBody = 0;
    const statuses = new Map<number, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(exchange, async (input) => {
        cases++;
        largestBody = Math.max(largestBody, Buffer.byteLength(input.body));
        const answer = await send(input);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        checkAnswer(input, answer);
      }),
      { numRuns: RUNS, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
    console.log(
      `fuzz: ${cases} cases in ${seconds} s; statuses ${byStatus.join(' ')}; largest body ${largestBody} bytes`,
    );
    expect(cases).toBeGreaterThanOrEqual(RUNS);
    // The fuzz must reach the upstreams, not only the validator.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 20);

    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
    await waitFor(() => gw.gateway.inFlight === 0, 10_000, 'every request to finish');
    const errors = gw.logs.filter((line) => (line.level as number) >= 50);
    expect(errors.map((line) => JSON.stringify(line).slice(0, 500))).toEqual([]);
    const valid = await gw.client.chat.completions.create({
      model: 'smart',
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(valid.choices[0]?.message.content).toBeTruthy();
  });
});
