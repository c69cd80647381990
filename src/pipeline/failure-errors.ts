/**
 * The errors a client sees when upstream attempts end in failure: its own mistake passed through, or
 * the last failure after every target and retry was spent.
 */
import type { CompiledTarget } from '../config/compile.ts';
import {
  contentFiltered,
  contextLengthExceeded,
  upstreamAuthFailed,
  upstreamClientError,
  upstreamRateLimited,
  upstreamTimeout,
  upstreamUnavailable,
} from '../errors/codes.ts';
import type { GatewayError } from '../errors/gateway-error.ts';
import type { UpstreamFailure } from '../providers/types.ts';

/** A failure the client caused: answered at once, never retried elsewhere. */
export function clientFacingError(failure: UpstreamFailure): GatewayError {
  if (failure.errorClass === 'context_length') return contextLengthExceeded(failure.message);
  if (failure.errorClass === 'content_filter') return contentFiltered(failure.message);
  const status = failure.status >= 400 && failure.status < 500 ? failure.status : 400;
  return upstreamClientError(status, failure.message, failure.code, failure.param);
}

export function exhaustedError(
  failure: UpstreamFailure,
  target: CompiledTarget,
  attempts: number,
  heldForMs: number | undefined,
): GatewayError {
  const tried = attempts === 1 ? `${target.id}` : `${attempts} attempts; last ${target.id}`;
  switch (failure.errorClass) {
    case 'rate_limited':
      return upstreamRateLimited(
        `Rate limited upstream (${tried}): ${failure.message}`,
        failure.retryAfterMs ?? heldForMs,
      );
    case 'timeout':
      return upstreamTimeout(`Upstream timed out (${tried}): ${failure.message}`);
    case 'auth':
      return upstreamAuthFailed(target.provider.name);
    default:
      return upstreamUnavailable(`Upstream failed (${tried}): ${failure.message}`, failure.retryAfterMs);
  }
}
