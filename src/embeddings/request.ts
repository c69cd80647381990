/**
 * The OpenAI embeddings request (docs/providers.md §12.1), validated once on the way in. The normalized
 * ChatRequest made from it (one user message holding the texts, one output token) is what limits and
 * the budget estimate read, so the same stages apply to embeddings as to chat.
 */
import { z } from 'zod';
import { parseJsonObject } from '../protocol/json-body.ts';
import { type ChatRequest, MAX_MODEL_NAME_CHARS } from '../protocol/chat-request.ts';
import { requestError } from '../pipeline/validate.ts';
import type { EmbeddingsRequest } from './types.ts';

/** OpenAI's own bound on inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048;

const tokenArray = z.array(z.number().int().min(0)).min(1, 'must not be empty');

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1).max(MAX_MODEL_NAME_CHARS),
  input: z.union([
    z.string().min(1, 'must not be empty'),
    z.array(z.string().min(1, 'must not be empty')).min(1).max(MAX_EMBEDDING_INPUTS),
    tokenArray,
    z.array(tokenArray).min(1).max(MAX_EMBEDDING_INPUTS),
  ]),
  encoding_format: z.enum(['float', 'base64'], { error: "must be one of 'float' or 'base64'" }).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});

export function parseEmbeddingsRequest(body: Buffer): {
  embeddings: EmbeddingsRequest;
  chat: ChatRequest;
  native: Record<string, unknown>;
} {
  const json = parseJsonObject(body);
  const result = embeddingsRequestSchema.safeParse(json);
  if (!result.success) throw requestError(result.error.issues, json);
  const data = result.data;
  const raw = data.input;
  let input: string[] | number[][];
  let tokens = false;
  if (typeof raw === 'string') input = [raw];
  else if (typeof raw[0] === 'number') {
    input = [raw as number[]];
    tokens = true;
  } else if (Array.isArray(raw[0])) {
    input = raw as number[][];
    tokens = true;
  } else input = raw as string[];
  const embeddings: EmbeddingsRequest = {
    model: data.model,
    input,
    tokens,
    encodingFormat: data.encoding_format ?? 'float',
    dimensions: data.dimensions,
  };
  // Token arrays are counted at their length; texts by the estimate's tokenizer.
  const content = tokens
    ? 'x '.repeat((input as number[][]).reduce((sum, row) => sum + row.length, 0))
    : (input as string[]).join('\n');
  const chat: ChatRequest = { model: data.model, messages: [{ role: 'user', content }], max_tokens: 1 };
  return { embeddings, chat, native: json as Record<string, unknown> };
}
