/**
 * OpenAI and OpenAI-compatible servers (docs/providers.md §12.1): a passthrough. The client's body goes
 * up with only `model` rewritten and the answer comes back unchanged when it is in the format asked
 * for; a compatible server that answers floats to a base64 request (or the reverse) is re-encoded,
 * since the SDK decodes what it asked for blindly ("answer exactly the format asked for").
 */
import { UpstreamProtocolError } from '../providers/types.ts';
import { decodeFloat32Base64 } from './encoding.ts';
import type { EmbeddingsAdapter } from './types.ts';

interface OpenAIEmbeddingsBody {
  data?: Array<{ embedding?: unknown; index?: unknown }>;
  model?: unknown;
  usage?: { prompt_tokens?: unknown };
}

export const openaiEmbeddings: EmbeddingsAdapter = {
  toRequest: (_request, native, call) => ({
    method: 'POST',
    path: `${call.target.basePath}/embeddings`,
    headers: call.headers as Record<string, string>,
    body: JSON.stringify({ ...native, model: call.target.model }),
  }),
  fromResponse(bodyText, request) {
    const body = parseOpenAIShape(bodyText);
    const data = body.data ?? [];
    const wanted = request.encodingFormat === 'base64' ? 'string' : 'object';
    const passthrough =
      data.length === request.input.length && data.every((row) => typeof row.embedding === wanted);
    return {
      passthrough,
      vectors: passthrough ? [] : vectorsOf(data),
      promptTokens: typeof body.usage?.prompt_tokens === 'number' ? body.usage.prompt_tokens : 0,
      model: typeof body.model === 'string' ? body.model : '',
    };
  },
};

export function parseOpenAIShape(bodyText: string): OpenAIEmbeddingsBody {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (cause) {
    throw new UpstreamProtocolError('embeddings answer is not JSON', { cause });
  }
  if (body === null || typeof body !== 'object' || !Array.isArray((body as OpenAIEmbeddingsBody).data))
    throw new UpstreamProtocolError('embeddings answer has no data array');
  return body as OpenAIEmbeddingsBody;
}

/** Vectors in input order (by `index` when given), floats or base64 alike. */
export function vectorsOf(data: NonNullable<OpenAIEmbeddingsBody['data']>): number[][] {
  const vectors: number[][] = new Array<number[]>(data.length);
  data.forEach((row, position) => {
    const index = typeof row.index === 'number' ? row.index : position;
    const embedding = row.embedding;
    if (typeof embedding === 'string') vectors[index] = decodeFloat32Base64(embedding);
    else if (Array.isArray(embedding)) vectors[index] = embedding as number[];
    else throw new UpstreamProtocolError(`embeddings answer row ${position} has no embedding`);
  });
  return vectors;
}
