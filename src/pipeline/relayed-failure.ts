/**
 * What of an upstream's error we pass on (issue 10). An upstream's message goes to the client (4xx
 * passed through, 429/502 after the last attempt, a stream's error event) and into the request log, so
 * it is first scrubbed of our credentials (secret-scrubber.ts) and then capped: a 5 MB error page
 * became a 5 MB client body and log line. The body itself is read only up to
 * UPSTREAM_ERROR_BODY_MAX_BYTES (exchange.ts), which is more than any provider's real error envelope.
 */
import type { UpstreamFailure } from '../providers/types.ts';
import type { SecretScrubber } from './secret-scrubber.ts';

/** Most of an upstream error body we read into memory; the rest is not read at all. */
export const UPSTREAM_ERROR_BODY_MAX_BYTES = 64 * 1024;
/** Longest upstream message we relay; longer ones end with an ellipsis. */
export const RELAYED_MESSAGE_MAX_CHARS = 1_000;
/** Longest upstream `code` or `param` we relay: real ones are identifiers of a few dozen characters. */
export const RELAYED_FIELD_MAX_CHARS = 200;

export function relayableFailure(failure: UpstreamFailure, scrubber: SecretScrubber): UpstreamFailure {
  const message = capText(scrubber.scrub(failure.message), RELAYED_MESSAGE_MAX_CHARS);
  const code = failure.code === null ? null : capText(scrubber.scrub(failure.code), RELAYED_FIELD_MAX_CHARS);
  const param =
    failure.param === null ? null : capText(scrubber.scrub(failure.param), RELAYED_FIELD_MAX_CHARS);
  if (message === failure.message && code === failure.code && param === failure.param) return failure;
  return { ...failure, message, code, param };
}

/**
 * `text` cut to `maxChars` with `…` as its last character. Scrubbing comes first: a cut through a key
 * would leave a prefix of it that no longer matches.
 */
export function capText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  // Do not split a surrogate pair: half of one is not a character and breaks strict UTF-8 encoders.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
