/**
 * Classification of Gemini's google.rpc.Status error body (docs/providers.md §3.7):
 * `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED","details":[…]}}`. The canonical
 * `status` string decides first, then the message for the cases one status covers several of, then
 * the HTTP status alone. Gemini sends no retry-after header; the wait is in a RetryInfo detail.
 */
import { classifyStatus, failure, fallbackMessage, parseErrorBody } from '../shared/error-class.ts';
import { type HeaderBag, parseDurationMs } from '../shared/retry-after.ts';
import type { ErrorClass, UpstreamFailure } from '../types.ts';
import type { GeminiErrorDetail, GeminiStatus } from './wire.ts';
import { ownValue } from '../shared/own-property.ts';

/** What each canonical status means to the attempt loop. */
const STATUS_CLASS: Record<string, ErrorClass> = {
  // Gemini: 429, per-minute/per-day quota and rate limits; RetryInfo says how long to wait.
  RESOURCE_EXHAUSTED: 'rate_limited',
  // Gemini: 503 "The model is overloaded. Please try again later."
  UNAVAILABLE: 'overloaded',
  // Gemini: 500, also for some very long contexts.
  INTERNAL: 'server',
  // Gemini: 504 when generation outlives the server's deadline.
  DEADLINE_EXCEEDED: 'timeout',
  // Gemini: 403 no access to the model, tuned model, file or cached content the request names: the
  // client's answer (a 403) and no evidence against the key (issue 10). A key blocked for the whole API
  // fails the health probe too, which takes it out of service (routing/health-probe.ts).
  PERMISSION_DENIED: 'bad_request',
  // Gemini: 401 for OAuth credentials; API keys get 400 INVALID_ARGUMENT API_KEY_INVALID instead.
  UNAUTHENTICATED: 'auth',
  // Gemini: 400 when the free tier is unavailable in the region or billing is required; only an
  // operator can fix the account, like a bad key.
  FAILED_PRECONDITION: 'auth',
  // Gemini: 404 for an unknown model or file.
  NOT_FOUND: 'bad_request',
  // Gemini: 400 for a malformed request, an unknown field, an unsupported value.
  INVALID_ARGUMENT: 'bad_request',
};

// Gemini: 400 INVALID_ARGUMENT "The input token count (1200000) exceeds the maximum number of tokens
// allowed (1048576)." [UNV: wording in docs/providers.md §3.7]; both phrasings seen in reports are matched.
const CONTEXT_LENGTH =
  /input token count.*exceeds|exceeds the maximum number of tokens|context (window|length)/i;
// Gemini: 400 INVALID_ARGUMENT "API key not valid. Please pass a valid API key." with an ErrorInfo
// detail whose reason is API_KEY_INVALID (§3.7).
const INVALID_KEY = /API key not valid|API_KEY_INVALID/i;

export function classifyGeminiError(status: number, headers: HeaderBag, bodyText: string): UpstreamFailure {
  const rpcStatus = statusFromBody(parseErrorBody(bodyText));
  if (rpcStatus === undefined) {
    return failure(classifyStatus(status), status, fallbackMessage('gemini', status, bodyText), headers);
  }
  return failureFromGeminiStatus(rpcStatus, status, headers);
}

/** One google.rpc.Status as a failure; also used for an error that arrives inside a 200 stream. */
export function failureFromGeminiStatus(
  rpcStatus: GeminiStatus,
  httpStatus: number,
  headers: HeaderBag = {},
): UpstreamFailure {
  const status = typeof rpcStatus.code === 'number' && httpStatus === 200 ? rpcStatus.code : httpStatus;
  const message =
    typeof rpcStatus.message === 'string' && rpcStatus.message !== ''
      ? rpcStatus.message
      : `gemini returned ${rpcStatus.status ?? `HTTP ${status}`}`;
  const code = typeof rpcStatus.status === 'string' ? rpcStatus.status : null;
  const details = Array.isArray(rpcStatus.details) ? rpcStatus.details : [];
  const retryAfterMs = retryDelayMs(details);
  return failure(classifyRpcStatus(status, code, message, details), status, message, headers, {
    code,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

function classifyRpcStatus(
  status: number,
  code: string | null,
  message: string,
  details: ReadonlyArray<GeminiErrorDetail>,
): ErrorClass {
  if (code === 'INVALID_ARGUMENT' || (code === null && status === 400)) {
    if (INVALID_KEY.test(message) || details.some((d) => d.reason === 'API_KEY_INVALID')) return 'auth';
    if (CONTEXT_LENGTH.test(message)) return 'context_length';
    return 'bad_request';
  }
  const mapped = code === null ? undefined : ownValue(STATUS_CLASS, code);
  return mapped ?? classifyStatus(status);
}

/** `{"error":{…}}`, or the same wrapped in an array (the non-SSE stream form, §3.1). */
function statusFromBody(body: unknown): GeminiStatus | undefined {
  const root = Array.isArray(body) ? body[0] : body;
  const error = (root as { error?: unknown } | undefined)?.error;
  return typeof error === 'object' && error !== null ? (error as GeminiStatus) : undefined;
}

/** google.rpc.RetryInfo.retryDelay is a protobuf Duration in JSON: `"34.4s"` (docs/providers.md §8 step 3). */
function retryDelayMs(details: ReadonlyArray<GeminiErrorDetail>): number | undefined {
  for (const detail of details) {
    if (typeof detail['@type'] === 'string' && detail['@type'].endsWith('google.rpc.RetryInfo')) {
      if (typeof detail.retryDelay === 'string') return parseDurationMs(detail.retryDelay);
    }
  }
  return undefined;
}
