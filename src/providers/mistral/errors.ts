/**
 * Mistral error classification (docs/providers.md §4.4). Mistral's body is not OpenAI's envelope: fields sit
 * at the top level with `"object":"error"`, `message` may be an object holding FastAPI's `detail[]`,
 * and its validation and gateway layers answer `{"detail":[…]}` (422) or `{"message":"Unauthorized"}`
 * alone. 429s may carry `retry-after`; the `x-ratelimit-*-minute` headers give no reset time.
 */
import { classifyStatus, failure } from '../shared/error-class.ts';
import { type DialectErrorFields, readDialectErrorValue } from '../shared/openai-dialect/errors.ts';
import { parseErrorBody } from '../shared/error-class.ts';
import type { HeaderBag } from '../shared/retry-after.ts';
import type { ErrorClass, UpstreamFailure } from '../types.ts';

interface Row {
  test: (status: number, error: DialectErrorFields) => boolean;
  errorClass: ErrorClass;
}

/** First match wins; the status table decides the rest. */
const ROWS: readonly Row[] = [
  // Mistral: 400 "Prompt contains 140000 tokens and max_tokens is 100, too large for model with 131072
  // maximum context length" (wording unverified, §10; both phrases are matched).
  {
    test: (s, e) =>
      (s === 400 || s === 422) &&
      /too large for model|maximum context length|context length|too many tokens/i.test(e.message),
    errorClass: 'context_length',
  },
  // Mistral: 429 `"type":"rate_limited"`, code "1300" "Rate limit exceeded" (also service-tier capacity).
  { test: (_s, e) => e.type === 'rate_limited' || e.code === '1300', errorClass: 'rate_limited' },
  // Mistral: 422 extra_forbidden / missing fields from its FastAPI validation — our request, not the server.
  { test: (s) => s === 422, errorClass: 'bad_request' },
  // Mistral: 503 `"type":"service_unavailable"` when its inference capacity is exhausted; the same
  // object can arrive inside a 200 stream.
  { test: (s, e) => s === 503 || e.type === 'service_unavailable', errorClass: 'overloaded' },
];

export function classifyMistralError(status: number, headers: HeaderBag, bodyText: string): UpstreamFailure {
  const body = parseErrorBody(bodyText);
  const error = readDialectErrorValue('mistral', status, body, bodyText);
  return failure(mistralErrorClass(status, error), status, error.message, headers, {
    code: error.code,
    param: error.param ?? validationParam(body),
  });
}

export function mistralErrorClass(status: number, error: DialectErrorFields): ErrorClass {
  for (const row of ROWS) if (row.test(status, error)) return row.errorClass;
  return classifyStatus(status);
}

/** FastAPI's `loc: ["body", "max_completion_tokens"]` names the field at fault. */
function validationParam(body: unknown): string | null {
  const record = body as { detail?: unknown; message?: { detail?: unknown } } | undefined;
  const detail = Array.isArray(record?.detail) ? record.detail : record?.message?.detail;
  if (!Array.isArray(detail)) return null;
  const loc = (detail[0] as { loc?: unknown } | undefined)?.loc;
  if (!Array.isArray(loc)) return null;
  const path = loc.filter((part) => part !== 'body').join('.');
  return path === '' ? null : path;
}

/** An error reported inside a 200 stream: `{"object":"error",…}` or OpenAI's `{"error":{…}}`. */
export function mistralInBandFailure(parsed: Record<string, unknown>): UpstreamFailure | undefined {
  if (parsed.object !== 'error' && (parsed.error === undefined || parsed.error === null)) return undefined;
  const error = readDialectErrorValue('mistral', 200, parsed);
  return {
    errorClass: mistralErrorClass(500, error),
    status: 200,
    message: error.message,
    code: error.code,
    param: error.param,
    retryAfterMs: undefined,
  };
}
