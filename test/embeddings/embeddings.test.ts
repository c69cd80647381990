import { describe, expect, it } from 'vitest';
import { decodeFloat32Base64, float32Base64 } from '../../src/embeddings/encoding.ts';
import { geminiEmbeddings } from '../../src/embeddings/gemini.ts';
import { mistralEmbeddings, qwenEmbeddings } from '../../src/embeddings/openai-dialect.ts';
import { openaiEmbeddings } from '../../src/embeddings/openai.ts';
import { parseEmbeddingsRequest } from '../../src/embeddings/request.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { UpstreamProtocolError } from '../../src/providers/types.ts';
import { thrown } from '../helpers/thrown.ts';

const call = (basePath: string) => ({
  target: { provider: 'p', model: 'emb', baseUrl: 'http://x', origin: 'http://x', basePath },
  headers: { authorization: 'Bearer k' },
});
const parse = (body: unknown) => parseEmbeddingsRequest(Buffer.from(JSON.stringify(body)));

describe('embeddings', () => {
  it('encodes base64 as OpenAI does (little-endian float32)', () => {
    // docs/providers.md §12.1: [0.25, -0.5, 1.0] is "AACAPgAAAL8AAIA/".
    expect(float32Base64([0.25, -0.5, 1])).toBe('AACAPgAAAL8AAIA/');
    expect(decodeFloat32Base64('AACAPgAAAL8AAIA/')).toEqual([0.25, -0.5, 1]);
  });

  it('parses every input form and refuses bad ones with the param', () => {
    expect(parse({ model: 'm', input: 'a' }).embeddings).toMatchObject({
      input: ['a'],
      tokens: false,
      encodingFormat: 'float',
    });
    expect(parse({ model: 'm', input: [1, 2] }).embeddings).toMatchObject({ input: [[1, 2]], tokens: true });
    expect(parse({ model: 'm', input: [[1], [2, 3]], encoding_format: 'base64' }).embeddings).toMatchObject({
      input: [[1], [2, 3]],
      tokens: true,
      encodingFormat: 'base64',
    });
    for (const [body, param] of [
      [{ model: 'm', input: '' }, 'input'],
      [{ model: 'm', input: [] }, 'input'],
      [{ model: 'm', input: 'a', encoding_format: 'int8' }, 'encoding_format'],
      [{ model: 'm', input: 'a', dimensions: 0 }, 'dimensions'],
      [{ input: 'a' }, 'model'],
    ] as const) {
      const error = thrown(() => parse(body)) as GatewayError;
      expect(error.status, JSON.stringify(body)).toBe(400);
      expect(error.param, JSON.stringify(body)).toBe(param);
    }
  });

  it('passes the OpenAI body through with only the model rewritten', () => {
    const { embeddings, native } = parse({ model: 'virtual', input: ['a'], dimensions: 8, user: 'u' });
    const request = openaiEmbeddings.toRequest(embeddings, native, call('/v1'));
    expect(request.path).toBe('/v1/embeddings');
    expect(JSON.parse(request.body ?? '')).toEqual({ model: 'emb', input: ['a'], dimensions: 8, user: 'u' });
    const answer =
      '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5]}],"model":"emb-1","usage":{"prompt_tokens":3,"total_tokens":3}}';
    expect(openaiEmbeddings.fromResponse(answer, embeddings)).toEqual({
      passthrough: true,
      vectors: [],
      promptTokens: 3,
      promptTokensCounted: false,
      model: 'emb-1',
    });
    // A server that answers floats to a base64 request is re-encoded, not relayed.
    const base64 = parse({ model: 'virtual', input: ['a'], encoding_format: 'base64' }).embeddings;
    expect(openaiEmbeddings.fromResponse(answer, base64)).toMatchObject({
      passthrough: false,
      vectors: [[0.5]],
    });
    expect(() => openaiEmbeddings.fromResponse('<html>', embeddings)).toThrow(UpstreamProtocolError);
  });

  it('builds Gemini batchEmbedContents and reads positional vectors', () => {
    const { embeddings, native } = parse({ model: 'virtual', input: ['a', 'b'], dimensions: 4 });
    const request = geminiEmbeddings.toRequest(embeddings, native, call(''));
    expect(request.path).toBe('/v1beta/models/emb:batchEmbedContents');
    expect(JSON.parse(request.body ?? '')).toEqual({
      requests: [
        { model: 'models/emb', content: { parts: [{ text: 'a' }] }, outputDimensionality: 4 },
        { model: 'models/emb', content: { parts: [{ text: 'b' }] }, outputDimensionality: 4 },
      ],
    });
    const read = geminiEmbeddings.fromResponse('{"embeddings":[{"values":[1]},{"values":[2]}]}', embeddings);
    expect(read.vectors).toEqual([[1], [2]]);
    expect(read.promptTokens).toBeGreaterThan(0);
    expect(
      geminiEmbeddings.fromResponse(
        '{"embeddings":[{"values":[1]},{"values":[2]}],"usageMetadata":{"promptTokenCount":5}}',
        embeddings,
      ).promptTokens,
    ).toBe(5);
    expect(() => geminiEmbeddings.fromResponse('{"embeddings":[{"values":[1]}]}', embeddings)).toThrow(
      UpstreamProtocolError,
    );
    const tokens = parse({ model: 'v', input: [1, 2] });
    expect(
      (thrown(() => geminiEmbeddings.toRequest(tokens.embeddings, tokens.native, call(''))) as GatewayError)
        .param,
    ).toBe('input');
    const many = parse({ model: 'v', input: Array.from({ length: 101 }, (_, i) => `t${i}`) });
    expect(thrown(() => geminiEmbeddings.toRequest(many.embeddings, many.native, call('')))).toBeInstanceOf(
      GatewayError,
    );
  });

  it('asks Mistral and Qwen for floats with the fields each accepts', () => {
    const { embeddings, native } = parse({
      model: 'virtual',
      input: 'a',
      dimensions: 64,
      encoding_format: 'base64',
      user: 'u',
    });
    expect(JSON.parse(mistralEmbeddings.toRequest(embeddings, native, call('/v1')).body ?? '')).toEqual({
      model: 'emb',
      input: ['a'],
      encoding_format: 'float',
      output_dimension: 64,
    });
    expect(
      JSON.parse(qwenEmbeddings.toRequest(embeddings, native, call('/compatible-mode/v1')).body ?? ''),
    ).toEqual({
      model: 'emb',
      input: ['a'],
      encoding_format: 'float',
      dimensions: 64,
    });
    const many = parse({ model: 'v', input: Array.from({ length: 11 }, (_, i) => `t${i}`) });
    expect(thrown(() => qwenEmbeddings.toRequest(many.embeddings, many.native, call('')))).toBeInstanceOf(
      GatewayError,
    );
  });

  // Embeddings/dashboard audit item 2: a compatible server without `usage` made embeddings free.
  it('counts the input when the provider reports no usage, and says so', () => {
    const texts = parse({ model: 'v', input: ['a long text to embed here', 'b'] }).embeddings;
    const noUsage = '{"data":[{"index":0,"embedding":[0.5]},{"index":1,"embedding":[0.25]}],"model":"m"}';
    const read = openaiEmbeddings.fromResponse(noUsage, texts);
    expect(read.promptTokensCounted).toBe(true);
    expect(read.promptTokens).toBe(7);
    // Re-encoded, so the client reads the usage it is billed for.
    expect(read.passthrough).toBe(false);
    expect(read.vectors).toEqual([[0.5], [0.25]]);
    const tokens = parse({ model: 'v', input: [[1, 2, 3], [4]] }).embeddings;
    expect(openaiEmbeddings.fromResponse(noUsage, tokens)).toMatchObject({
      promptTokens: 4,
      promptTokensCounted: true,
    });
    expect(mistralEmbeddings.fromResponse(noUsage, texts)).toMatchObject({
      promptTokens: 7,
      promptTokensCounted: true,
    });
    expect(
      geminiEmbeddings.fromResponse('{"embeddings":[{"values":[1]},{"values":[2]}]}', texts)
        .promptTokensCounted,
    ).toBe(true);
  });

  it('counts Gemini texts without chat framing: "hello" is about one token, not ten', () => {
    const hello = parse({ model: 'v', input: ['hello'] }).embeddings;
    const read = geminiEmbeddings.fromResponse('{"embeddings":[{"values":[1]}]}', hello);
    // o200k says 1; Gemini's tokenizer factor (1.15) rounds it up to 2.
    expect(read.promptTokens).toBe(2);
    const texts = parse({ model: 'v', input: ['a long text to embed here', 'b'] }).embeddings;
    // 7 o200k tokens × 1.15, rounded up.
    expect(
      geminiEmbeddings.fromResponse('{"embeddings":[{"values":[1]},{"values":[2]}]}', texts).promptTokens,
    ).toBe(9);
  });

  // Embeddings/dashboard audit item 7: rows out of range or missing came back as a 200.
  it('refuses an answer without exactly one vector per input as a protocol error', () => {
    const two = parse({ model: 'v', input: ['a', 'b'] }).embeddings;
    const twoBase64 = parse({ model: 'v', input: ['a', 'b'], encoding_format: 'base64' }).embeddings;
    const usage = '"usage":{"prompt_tokens":2,"total_tokens":2}';
    const malformed = [
      `{"data":[{"index":1,"embedding":[1]},{"index":2,"embedding":[2]}],${usage}}`,
      `{"data":[{"index":0,"embedding":[1]}],${usage}}`,
      `{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[2]}],${usage}}`,
      `{"data":[{"index":0,"embedding":[1]},{"index":1,"embedding":[2]},{"index":2,"embedding":[3]}],${usage}}`,
      `{"data":[{"index":-1,"embedding":[1]},{"index":0.5,"embedding":[2]}],${usage}}`,
    ];
    for (const body of malformed) {
      for (const request of [two, twoBase64])
        expect(() => openaiEmbeddings.fromResponse(body, request), body).toThrow(UpstreamProtocolError);
      expect(() => mistralEmbeddings.fromResponse(body, two), body).toThrow(UpstreamProtocolError);
      expect(() => qwenEmbeddings.fromResponse(body, two), body).toThrow(UpstreamProtocolError);
    }
    // Rows out of order by index are put back in input order.
    const swapped = `{"data":[{"index":1,"embedding":[2]},{"index":0,"embedding":[1]}],${usage}}`;
    expect(qwenEmbeddings.fromResponse(swapped, two).vectors).toEqual([[1], [2]]);
  });
});
