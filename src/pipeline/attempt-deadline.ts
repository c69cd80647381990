import type { CompiledTarget } from '../config/compile.ts';
import type { RequestContext } from './context.ts';

/**
 * Less than this left of the request: no new attempt starts. An attempt's first-byte deadline is clamped
 * to the request's (exchange.ts firstByteTimeoutMs), so it fires a moment before the request's own timer;
 * an attempt started in that moment was aborted within milliseconds, counted against a healthy target
 * (its breaker and health), and could even show the client a first byte before the timeout error.
 */
const MIN_ATTEMPT_MS = 50;

/** Whether the request has time left for another attempt; marks it as past its deadline otherwise. */
export function timeForAnotherAttempt(ctx: RequestContext, deadlineAt: number): boolean {
  if (deadlineAt - performance.now() >= MIN_ATTEMPT_MS) return true;
  ctx.deadlineExceeded = true;
  return false;
}

/**
 * The signal for one attempt when the provider's `timeout_ms` is shorter than what is left of the
 * request: the request's own signal (client gone, request deadline) plus one timer, cleared when the
 * attempt ends. AbortSignal.any with AbortSignal.timeout would do the same, but its timer and signal live
 * for the whole timeout after the attempt is over (a minute of them at thousands of requests a second),
 * and any() keeps its sources through weak references that every garbage collection has to walk.
 */
export function attemptDeadlineFor(
  ctx: RequestContext,
  target: CompiledTarget,
  deadlineAt: number,
): AttemptDeadline | undefined {
  const totalMs = target.provider.timeouts.totalMs;
  if (totalMs >= deadlineAt - performance.now()) return undefined;
  return new AttemptDeadline(ctx.abort.signal, totalMs);
}

export class AttemptDeadline {
  readonly #controller = new AbortController();
  readonly #request: AbortSignal;
  readonly #timer: NodeJS.Timeout;
  readonly #forward = () => this.#controller.abort(this.#request.reason);

  constructor(request: AbortSignal, timeoutMs: number) {
    this.#request = request;
    request.addEventListener('abort', this.#forward, { once: true });
    // Named TimeoutError like AbortSignal.timeout's, so the exchange tells it from the client leaving.
    this.#timer = setTimeout(
      () => this.#controller.abort(new DOMException('the attempt timed out', 'TimeoutError')),
      timeoutMs,
    );
    this.#timer.unref();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  release(): void {
    clearTimeout(this.#timer);
    this.#request.removeEventListener('abort', this.#forward);
  }
}
