/**
 * POST /v1/embeddings for the fake Mistral (docs/providers.md §12.3): only `model`, `input` (string or
 * strings), `output_dimension`, `output_dtype`, `encoding_format` and `metadata` are accepted (anything
 * else is pydantic's `extra_forbidden`, 422); `mistral-embed` has a fixed 1024 and refuses
 * `output_dimension` with Mistral's 400; the answer carries floats and Mistral's usage object.
 */
import { embeddingTokens, fakeVector } from '../shared/embeddings.ts';
import type { FakeExchange } from '../shared/fake-server.ts';
import {
  errorForStatus,
  extraForbidden,
  mistralError,
  type MistralErrorResponse,
  wrongType,
} from './errors.ts';

const ACCEPTED = new Set([
  'model',
  'input',
  'output_dimension',
  'output_dtype',
  'encoding_format',
  'metadata',
]);

export async function handleMistralEmbeddings(
  exchange: FakeExchange,
  checkKey: () => MistralErrorResponse | undefined,
  headers: Record<string, string>,
): Promise<void> {
  const fail = (error: MistralErrorResponse): void =>
    exchange.sendJsonNow(error.status, error.body, { ...headers, ...error.headers });
  const raw = exchange.body.kind === 'json' ? exchange.body.value : undefined;
  const fields = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const model = typeof fields.model === 'string' ? fields.model : '';
  const script = exchange.takeScript(model || undefined);
  if (await exchange.applyEarlyFault(script, { streaming: false, errorFor: errorForStatus, headers })) return;
  const auth = checkKey();
  if (auth !== undefined) return fail(auth);
  if (exchange.body.kind !== 'json') return fail(mistralError(400, 'Invalid JSON body'));
  for (const key of Object.keys(fields))
    if (!ACCEPTED.has(key)) return fail(extraForbidden([key], fields[key]));
  const input = fields.input;
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0 || texts.some((text) => typeof text !== 'string'))
    return fail(
      wrongType(['input'], 'string_type', 'Input should be a valid string or list of strings', input),
    );
  let dimensions = model.startsWith('codestral-embed') ? 1536 : 1024;
  if (fields.output_dimension != null) {
    if (!model.startsWith('codestral-embed'))
      return fail(
        mistralError(400, 'This model does not support output_dimension.', {
          type: 'invalid_request_invalid_args',
          code: '3051',
        }),
      );
    dimensions = Math.min(Number(fields.output_dimension), 3072);
  }
  // What Mistral does with base64 is unverified (§12.3); the fake refuses it so a client that relies on
  // it (rather than asking for floats) is caught.
  if (fields.encoding_format === 'base64')
    return fail(mistralError(400, 'encoding_format base64 is not supported.', { code: '3051' }));
  const tokens = embeddingTokens(texts as string[]);
  await exchange.sendJson(
    200,
    {
      id: exchange.ids.hex(32),
      object: 'list',
      data: (texts as string[]).map((text, index) => ({
        object: 'embedding',
        embedding: fakeVector(text, dimensions),
        index,
      })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, request_count: null },
    },
    { script, headers },
  );
}
