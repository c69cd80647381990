/**
 * Live requests first (issue 16). Background work on the event loop (a batch job's intake, its
 * translation for a provider, the split of its results, a large upload) runs in short slices and calls
 * `backgroundTurn()` between them. The next slice runs once the gateway is quiet: no live request in
 * flight and none ended in the last QUIET_MS, so a client sending request after request is not caught
 * between two of them by a slice. Under constant live load the work still advances: a slice at least
 * every MAX_DEFER_MS, and a shorter one (FORCED_SLICE_MS, ~2 % of one CPU), so that the live requests
 * it lands on wait less.
 *
 * A setImmediate between slices was not enough: a live request takes four or five turns of the loop
 * (body, upstream call, upstream answer, response), and a slice ran before each of them; a 50,000-line
 * intake tripled the live p50 (bench/batch-intake.ts).
 *
 * The counter is per process: gateways sharing a process (tests) share it, which only makes their
 * background work more polite.
 */

/** How long one slice of background work may run before it takes a turn, on a quiet gateway… */
const SLICE_MS = 0.5;
/** …and on a busy one, where the slice runs because the work waited MAX_DEFER_MS. */
const FORCED_SLICE_MS = 0.2;
/** Quiet time after the last live request before background work runs again. */
const QUIET_MS = 2;
/** The longest background work waits for a quiet gateway. */
const MAX_DEFER_MS = 10;

let liveInFlight = 0;
let lastLiveEndedAt = 0;
let sliceMs = SLICE_MS;

/** A live request (chat, a front, embeddings) began. */
export function liveRequestBegan(): void {
  liveInFlight++;
}

/** A live request's response ended (or its socket died). */
export function liveRequestEnded(): void {
  liveInFlight--;
  lastLiveEndedAt = performance.now();
}

function quiet(now: number): boolean {
  return liveInFlight === 0 && now - lastLiveEndedAt >= QUIET_MS;
}

/** Resolves when the next slice of background work may run. */
export async function backgroundTurn(): Promise<void> {
  const since = performance.now();
  await new Promise<void>((resolve) => setImmediate(resolve));
  for (;;) {
    const now = performance.now();
    if (quiet(now)) {
      sliceMs = SLICE_MS;
      return;
    }
    if (now - since >= MAX_DEFER_MS) {
      sliceMs = FORCED_SLICE_MS;
      return;
    }
    // Timers fire about once a millisecond: cheap enough to poll, and no live request pays for it.
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * A deadline for the slice starting now (shorter when the last turn was forced by live load):
 * `performance.now() >= sliceEnd()` means take a turn.
 */
export function sliceEnd(): number {
  return performance.now() + sliceMs;
}
