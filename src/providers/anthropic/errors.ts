/**
 * Anthropic error classification (docs/providers.md §2.8). The body is
 * `{"type":"error","error":{"type":…,"message":…},"request_id":…}`; `error.type` decides first, the
 * message refines `invalid_request_error` (Anthropic has no context-length or billing code of its own
 * on a 400), and the status decides when the body is not Anthropic's (a CDN 413 or 502 page).
 */
import { classifyStatus, failure, fallbackMessage, parseErrorBody } from '../shared/error-class.ts';
import { type HeaderBag, headerValue, parseRetryAfterMs } from '../shared/retry-after.ts';
import type { ErrorClass, UpstreamFailure } from '../types.ts';
import { ownValue } from '../shared/own-property.ts';

const TYPE_CLASS: Readonly<Record<string, ErrorClass>> = {
  // 400 — malformed or unsatisfiable request; refined by the message below.
  invalid_request_error: 'bad_request',
  // 401 — missing or wrong x-api-key.
  authentication_error: 'auth',
  // 402 — the organization's billing is in trouble: waiting does not help, like a bad key.
  billing_error: 'auth',
  // 403 — this request's model or feature is not open to the key: the client's answer (a 403), not
  // evidence that the key is bad, so it neither cools the key nor falls over (issue 10).
  permission_error: 'bad_request',
  // 404 — unknown model or path.
  not_found_error: 'bad_request',
  // 413 — body over the 32 MB Messages limit (usually the CDN answers, often without this body).
  request_too_large: 'bad_request',
  // 429 — the account's RPM/ITPM/OTPM or acceleration limit; has retry-after.
  rate_limit_error: 'rate_limited',
  // 500 — Anthropic internal error.
  api_error: 'server',
  // 504 — Anthropic timed out upstream of itself.
  timeout_error: 'timeout',
  // 529 — Anthropic-wide overload, not this account's limit: another provider can serve it now.
  overloaded_error: 'overloaded',
  // 409 — conflict the SDK retries.
  conflict_error: 'server',
};

/** The status an in-stream `event: error` would have had as an HTTP answer. */
const TYPE_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

// Anthropic, 400: "prompt is too long: 210000 tokens > 200000 maximum"; "input length and
// `max_tokens` exceed context limit: 198000 + 8192 > 200000".
const CONTEXT_LENGTH = /prompt is too long|exceed(?:s|ed)? (?:the )?context (?:limit|window)|context window/i;
// Anthropic, 400 (older models, also mid-stream): "Output blocked by content filtering policy".
const CONTENT_FILTER = /content filtering policy/i;
// Anthropic, 400: "Your credit balance is too low to access the Anthropic API…"; "You have reached
// your specified API usage limits…" — account states that no retry clears.
const ACCOUNT_LIMIT = /credit balance is too low|reached your specified (?:api )?usage limits|spend limit/i;
// Anthropic messages name the field first: "max_tokens: Field required", "messages.1.content: …".
const LEADING_PARAM = /^([a-z_][\w]*(?:\.[\w]+)*): /;

interface AnthropicErrorObject {
  type?: unknown;
  message?: unknown;
}

export function classifyAnthropicError(
  status: number,
  headers: HeaderBag,
  bodyText: string,
): UpstreamFailure {
  const body = parseErrorBody(bodyText) as { error?: AnthropicErrorObject } | undefined;
  const type = typeof body?.error?.type === 'string' ? body.error.type : null;
  const message =
    typeof body?.error?.message === 'string' && body.error.message !== ''
      ? body.error.message
      : fallbackMessage('anthropic', status, bodyText);
  const errorClass = classifyAnthropicBody(status, type, message);
  const retryAfterMs =
    parseRetryAfterMs(headers) ?? (errorClass === 'rate_limited' ? rateLimitResetMs(headers) : undefined);
  const extra: { code: string | null; param: string | null; retryAfterMs?: number } = {
    code: type,
    param: LEADING_PARAM.exec(message)?.[1] ?? null,
  };
  if (retryAfterMs !== undefined) extra.retryAfterMs = retryAfterMs;
  return failure(errorClass, status, message, headers, extra);
}

/** An in-band `event: error` (docs/providers.md §2.7): same body shape, after a 200. */
export function failureFromAnthropicStreamError(data: string): UpstreamFailure {
  const body = parseErrorBody(data) as { error?: AnthropicErrorObject } | undefined;
  const type = typeof body?.error?.type === 'string' ? body.error.type : null;
  const message =
    typeof body?.error?.message === 'string' && body.error.message !== ''
      ? body.error.message
      : 'Anthropic reported an error mid-stream';
  const status = (type !== null ? ownValue(TYPE_STATUS, type) : undefined) ?? 500;
  return {
    errorClass: classifyAnthropicBody(status, type, message),
    status,
    message,
    code: type,
    param: null,
    retryAfterMs: undefined,
  };
}

function classifyAnthropicBody(status: number, type: string | null, message: string): ErrorClass {
  if (type === 'invalid_request_error' || (type === null && status === 400)) {
    if (CONTEXT_LENGTH.test(message)) return 'context_length';
    if (CONTENT_FILTER.test(message)) return 'content_filter';
    if (ACCOUNT_LIMIT.test(message)) return 'auth';
    return 'bad_request';
  }
  return (type !== null ? ownValue(TYPE_CLASS, type) : undefined) ?? classifyStatus(status);
}

const RESET_DIMENSIONS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;

/**
 * A 429 without retry-after: wait until the exhausted dimension refills (docs/providers.md §8 step 5).
 * Anthropic's resets are RFC 3339 instants, measured against the response's own `date` header so no
 * local clock is involved; the longest exhausted one wins, else the longest of all.
 */
function rateLimitResetMs(headers: HeaderBag): number | undefined {
  const dateHeader = headerValue(headers, 'date');
  const now = dateHeader !== undefined ? Date.parse(dateHeader) : Number.NaN;
  if (Number.isNaN(now)) return undefined;
  let exhausted: number | undefined;
  let any: number | undefined;
  for (const dimension of RESET_DIMENSIONS) {
    const reset = headerValue(headers, `anthropic-ratelimit-${dimension}-reset`);
    const at = reset !== undefined ? Date.parse(reset) : Number.NaN;
    if (Number.isNaN(at)) continue;
    const waitMs = Math.max(0, at - now);
    any = Math.max(any ?? 0, waitMs);
    if (headerValue(headers, `anthropic-ratelimit-${dimension}-remaining`) === '0')
      exhausted = Math.max(exhausted ?? 0, waitMs);
  }
  return exhausted ?? any;
}
