/**
 * The catalogue of every error code Switchyard emits. Codes are stable snake_case strings that clients
 * may branch on; the OpenAI-defined ones (`model_not_found`, `context_length_exceeded`, …) keep OpenAI's
 * meaning so existing client code keeps working.
 */
import { GatewayError } from './gateway-error.ts';

export function invalidRequest(
  message: string,
  param: string | null = null,
  code = 'invalid_request',
): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', code, message, param });
}

export function invalidJson(detail: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_json',
    message: `We could not parse the JSON body of your request: ${detail}`,
  });
}

export function unsupportedParameter(param: string, provider: string, why: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'unsupported_parameter',
    param,
    message: `'${param}' is not supported by provider '${provider}': ${why}`,
  });
}

export function modelNotFound(model: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: 'invalid_request_error',
    code: 'model_not_found',
    param: 'model',
    message: `The model '${model}' does not exist on this gateway. GET /v1/models lists the models you can use; 'provider/model' names a provider's model directly.`,
  });
}

/** A model name that cannot be a path segment upstream (`.`, `..`: proxies normalise them away). */
export function invalidModelName(model: string, why: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_model_name',
    param: 'model',
    message: `The model name '${model}' cannot be sent upstream: ${why}.`,
  });
}

export function modelNotAllowed(model: string): GatewayError {
  return new GatewayError({
    status: 403,
    type: 'permission_error',
    code: 'model_not_allowed',
    param: 'model',
    message: `Your key may not use the model '${model}'.`,
  });
}

export function bodyTooLarge(limitBytes: number): GatewayError {
  return new GatewayError({
    status: 413,
    type: 'invalid_request_error',
    code: 'request_too_large',
    message: `The request body is larger than this gateway's limit of ${limitBytes} bytes.`,
  });
}

export function unsupportedMediaType(contentType: string): GatewayError {
  return new GatewayError({
    status: 415,
    type: 'invalid_request_error',
    code: 'unsupported_media_type',
    message: `Expected 'content-type: application/json', got '${contentType}'.`,
  });
}

export function routeNotFound(method: string, path: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: 'invalid_request_error',
    code: 'unknown_url',
    message: `Unknown request URL: ${method} ${path}.`,
  });
}

/** `allowed` is the comma-separated method list; RFC 9110 §15.5.6 requires it in `Allow` on every 405. */
export function methodNotAllowed(method: string, path: string, allowed: string): GatewayError {
  return new GatewayError({
    status: 405,
    type: 'invalid_request_error',
    code: 'method_not_allowed',
    message: `${method} is not allowed on ${path}; use ${allowed}.`,
    headers: { allow: allowed },
  });
}

export function unsupportedContentEncoding(encoding: string): GatewayError {
  return new GatewayError({
    status: 415,
    type: 'invalid_request_error',
    code: 'unsupported_content_encoding',
    message: `The request body's content-encoding '${encoding}' is not supported; send it uncompressed or as gzip, deflate or br.`,
  });
}

export function malformedCompressedBody(encoding: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_content_encoding',
    message: `The request body is not valid ${encoding} data, as its content-encoding says it is.`,
  });
}

export function nestingTooDeep(param: string | null, maxDepth: number): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'nesting_too_deep',
    param,
    message: `The request body nests arrays and objects more than ${maxDepth} levels deep${param === null ? '' : ` (in '${param}')`}; ${maxDepth} is this gateway's limit.`,
  });
}

export function numberOutOfRange(param: string | null): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_value',
    param,
    message: `Invalid value for ${param === null ? 'the request' : `'${param}'`}: the number is out of range.`,
  });
}

export function missingHostHeader(): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'missing_host_header',
    message: 'An HTTP/1.1 request must carry a Host header; the connection is closed.',
  });
}

export function requestTimedOut(timeoutMs: number): GatewayError {
  return new GatewayError({
    status: 408,
    type: 'invalid_request_error',
    code: 'request_timeout',
    message: `The request did not arrive in full within ${timeoutMs} ms; the connection is closed.`,
  });
}

export function headersTooLarge(): GatewayError {
  return new GatewayError({
    status: 431,
    type: 'invalid_request_error',
    code: 'headers_too_large',
    message: 'The request headers are larger than this gateway accepts.',
  });
}

export function malformedHttp(): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'malformed_request',
    message: 'The request is not valid HTTP/1.1; the connection is closed.',
  });
}

export function invalidApiKey(): GatewayError {
  return new GatewayError({
    status: 401,
    type: 'authentication_error',
    code: 'invalid_api_key',
    message:
      'Missing, invalid or revoked API key. Send a virtual key as "Authorization: Bearer <key>" (or "x-api-key").',
  });
}

/** The admin API's 401: the same code as a virtual key's, with the advice that fits this door. */
export function invalidAdminKey(): GatewayError {
  return new GatewayError({
    status: 401,
    type: 'authentication_error',
    code: 'invalid_api_key',
    message: 'Missing or invalid admin key. Send server.admin_key as "Authorization: Bearer <admin key>".',
  });
}

const LIMIT_NAMES = {
  rpm: 'requests per minute',
  tpm: 'tokens per minute',
  concurrent: 'concurrent requests',
} as const;

/** A tenant over one of its rate limits (docs/design.md §1: 429 `rate_limit_exceeded`, with retry-after). */
export function rateLimitExceeded(
  limit: keyof typeof LIMIT_NAMES,
  value: number,
  retryAfterMs: number,
  headers?: Record<string, string>,
): GatewayError {
  return new GatewayError({
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    message: `Rate limit reached: your key allows ${value} ${LIMIT_NAMES[limit]}. Retry after the time in the retry-after header.`,
    retryAfterMs,
    headers,
  });
}

/** A tenant whose hard budget cannot fit this request (docs/design.md §1: 429 `budget_exceeded`, insufficient_quota). */
export function budgetExceeded(
  budgetUsd: number,
  period: 'day' | 'month',
  retryAfterMs: number,
  headers?: Record<string, string>,
): GatewayError {
  return new GatewayError({
    status: 429,
    type: 'insufficient_quota',
    code: 'budget_exceeded',
    message: `Your budget of $${budgetUsd} per ${period} (UTC) is spent, or this request's estimated cost does not fit what is left. It renews at the start of the next ${period}.`,
    retryAfterMs,
    headers,
  });
}

/** `limits.on_state_failure: closed` while the shared state does not answer. */
export function limitsUnavailable(): GatewayError {
  return new GatewayError({
    status: 503,
    type: 'server_error',
    code: 'limits_unavailable',
    message: 'Rate limits and budgets cannot be checked right now (shared state unreachable); retry shortly.',
    retryAfterMs: 1000,
  });
}

export function tenantNotFound(tenant: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: 'not_found_error',
    code: 'tenant_not_found',
    param: 'tenant',
    message: `There is no tenant '${tenant}': define it under tenants in the config, or create it with PUT /admin/tenants/${tenant}.`,
  });
}

export function keyNotFound(id: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: 'not_found_error',
    code: 'key_not_found',
    message: `There is no live virtual key with id '${id}'.`,
  });
}

/** The admin API needs the store for keys and tenants; a gateway started without one says so. */
export function storeNotConfigured(): GatewayError {
  return new GatewayError({
    status: 503,
    type: 'server_error',
    code: 'store_unavailable',
    message: 'This gateway has no store open, so it cannot create, list or revoke keys or tenants.',
  });
}

/** The store is configured but did not answer (down, unreachable, timed out): retry shortly. */
export function storeDidNotAnswer(why: string): GatewayError {
  return new GatewayError({
    status: 503,
    type: 'server_error',
    code: 'store_unavailable',
    message: `The store did not answer (${why}); keys and tenants cannot be changed or listed until it does.`,
    retryAfterMs: 1000,
  });
}

/** The pricing webhook's signature is missing, malformed, wrong, stale or already used. */
export function invalidSignature(why: string): GatewayError {
  return new GatewayError({
    status: 401,
    type: 'authentication_error',
    code: 'invalid_signature',
    message: `${why} Nothing was changed.`,
  });
}

/** Upstream answered with an error we pass on (4xx that the client caused). */
export function upstreamClientError(
  status: number,
  message: string,
  code: string | null,
  param: string | null,
): GatewayError {
  return new GatewayError({
    status,
    type:
      status === 401
        ? 'authentication_error'
        : status === 403
          ? 'permission_error'
          : status === 404
            ? 'not_found_error'
            : 'invalid_request_error',
    code: code ?? 'upstream_error',
    param,
    message,
  });
}

export function contextLengthExceeded(message: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    param: 'messages',
    message,
  });
}

export function contentFiltered(message: string): GatewayError {
  return new GatewayError({ status: 400, type: 'invalid_request_error', code: 'content_filter', message });
}

/**
 * The longest `retry-after` we relay from an upstream (issue 10). A provider may ask for hours (a daily
 * quota, a misconfigured proxy); a client told to wait that long stops using the gateway although another
 * key, target or instance may serve it in seconds. Our own key cooldowns still honour the full wait.
 */
export const MAX_RELAYED_RETRY_AFTER_MS = 60_000;

function relayedRetryAfterMs(retryAfterMs: number | undefined): number | undefined {
  return retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, MAX_RELAYED_RETRY_AFTER_MS);
}

/** Every attempt failed with a server-side class (5xx, overload, network, malformed response). */
export function upstreamUnavailable(message: string, retryAfterMs?: number): GatewayError {
  return new GatewayError({
    status: 502,
    type: 'server_error',
    code: 'upstream_error',
    message,
    retryAfterMs: relayedRetryAfterMs(retryAfterMs),
  });
}

export function upstreamRateLimited(message: string, retryAfterMs?: number): GatewayError {
  return new GatewayError({
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    message,
    retryAfterMs: relayedRetryAfterMs(retryAfterMs),
  });
}

export function upstreamTimeout(message: string): GatewayError {
  return new GatewayError({ status: 504, type: 'timeout_error', code: 'upstream_timeout', message });
}

export function upstreamAuthFailed(provider: string): GatewayError {
  // The provider rejected the gateway's own key: not the client's fault, and the key must not leak.
  return new GatewayError({
    status: 502,
    type: 'server_error',
    code: 'upstream_auth_failed',
    message: `Provider '${provider}' rejected the gateway's credentials. An operator must fix the provider key.`,
  });
}

export function shuttingDown(): GatewayError {
  return new GatewayError({
    status: 503,
    type: 'server_error',
    code: 'shutting_down',
    message: 'The gateway is shutting down; retry on another instance.',
    retryAfterMs: 1000,
  });
}

export function internalError(requestId: string, cause: unknown): GatewayError {
  return new GatewayError({
    status: 500,
    type: 'server_error',
    code: 'internal_error',
    message: `The gateway hit an unexpected error. Quote request id ${requestId} when you report it.`,
    cause,
  });
}

// Fronts (issue 17): /v1/messages, /v1/responses, /v1/embeddings.

/** A provider with no embeddings endpoint (Anthropic, DeepSeek: docs/providers.md §12.5); no upstream call. */
export function embeddingsNotSupported(provider: string, model: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'embeddings_not_supported',
    param: 'model',
    message: `Provider '${provider}' offers no embeddings, so '${model}' cannot embed. Route embeddings to OpenAI, an OpenAI-compatible server, Gemini, Mistral or Qwen.`,
  });
}

// Guardrails (issue 15): the input guard's refusals. Output moderation never errors: a blocked answer
// ends with finish_reason "content_filter" (docs/design.md §1).

/** The rule names the kind of attempt; the matched text is never echoed (it may be the attack itself). */
export function promptInjectionDetected(param: string, rule: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'prompt_injection_detected',
    param,
    message: `The request was refused: '${param}' contains a prompt-injection attempt (${rule}).`,
  });
}

export function systemMessageNotAllowed(param: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'system_message_not_allowed',
    param,
    message: `Your key may not send '${param}': the system prompt is set by the gateway's operator.`,
  });
}

export function tooManyMessages(count: number, limit: number): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'too_many_messages',
    param: 'messages',
    message: `The request has ${count} messages; this gateway accepts at most ${limit}.`,
  });
}

// --- Batch API (files and batches, src/batch/) ---

export function fileNotFound(id: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: 'invalid_request_error',
    code: 'file_not_found',
    param: 'file_id',
    message: `No such File object: ${id}`,
  });
}

/**
 * The file's record is in the store but its bytes are not in this instance's `batch.files_dir` (an
 * instance that does not share the directory with the one that took the upload, or a file removed
 * behind the store's back). 404, not a 5xx: this instance will never have those bytes, so the SDK's
 * automatic retries of a 5xx would only repeat the failure; and not `file_not_found`, which says there
 * is no such file at all, when GET /v1/files/:id still finds its record.
 */
export function fileContentUnavailable(id: string, param = 'file_id'): GatewayError {
  return new GatewayError({
    status: 404,
    type: 'invalid_request_error',
    code: 'file_content_unavailable',
    param,
    message: `File ${id} exists, but its content is not in this gateway instance's file storage (batch.files_dir is not shared by every instance, or the file was removed from it). Upload the file again.`,
  });
}

export function batchNotFound(id: string): GatewayError {
  return new GatewayError({
    status: 404,
    type: 'invalid_request_error',
    code: 'batch_not_found',
    param: 'batch_id',
    message: `No batch found with id '${id}'.`,
  });
}

/** The Batch API keeps files, jobs and lines in the store; a gateway without one cannot take batches. */
export function batchesUnavailable(why: string): GatewayError {
  return new GatewayError({
    status: 503,
    type: 'server_error',
    code: 'batches_unavailable',
    message: `The Batch API is not available on this gateway: ${why}`,
  });
}

export function invalidUpload(message: string, param: string | null = 'file'): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_file',
    param,
    message,
  });
}

export function fileTooLarge(limitBytes: number): GatewayError {
  return new GatewayError({
    status: 413,
    type: 'invalid_request_error',
    code: 'file_too_large',
    param: 'file',
    message: `The file is larger than this gateway's limit of ${limitBytes} bytes (batch.max_file_bytes).`,
  });
}

export function batchNotCancellable(id: string, status: string): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'batch_not_cancellable',
    message: `Batch ${id} cannot be cancelled: its status is '${status}'.`,
  });
}

// Observability (issue 12): the stored request log and its stats.

/** GET /admin/requests and /admin/stats read the store; without one, or while it fails, they say so. */
export function requestLogUnavailable(why: string): GatewayError {
  return new GatewayError({
    status: 503,
    type: 'server_error',
    code: 'store_unavailable',
    message: `The request log cannot be read: ${why}`,
    retryAfterMs: 1000,
  });
}

// The response cache (issue 14).

export function invalidCacheDirective(): GatewayError {
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_cache_directive',
    param: null,
    message:
      "The x-switchyard-cache header accepts only 'force' (cache this request even when the mode would not).",
  });
}
