/**
 * A target's recent times to first token (streams), for the adaptive first-token deadline
 * (docs/resilience.md "Deadlines that fail over instead of waiting"): the deadline is a multiple of the
 * recent p99, between a floor and the provider's `first_byte_timeout_ms`, so a silent target fails over
 * in seconds while a model that always thinks for 40 s is not cut.
 *
 * The last SAMPLES values in a ring; the p99 is recomputed every RECOMPUTE_EVERY samples, not per
 * request (sorting 64 numbers is cheap, but not free on the hot path). A deadline that fired is added
 * as a sample of its own length: the observation was at least that long, so a model that became slower
 * for good pushes its own deadline up within a few requests instead of being cut forever.
 */
const SAMPLES = 64;
const RECOMPUTE_EVERY = 8;

export interface FirstTokenPolicy {
  /** The deadline is this multiple of the recent p99… */
  multiple: number;
  /** …never below this… */
  floorMs: number;
  /** …and only once this many first tokens were seen; before that the ceiling applies. */
  minSamples: number;
}

export class FirstTokenStats {
  /** Made on the first sample: most targets (and every provisional direct name) never stream. */
  #values: Float64Array | undefined;
  #count = 0;
  #sinceRecompute = 0;
  #p99 = 0;
  #p95 = 0;

  add(latencyMs: number): void {
    this.#values ??= new Float64Array(SAMPLES);
    this.#values[this.#count % SAMPLES] = latencyMs;
    this.#count++;
    if (++this.#sinceRecompute >= RECOMPUTE_EVERY || this.#count <= RECOMPUTE_EVERY) this.#recompute();
  }

  get samples(): number {
    return Math.min(this.#count, SAMPLES);
  }

  /** The p99 of the recent samples, ms (0 with none). */
  get p99(): number {
    return this.#p99;
  }

  /** The p95 of the recent samples, ms (0 with none): the `p95` hedge delay (pipeline/hedge.ts). */
  get p95(): number {
    return this.#p95;
  }

  /** The first-token deadline for the next attempt, ms: adaptive once enough samples exist. */
  deadlineMs(policy: FirstTokenPolicy | undefined, ceilingMs: number): number {
    if (policy === undefined || this.samples < policy.minSamples) return ceilingMs;
    return Math.min(ceilingMs, Math.max(policy.floorMs, Math.ceil(this.#p99 * policy.multiple)));
  }

  #recompute(): void {
    this.#sinceRecompute = 0;
    const n = this.samples;
    const sorted = (this.#values as Float64Array).slice(0, n).sort();
    this.#p99 = sorted[Math.min(n - 1, Math.ceil(n * 0.99) - 1)] ?? 0;
    this.#p95 = sorted[Math.min(n - 1, Math.ceil(n * 0.95) - 1)] ?? 0;
  }
}
