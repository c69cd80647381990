/**
 * Mistral and Qwen (docs/providers.md §12.3, §12.4): OpenAI-shaped embeddings endpoints that take only
 * floats reliably and reject fields they do not know, so the body is rebuilt with what each accepts
 * and the gateway encodes base64 itself. Qwen takes at most 10 inputs per request.
 */
import { unsupportedParameter } from '../errors/codes.ts';
import type { AdapterCall, UpstreamRequest } from '../providers/types.ts';
import { parseOpenAIShape, promptTokensOf, rowOrder, vectorsOf } from './openai.ts';
import type { Embeddings, EmbeddingsAdapter, EmbeddingsRequest } from './types.ts';

function textsOnly(request: EmbeddingsRequest, provider: string): string[] {
  if (request.tokens)
    throw unsupportedParameter('input', provider, 'token arrays have no equivalent; send text');
  return request.input as string[];
}

function post(call: AdapterCall, body: Record<string, unknown>): UpstreamRequest {
  return {
    method: 'POST',
    path: `${call.target.basePath}/embeddings`,
    headers: call.headers as Record<string, string>,
    body: JSON.stringify(body),
  };
}

function read(bodyText: string, request: EmbeddingsRequest): Embeddings & { passthrough: boolean } {
  const body = parseOpenAIShape(bodyText);
  const data = body.data ?? [];
  return {
    passthrough: false,
    vectors: vectorsOf(data, rowOrder(data, request.input.length)),
    ...promptTokensOf(body, request),
    model: typeof body.model === 'string' ? body.model : '',
  };
}

export const mistralEmbeddings: EmbeddingsAdapter = {
  toRequest(request, _native, call) {
    const body: Record<string, unknown> = {
      model: call.target.model,
      input: textsOnly(request, 'mistral'),
      encoding_format: 'float',
    };
    // Mistral's name for it; models with a fixed size refuse it with their own 400 (§12.3).
    if (request.dimensions !== undefined) body.output_dimension = request.dimensions;
    return post(call, body);
  },
  fromResponse: read,
};

/** DashScope's bound for text-embedding-v3/v4 (§12.4). */
export const QWEN_MAX_INPUTS = 10;

export const qwenEmbeddings: EmbeddingsAdapter = {
  toRequest(request, _native, call) {
    const input = textsOnly(request, 'qwen');
    if (input.length > QWEN_MAX_INPUTS)
      throw unsupportedParameter('input', 'qwen', `at most ${QWEN_MAX_INPUTS} inputs per request`);
    const body: Record<string, unknown> = { model: call.target.model, input, encoding_format: 'float' };
    if (request.dimensions !== undefined) body.dimensions = request.dimensions;
    return post(call, body);
  },
  fromResponse: read,
};
