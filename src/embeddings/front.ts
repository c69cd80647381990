/**
 * POST /v1/embeddings as a front (src/fronts/types.ts): the same stages as chat (auth, model
 * resolution, limits, the budget estimate, the attempt loop with its retries and fallback, cost and
 * the log), with an embeddings adapter per provider type instead of the chat adapter. A target whose
 * provider has no embeddings (Anthropic, DeepSeek) is skipped like any target that cannot express a
 * request; with none left the client gets that 400, and no upstream was called.
 */
import { embeddingsNotSupported } from '../errors/codes.ts';
import type { ProviderType } from '../providers/registry.ts';
import type { Front, FrontAnswer, FrontCall, FrontRequest } from '../fronts/types.ts';
import { float32Base64 } from './encoding.ts';
import { geminiEmbeddings } from './gemini.ts';
import { mistralEmbeddings, qwenEmbeddings } from './openai-dialect.ts';
import { openaiEmbeddings } from './openai.ts';
import { parseEmbeddingsRequest } from './request.ts';
import type { EmbeddingsAdapter, EmbeddingsRequest } from './types.ts';

/** The embeddings adapter of each provider type; absent: the provider offers none (§12.5). */
export const embeddingsAdapters: Readonly<Partial<Record<ProviderType, EmbeddingsAdapter>>> = {
  openai: openaiEmbeddings,
  'openai-compatible': openaiEmbeddings,
  gemini: geminiEmbeddings,
  mistral: mistralEmbeddings,
  qwen: qwenEmbeddings,
};

/** The parsed request of each body in flight, keyed by the client's body object (parse runs once). */
const parsed = new WeakMap<object, EmbeddingsRequest>();

function parse(body: Buffer): FrontRequest {
  const { embeddings, chat, native } = parseEmbeddingsRequest(body);
  parsed.set(native, embeddings);
  return { request: chat, stream: false, native };
}

function requestOf(front: FrontCall): EmbeddingsRequest {
  const request = parsed.get(front.native);
  if (request === undefined) throw new Error('embeddings request used before it was parsed');
  return request;
}

function adapterFor(front: FrontCall): EmbeddingsAdapter {
  const provider = front.target.provider;
  const adapter = embeddingsAdapters[provider.type];
  if (adapter === undefined) throw embeddingsNotSupported(provider.name, front.target.id);
  return adapter;
}

function answer(front: FrontCall, bodyText: string): FrontAnswer {
  const request = requestOf(front);
  const read = adapterFor(front).fromResponse(bodyText, request);
  const model = read.model || front.target.adapterTarget.model;
  const usage = { prompt_tokens: read.promptTokens, completion_tokens: 0, total_tokens: read.promptTokens };
  let body: string | undefined;
  if (!read.passthrough) {
    const base64 = request.encodingFormat === 'base64';
    body = JSON.stringify({
      object: 'list',
      data: read.vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? float32Base64(vector) : vector,
      })),
      model,
      usage: { prompt_tokens: read.promptTokens, total_tokens: read.promptTokens },
    });
  }
  // No usage from the provider: the gateway's count, billed and logged as estimated.
  const usageEstimated = read.promptTokensCounted === true;
  return { body, usage, usageEstimated, finishReason: null, rawFinishReason: null, model };
}

export const embeddingsFront: Front = {
  name: 'embeddings',
  parse,
  toUpstream: (front, call) => adapterFor(front).toRequest(requestOf(front), front.native, call),
  answer,
  // parse() never asks for a stream, so the pipeline never opens one for embeddings.
  openStream() {
    throw new Error('embeddings do not stream');
  },
  // OpenAI's own envelope, the one the pipeline writes for chat.
  errorResponse: (error) => ({ status: error.status, body: JSON.stringify(error.toEnvelope()) }),
  streamError() {
    throw new Error('embeddings do not stream');
  },
};
