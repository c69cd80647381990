/**
 * One request from a moderation backend to a configured provider: the provider's own pool, base URL and
 * first key, never a URL from the request (the hardening rule: only config-defined upstreams). Bounded
 * by the policy's timeout and by the client's request (its signal), and the answer body by a cap.
 */
import type { CompiledProvider } from '../../config/compile.ts';
import type { UpstreamRequest } from '../../providers/types.ts';
import { UpstreamExchange } from '../../transport/upstream-exchange.ts';

/** A moderation verdict is a few hundred bytes; anything far larger is not one. */
const MAX_ANSWER_BYTES = 256 * 1024;

export class ModerationCallError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModerationCallError';
  }
}

export async function callModerationUpstream(
  provider: CompiledProvider,
  request: UpstreamRequest,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string> {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  const exchange = new UpstreamExchange(provider.pool, request, {
    firstByteTimeoutMs: timeoutMs,
    idleTimeoutMs: timeoutMs,
    signal: deadline,
  });
  const head = await exchange.head;
  const pieces: Buffer[] = [];
  let size = 0;
  await exchange.consume((bytes) => {
    size += bytes.length;
    if (size > MAX_ANSWER_BYTES) throw new ModerationCallError('moderation answer over the size cap');
    pieces.push(bytes);
    return true;
  });
  if (head.statusCode < 200 || head.statusCode >= 300) {
    throw new ModerationCallError(`moderation upstream '${provider.name}' answered ${head.statusCode}`);
  }
  return Buffer.concat(pieces, size).toString('utf8');
}

/** `provider/model` into its parts (the model may itself hold slashes). */
export function splitTarget(target: string): { provider: string; model: string } {
  const slash = target.indexOf('/');
  return { provider: target.slice(0, slash), model: target.slice(slash + 1) };
}
