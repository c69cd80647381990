/**
 * The options of one upstream exchange (upstream-exchange.ts), and the mapping of undici's failure
 * codes to the error classes the attempt loop decides from (docs/style.md §1.3: by `code`, never by
 * message text).
 */
import type { UpstreamFailure } from '../providers/types.ts';

export interface UpstreamCallOptions {
  /** Time from sending the request to the response headers: for a stream, to its first byte. */
  firstByteTimeoutMs: number;
  /** Longest silence allowed between two body chunks. */
  idleTimeoutMs: number;
  /** Aborts when the client goes away or the request's deadline passes. */
  signal: AbortSignal;
}

const timeoutCodes = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const networkCodes = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** True when undici gave up because our own signal fired (client gone or deadline), not the upstream. */
export function isAbort(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  return code === 'UND_ERR_ABORTED' || code === 'UND_ERR_ABORT' || name === 'AbortError';
}

export function classifyTransportError(error: unknown, provider: string): UpstreamFailure {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const causeCode = String((error as { cause?: { code?: unknown } } | null)?.cause?.code ?? '');
  if (timeoutCodes.has(code) || timeoutCodes.has(causeCode)) {
    const what =
      code === 'UND_ERR_CONNECT_TIMEOUT'
        ? 'connecting'
        : code === 'UND_ERR_BODY_TIMEOUT'
          ? 'between stream chunks'
          : 'waiting for the first byte';
    return {
      errorClass: 'timeout',
      status: 0,
      message: `${provider} timed out ${what}`,
      code,
      param: null,
      retryAfterMs: undefined,
    };
  }
  if (networkCodes.has(code) || networkCodes.has(causeCode) || code.startsWith('HPE_')) {
    return {
      errorClass: 'network',
      status: 0,
      message: `connection to ${provider} failed (${code || causeCode})`,
      code: code || causeCode,
      param: null,
      retryAfterMs: undefined,
    };
  }
  return {
    errorClass: 'network',
    status: 0,
    message: `request to ${provider} failed (${code || 'unknown error'})`,
    code: code || null,
    param: null,
    retryAfterMs: undefined,
  };
}
