/**
 * Applies one chaos draw (chaos-control.ts) to an attempt before it is sent: the added latency, then an
 * error answered in the provider's place or a stall until the attempt's first-byte deadline. Cuts and
 * malformed events happen inside the stream (pipeline/exchange.ts). An injected fault goes through the
 * same classification as a real one, so breakers, health and the attempt loop cannot tell them apart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledTarget } from '../config/compile.ts';
import type { RequestContext } from '../pipeline/context.ts';
import { type AttemptOutcome, failed, firstByteTimeoutMs, transportFailure } from '../pipeline/exchange.ts';
import type { HedgeEntrant } from '../pipeline/hedge.ts';
import type { ChaosDraw } from './chaos-control.ts';

/** The injected outcome, or undefined when the attempt goes to the provider after all. */
export async function injectChaos(
  ctx: RequestContext,
  target: CompiledTarget,
  draw: ChaosDraw,
  signal: AbortSignal,
  entrant: HedgeEntrant | undefined,
): Promise<AttemptOutcome | undefined> {
  const provider = target.provider;
  const waitMs = draw.fault === 'stall' ? draw.latencyMs + firstByteTimeoutMs(target, ctx) : draw.latencyMs;
  if (waitMs > 0) {
    try {
      await sleep(waitMs, undefined, { signal });
    } catch (error) {
      if (entrant?.lost === true) return { kind: 'lost' };
      return failed(ctx, transportFailure(ctx, error, provider.name));
    }
  }
  if (draw.fault === 'error') {
    const body = JSON.stringify({
      error: { message: `chaos: injected ${draw.status}`, type: 'server_error', code: 'chaos' },
    });
    return failed(ctx, provider.adapter.classifyError(draw.status, {}, body));
  }
  if (draw.fault === 'stall') {
    return failed(ctx, {
      errorClass: 'timeout',
      status: 0,
      message: `chaos: ${provider.name} stayed silent until the first-byte deadline`,
      code: 'chaos_stall',
      param: null,
      retryAfterMs: undefined,
    });
  }
  return undefined;
}
