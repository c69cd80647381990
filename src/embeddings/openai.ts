/**
 * OpenAI and OpenAI-compatible servers (docs/providers.md §12.1): a passthrough. The client's body goes
 * up with only `model` rewritten and the answer comes back unchanged when it is in the format asked
 * for; a compatible server that answers floats to a base64 request (or the reverse) is re-encoded,
 * since the SDK decodes what it asked for blindly ("answer exactly the format asked for").
 */
import { countTextTokens } from '../pricing/estimate.ts';
import { UpstreamProtocolError } from '../providers/types.ts';
import { decodeFloat32Base64 } from './encoding.ts';
import type { EmbeddingsAdapter, EmbeddingsRequest } from './types.ts';

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
    // Checked even when the body goes out as it came: a malformed answer fails over, never reaches the client.
    const order = rowOrder(data, request.input.length);
    const tokens = promptTokensOf(body, request);
    // An answer without usage is re-encoded, so the client reads the usage it is billed for.
    const passthrough = !tokens.promptTokensCounted && data.every((row) => typeof row.embedding === wanted);
    return {
      passthrough,
      vectors: passthrough ? [] : vectorsOf(data, order),
      ...tokens,
      model: typeof body.model === 'string' ? body.model : '',
    };
  },
};

/**
 * The prompt tokens the provider reported; when it reported none (many self-hosted compatible servers),
 * the gateway's own count of the input, so a priced model is never free: texts with o200k and no chat
 * framing, token arrays by their length.
 */
export function promptTokensOf(
  body: OpenAIEmbeddingsBody,
  request: EmbeddingsRequest,
): { promptTokens: number; promptTokensCounted: boolean } {
  const reported = body.usage?.prompt_tokens;
  if (typeof reported === 'number') return { promptTokens: reported, promptTokensCounted: false };
  const promptTokens = request.tokens
    ? (request.input as number[][]).reduce((sum, tokens) => sum + tokens.length, 0)
    : countTextTokens(request.input as string[]);
  return { promptTokens, promptTokensCounted: true };
}

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

/**
 * Where each row goes: its `index` when given, else its position. Exactly one row per input: an index
 * outside `[0, inputs)`, one given twice, or a row count other than `inputs` is a malformed answer
 * (UpstreamProtocolError: the attempt fails over), never a 200 with holes or extra rows.
 */
export function rowOrder(data: NonNullable<OpenAIEmbeddingsBody['data']>, inputs: number): number[] {
  if (data.length !== inputs)
    throw new UpstreamProtocolError(`embeddings answer has ${data.length} rows for ${inputs} inputs`);
  const seen = new Array<boolean>(inputs).fill(false);
  return data.map((row, position) => {
    if (row === null || typeof row !== 'object')
      throw new UpstreamProtocolError(`embeddings answer row ${position} is not an object`);
    const index = row.index === undefined ? position : row.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= inputs)
      throw new UpstreamProtocolError(`embeddings answer row ${position} has index ${String(index)}`);
    if (seen[index] === true) throw new UpstreamProtocolError(`embeddings answer has index ${index} twice`);
    seen[index] = true;
    return index;
  });
}

/** Vectors in input order (`order` from rowOrder), floats or base64 alike. */
export function vectorsOf(data: NonNullable<OpenAIEmbeddingsBody['data']>, order: number[]): number[][] {
  const vectors: number[][] = new Array<number[]>(order.length);
  data.forEach((row, position) => {
    const index = order[position] as number;
    const embedding = row.embedding;
    if (typeof embedding === 'string') vectors[index] = decodeFloat32Base64(embedding);
    else if (Array.isArray(embedding)) vectors[index] = embedding as number[];
    else throw new UpstreamProtocolError(`embeddings answer row ${position} has no embedding`);
  });
  return vectors;
}
