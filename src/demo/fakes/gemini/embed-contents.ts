/**
 * POST /v1beta/models/{model}:batchEmbedContents for the fake Gemini (docs/providers.md §12.2): every
 * sub-request must name the path's model as `models/{id}`, at most 100 of them, text parts only,
 * `outputDimensionality` truncates; unknown fields are refused as Google's JSON parser does. The answer
 * holds positional `embeddings[].values` and no usage, as captured gemini-embedding-001 bodies do.
 */
import { fakeVector } from '../shared/embeddings.ts';
import type { FakeExchange } from '../shared/fake-server.ts';
import { checkApiKey } from './auth.ts';
import { errorForStatus, type GoogleErrorResponse, invalidArgument, invalidJson } from './errors.ts';

const SUB_REQUEST_FIELDS = new Set(['model', 'content', 'taskType', 'title', 'outputDimensionality']);
const NATIVE_DIMENSIONS = 3072;
export const MAX_BATCH = 100;

export async function handleBatchEmbed(
  exchange: FakeExchange,
  keys: ReadonlySet<string> | undefined,
  model: string,
  headers: Record<string, string>,
): Promise<void> {
  const fail = (error: GoogleErrorResponse): void => exchange.sendJsonNow(error.status, error.body, headers);
  const script = exchange.takeScript(model);
  if (await exchange.applyEarlyFault(script, { streaming: false, errorFor: errorForStatus, headers })) return;
  const authError = checkApiKey(exchange.req.headers, exchange.query, keys);
  if (authError !== undefined) return fail(authError);
  if (exchange.body.kind !== 'json') return fail(invalidJson());
  const body = exchange.body.value as { requests?: unknown } | null;
  const requests = body?.requests;
  if (!Array.isArray(requests) || requests.length === 0)
    return fail(invalidArgument('* BatchEmbedContentsRequest.requests: requests is required'));
  if (requests.length > MAX_BATCH)
    return fail(
      invalidArgument(
        `* BatchEmbedContentsRequest.requests: at most ${MAX_BATCH} requests can be in one batch`,
      ),
    );
  const texts: string[] = [];
  const vectors: number[][] = [];
  for (const [index, sub] of requests.entries()) {
    const fields = (sub ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(fields))
      if (!SUB_REQUEST_FIELDS.has(key))
        return fail(
          invalidArgument(
            `Invalid JSON payload received. Unknown name "${key}" at 'requests[${index}]': Cannot find field.`,
          ),
        );
    if (fields.model === undefined)
      return fail(
        invalidArgument(`* BatchEmbedContentsRequest.requests[${index}].model: model is not specified`),
      );
    if (fields.model !== `models/${model}`)
      return fail(
        invalidArgument(
          `* BatchEmbedContentsRequest.requests[${index}].model: the model must be the same as the batch's (models/${model})`,
        ),
      );
    const parts = (fields.content as { parts?: Array<{ text?: unknown }> } | undefined)?.parts;
    if (!Array.isArray(parts) || parts.length === 0 || parts.some((part) => typeof part?.text !== 'string'))
      return fail(
        invalidArgument(`* BatchEmbedContentsRequest.requests[${index}].content: text parts are required`),
      );
    const text = parts.map((part) => part.text as string).join('');
    const size = fields.outputDimensionality;
    if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size < 1))
      return fail(invalidArgument(`* requests[${index}].outputDimensionality: must be a positive integer`));
    texts.push(text);
    // Truncated from the end, not re-normalised (as gemini-embedding-001 does below its native size).
    vectors.push(
      fakeVector(text, NATIVE_DIMENSIONS).slice(0, Math.min(size ?? NATIVE_DIMENSIONS, NATIVE_DIMENSIONS)),
    );
  }
  await exchange.sendJson(200, { embeddings: vectors.map((values) => ({ values })) }, { script, headers });
}
