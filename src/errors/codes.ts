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
    message: 'Missing or invalid API key. Send it as "Authorization: Bearer <key>".',
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
      status === 401 || status === 403
        ? 'authentication_error'
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

/** Every attempt failed with a server-side class (5xx, overload, network, malformed response). */
export function upstreamUnavailable(message: string, retryAfterMs?: number): GatewayError {
  return new GatewayError({
    status: 502,
    type: 'server_error',
    code: 'upstream_error',
    message,
    retryAfterMs,
  });
}

export function upstreamRateLimited(message: string, retryAfterMs?: number): GatewayError {
  return new GatewayError({
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    message,
    retryAfterMs,
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
