/**
 * Two small running averages for routing (docs/style.md §2.8: hot-path pieces are ours, each a short file).
 *
 * `Ewma`: exponentially weighted moving average per sample, for latency. Each sample moves the
 * average `alpha` of the way towards it, so with alpha 0.2 the last ~10 samples dominate.
 *
 * `DecayingRate`: a success rate whose evidence fades with time (half-life `halfLifeMs`) and which
 * leans towards a prior of 1 (healthy) when evidence is thin. A target nobody sent traffic to for a
 * while drifts back to healthy by itself, so a brief bad patch is forgiven without anyone probing it.
 */
export class Ewma {
  readonly #alpha: number;
  #value = 0;
  #samples = 0;

  constructor(alpha: number) {
    this.#alpha = alpha;
  }

  add(sample: number): void {
    this.#value = this.#samples === 0 ? sample : this.#value + this.#alpha * (sample - this.#value);
    this.#samples++;
  }

  /** undefined until the first sample. */
  get value(): number | undefined {
    return this.#samples === 0 ? undefined : this.#value;
  }

  get samples(): number {
    return this.#samples;
  }
}

export class DecayingRate {
  readonly #halfLifeMs: number;
  /** Pseudo-observations of success added to the evidence: how strongly the prior pulls. */
  readonly #priorWeight: number;
  #successes = 0;
  #total = 0;
  #at = 0;

  constructor(halfLifeMs: number, priorWeight = 5) {
    this.#halfLifeMs = halfLifeMs;
    this.#priorWeight = priorWeight;
  }

  add(success: boolean, nowMs: number): void {
    this.#decay(nowMs);
    this.#total += 1;
    if (success) this.#successes += 1;
  }

  /** Share of successes, 0..1; 1 with no evidence. */
  rate(nowMs: number): number {
    this.#decay(nowMs);
    return (this.#successes + this.#priorWeight) / (this.#total + this.#priorWeight);
  }

  /** Observations still weighing in (decayed), for the admin view. */
  weight(nowMs: number): number {
    this.#decay(nowMs);
    return this.#total;
  }

  #decay(nowMs: number): void {
    const elapsed = nowMs - this.#at;
    if (elapsed <= 0) return;
    this.#at = nowMs;
    if (this.#total === 0) return;
    const factor = 0.5 ** (elapsed / this.#halfLifeMs);
    this.#successes *= factor;
    this.#total *= factor;
  }
}
