/**
 * Gemini `:batchEmbedContents` (docs/providers.md §12.2): one sub-request per text, each naming the
 * model as `models/{id}` (the API requires it to equal the path's), `dimensions` as
 * `outputDimensionality`; at most 100 per request. Vectors come back positionally. The Gemini API
 * reports no usage for most embedding models, so prompt tokens are counted here (o200k, times the
 * estimate's Gemini factor) when `usageMetadata` is absent.
 */
import { unsupportedParameter } from '../errors/codes.ts';
import { countTextTokens, TOKENIZER_FACTOR } from '../pricing/estimate.ts';
import { modelResource } from '../providers/gemini/request.ts';
import { UpstreamProtocolError } from '../providers/types.ts';
import type { EmbeddingsAdapter } from './types.ts';

export const GEMINI_MAX_INPUTS = 100;

interface BatchEmbedBody {
  embeddings?: Array<{ values?: unknown }>;
  usageMetadata?: { promptTokenCount?: unknown };
}

export const geminiEmbeddings: EmbeddingsAdapter = {
  toRequest(request, _native, call) {
    if (request.tokens)
      throw unsupportedParameter('input', 'gemini', 'token arrays have no equivalent; send text');
    if (request.input.length > GEMINI_MAX_INPUTS)
      throw unsupportedParameter('input', 'gemini', `at most ${GEMINI_MAX_INPUTS} inputs per request`);
    const resource = modelResource(call.target.model);
    const requests = (request.input as string[]).map((text) => {
      const sub: Record<string, unknown> = { model: resource, content: { parts: [{ text }] } };
      if (request.dimensions !== undefined) sub.outputDimensionality = request.dimensions;
      return sub;
    });
    return {
      method: 'POST',
      path: `${call.target.basePath}/v1beta/${resource}:batchEmbedContents`,
      headers: call.headers as Record<string, string>,
      body: JSON.stringify({ requests }),
    };
  },
  fromResponse(bodyText, request) {
    let body: BatchEmbedBody;
    try {
      body = JSON.parse(bodyText) as BatchEmbedBody;
    } catch (cause) {
      throw new UpstreamProtocolError('batchEmbedContents answer is not JSON', { cause });
    }
    const rows = body?.embeddings;
    if (!Array.isArray(rows) || rows.length !== request.input.length)
      throw new UpstreamProtocolError('batchEmbedContents answer does not hold one embedding per input');
    const vectors = rows.map((row, index) => {
      if (!Array.isArray(row.values)) throw new UpstreamProtocolError(`embedding ${index} has no values`);
      return row.values as number[];
    });
    const reported = body.usageMetadata?.promptTokenCount;
    const promptTokens =
      typeof reported === 'number'
        ? reported
        : // The texts alone, by the estimate's bounded counter (long texts are sampled, never tokenized
          // whole), without the chat framing a message would add: "hello" is 1 token, not 10.
          Math.ceil(countTextTokens(request.input as string[]) * (TOKENIZER_FACTOR.gemini ?? 1));
    return {
      passthrough: false,
      vectors,
      promptTokens,
      promptTokensCounted: typeof reported !== 'number',
      model: '',
    };
  },
};
