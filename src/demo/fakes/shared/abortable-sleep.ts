/**
 * sleep(ms, signal?): resolves true after `ms`, or false as soon as `signal` aborts.
 *
 * The timer is unref'd and cleared on abort, so a fake that is stopped mid-delay (stall, paced
 * stream, slow first byte) leaves nothing that keeps the process alive. ms <= 0 resolves at once
 * without a timer: tests run with zero latency.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts; used by the stall fault, which answers nothing until then. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
