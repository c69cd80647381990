/**
 * The openai SDK's embeddings.create against /v1/embeddings (issue 17), for every provider type that
 * has embeddings: the SDK's default (base64, decoded by the SDK), explicit float and explicit base64
 * agree; `dimensions` where the provider takes it; usage and cost reach the log; a failing target falls
 * over; providers without embeddings get a 400 without an upstream call.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../../src/demo/fakes/anthropic/index.ts';
import { startFakeOpenAI } from '../../../src/demo/fakes/openai/index.ts';
import type { FakeServer } from '../../../src/demo/fakes/shared/index.ts';
import { decodeFloat32Base64 } from '../../../src/embeddings/encoding.ts';
import { startTestGateway, type TestGateway, waitFor } from '../../helpers/gateway.ts';
import { providerMatrix } from '../../helpers/provider-matrix.ts';

const embeddingRows: Record<string, { model: string; dimensions: number; native: number }> = {
  openai: { model: 'text-embedding-3-small', dimensions: 256, native: 1536 },
  'openai-compatible': { model: 'text-embedding-3-small', dimensions: 256, native: 1536 },
  gemini: { model: 'gemini-embedding-001', dimensions: 768, native: 3072 },
  mistral: { model: 'codestral-embed', dimensions: 256, native: 1536 },
  qwen: { model: 'text-embedding-v4', dimensions: 256, native: 1024 },
};

const texts = ['The quick brown fox', 'jumps over the lazy dog'];

for (const row of providerMatrix) {
  const embedding = embeddingRows[row.type];
  describe(`/v1/embeddings to ${row.type}`, () => {
    let fake: FakeServer;
    let gw: TestGateway;
    const model = `p/${embedding?.model ?? row.model}`;

    beforeAll(async () => {
      fake = await row.startFake(row.key);
      gw = await startTestGateway({
        providers: { p: { type: row.type, keys: [row.key], base_url: row.baseUrl(fake) } },
        pricing: { models: { [embedding?.model ?? row.model]: { input: 0.02, output: 0 } } },
      });
    });
    afterAll(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    if (embedding === undefined) {
      it('answers 400 embeddings_not_supported without calling the provider', async () => {
        const before = fake.requests.length;
        const error = await gw.client.embeddings
          .create({ model, input: 'hi' })
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('embeddings_not_supported');
        expect(fake.requests.length).toBe(before);
      });
      return;
    }

    it('default (base64), float and base64 agree, in input order', async () => {
      const byDefault = await gw.client.embeddings.create({ model, input: texts });
      const floats = await gw.client.embeddings.create({ model, input: texts, encoding_format: 'float' });
      const base64 = await gw.client.embeddings.create({ model, input: texts, encoding_format: 'base64' });
      expect(byDefault.object).toBe('list');
      expect(byDefault.data.map((row) => row.index)).toEqual([0, 1]);
      for (const [index, row] of floats.data.entries()) {
        expect(Array.isArray(row.embedding)).toBe(true);
        expect(row.embedding).toHaveLength(embedding.native);
        expect(byDefault.data[index]?.embedding).toEqual(row.embedding);
        const encoded = base64.data[index]?.embedding as unknown;
        expect(typeof encoded).toBe('string');
        expect(decodeFloat32Base64(encoded as string)).toEqual(row.embedding);
      }
      expect(floats.data[0]?.embedding).not.toEqual(floats.data[1]?.embedding);
      expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
      expect(floats.usage.total_tokens).toBe(floats.usage.prompt_tokens);
    });

    it('passes dimensions on', async () => {
      const result = await gw.client.embeddings.create({
        model,
        input: 'hello',
        dimensions: embedding.dimensions,
      });
      expect(result.data[0]?.embedding).toHaveLength(embedding.dimensions);
    });

    it('records usage and cost in the log', async () => {
      const { response } = await gw.client.embeddings.create({ model, input: texts }).withResponse();
      const id = response.headers.get('x-request-id');
      expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0);
      await waitFor(() => gw.logs.some((line) => line.request_id === id));
      const line = gw.logs.find((entry) => entry.request_id === id) as Record<string, unknown>;
      expect((line.usage as { prompt: number }).prompt).toBeGreaterThan(0);
      expect(line.cost_usd).toBeGreaterThan(0);
    });
  });
}

describe('/v1/embeddings routing', () => {
  let primary: FakeServer;
  let backup: FakeServer;
  let claude: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    primary = await startFakeOpenAI({ keys: ['a'] });
    backup = await startFakeOpenAI({ keys: ['b'] });
    claude = await startAnthropicFake({ keys: ['c'] });
    gw = await startTestGateway({
      providers: {
        primary: { type: 'openai', keys: ['a'], base_url: `${primary.url}/v1` },
        backup: { type: 'openai', keys: ['b'], base_url: `${backup.url}/v1` },
        claude: { type: 'anthropic', keys: ['c'], base_url: claude.url },
      },
      models: {
        embed: {
          targets: [
            'claude/claude-sonnet-4-5',
            'primary/text-embedding-3-small',
            'backup/text-embedding-3-small',
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await primary?.stop();
    await backup?.stop();
    await claude?.stop();
  });

  it('skips a target without embeddings and falls over from a failing one', async () => {
    // Two: the default quick retry of the same target (issue 13) absorbs a single 500.
    primary.control.enqueue({ fault: { kind: 'status', status: 500 } });
    primary.control.enqueue({ fault: { kind: 'status', status: 500 } });
    const { data, response } = await gw.client.embeddings
      .create({ model: 'embed', input: 'hello' })
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('backup');
    expect(data.data[0]?.embedding).toHaveLength(1536);
    expect(claude.requests.length).toBe(0);
  });

  it('refuses bad input with a 400 naming the param', async () => {
    const error = await gw.client.embeddings
      .create({ model: 'embed', input: 'hi', encoding_format: 'int8' as 'float' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('encoding_format');
    const empty = await gw.client.embeddings
      .create({ model: 'embed', input: [] })
      .catch((caught: unknown) => caught);
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
    // The same words and codes as chat completions for the same mistakes.
    const missing = (await gw.client.embeddings
      .create({ input: 'hi' } as unknown as OpenAI.EmbeddingCreateParams)
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(missing).toMatchObject({ status: 400, code: 'missing_required_parameter', param: 'model' });
    const wrongType = (await gw.client.embeddings
      .create({ model: 'embed', input: 5 as unknown as string })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(wrongType).toMatchObject({ status: 400, param: 'input' });
    expect(wrongType.message).not.toMatch(/Invalid input\.$/);
  });
});

describe('/v1/embeddings hedged', () => {
  let slow: FakeServer;
  let fast: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    slow = await startFakeOpenAI({ keys: ['a'] });
    fast = await startFakeOpenAI({ keys: ['b'] });
    gw = await startTestGateway({
      providers: {
        slow: { type: 'openai', keys: ['a'], base_url: `${slow.url}/v1` },
        fast: { type: 'openai', keys: ['b'], base_url: `${fast.url}/v1` },
      },
      models: {
        hedged: {
          targets: ['slow/text-embedding-3-small', 'fast/text-embedding-3-large'],
          hedge: { after_ms: 50 },
        },
      },
      pricing: {
        models: {
          'text-embedding-3-small': { input: 0.02, output: 0 },
          'text-embedding-3-large': { input: 0.13, output: 0 },
        },
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await slow?.stop();
    await fast?.stop();
  });

  it('records and charges the answer that won, and aborts the loser', async () => {
    slow.control.enqueue({ firstByteMs: 2_000 });
    const { data, response } = await gw.client.embeddings
      .create({ model: 'hedged', input: 'hello', encoding_format: 'float' })
      .withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('fast');
    expect(data.data[0]?.embedding).toHaveLength(3072);
    const id = response.headers.get('x-request-id');
    await waitFor(() => gw.logs.some((line) => line.request_id === id));
    const line = gw.logs.find((entry) => entry.request_id === id) as {
      provider: string;
      upstream_model: string;
      cost_usd: number;
      attempts: Array<{ target: string; outcome: string }>;
    };
    expect(line.provider).toBe('fast');
    expect(line.upstream_model).toBe('text-embedding-3-large');
    expect(line.cost_usd).toBe(Number(response.headers.get('x-switchyard-cost-usd')));
    expect(line.attempts.map((a) => [a.target, a.outcome])).toEqual(
      expect.arrayContaining([
        ['fast/text-embedding-3-large', 'ok'],
        ['slow/text-embedding-3-small', 'hedge_lost'],
      ]),
    );
    await waitFor(() => slow.requests.at(-1)?.aborted === true, 2_000, 'loser aborted');
  });
});

/** A self-hosted OpenAI-compatible embeddings server as many are: no `usage`, and sometimes bad rows. */
describe('/v1/embeddings from a compatible server', () => {
  let mode: 'no-usage' | 'one-based' | 'short' = 'no-usage';
  let server: Server;
  let backup: FakeServer;
  let gw: TestGateway;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => {
        text += chunk;
      });
      req.on('end', () => {
        const body = JSON.parse(text) as { input: unknown; model: string };
        const inputs = Array.isArray(body.input) ? body.input : [body.input];
        let data = inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: [0.5, 0.25, i] }));
        if (mode === 'one-based') data = data.map((row) => ({ ...row, index: row.index + 1 }));
        if (mode === 'short') data = data.slice(0, 1);
        const answer: Record<string, unknown> = { object: 'list', data, model: body.model };
        if (mode !== 'no-usage') answer.usage = { prompt_tokens: 2, total_tokens: 2 };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    backup = await startFakeOpenAI({ keys: ['b'] });
    gw = await startTestGateway({
      providers: {
        local: { type: 'openai-compatible', base_url: `http://127.0.0.1:${port}/v1` },
        backup: { type: 'openai', keys: ['b'], base_url: `${backup.url}/v1` },
      },
      models: { embed: { targets: ['local/nomic-embed', 'backup/text-embedding-3-small'] } },
      pricing: {
        models: {
          'nomic-embed': { input: 0.1, output: 0 },
          'text-embedding-3-small': { input: 0.02, output: 0 },
        },
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await backup?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('counts the input of an answer without usage, charges it and logs it estimated', async () => {
    mode = 'no-usage';
    for (const encoding_format of ['float', 'base64'] as const) {
      const { data, response } = await gw.client.embeddings
        .create({ model: 'local/nomic-embed', input: ['a long text to embed here', 'b'], encoding_format })
        .withResponse();
      expect(data.usage.prompt_tokens).toBeGreaterThan(0);
      expect(data.data.map((row) => row.index)).toEqual([0, 1]);
      const cost = Number(response.headers.get('x-switchyard-cost-usd'));
      expect(cost).toBeGreaterThan(0);
      const id = response.headers.get('x-request-id');
      await waitFor(() => gw.logs.some((line) => line.request_id === id));
      const line = gw.logs.find((entry) => entry.request_id === id) as Record<string, unknown>;
      expect((line.usage as { prompt: number }).prompt).toBe(data.usage.prompt_tokens);
      expect(line.usage_estimated).toBe(true);
      expect(line.cost_usd as number).toBeCloseTo(cost, 12);
    }
  });

  it('fails over from an answer that does not hold one vector per input', async () => {
    for (const broken of ['one-based', 'short'] as const) {
      mode = broken;
      for (const encoding_format of ['float', 'base64'] as const) {
        const before = backup.requests.length;
        const { data, response } = await gw.client.embeddings
          .create({ model: 'embed', input: ['a', 'b'], encoding_format })
          .withResponse();
        expect(response.headers.get('x-switchyard-provider'), `${broken} ${encoding_format}`).toBe('backup');
        expect(data.data.map((row) => row.index)).toEqual([0, 1]);
        expect(backup.requests.length).toBe(before + 1);
      }
    }
  });
});
