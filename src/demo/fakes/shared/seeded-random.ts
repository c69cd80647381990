/**
 * A small seeded PRNG (mulberry32) so chaos faults, latency jitter and generated ids repeat
 * exactly for a given seed: a failing demo or test run can be replayed.
 *
 *   const random = new SeededRandom(42);
 *   random.next()             // float in [0, 1)
 *   random.between(150, 400)  // float in [min, max)
 *   random.int(0, 9)          // integer in [min, max]
 *   random.weighted([3, 1])   // index picked with those weights
 */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    // Any number is accepted; mixing keeps nearby seeds (1, 2, 3) from starting on similar streams.
    this.#state = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  between(min: number, max: number): number {
    return max <= min ? min : min + (max - min) * this.next();
  }

  int(min: number, max: number): number {
    return max <= min ? min : min + Math.floor(this.next() * (max - min + 1));
  }

  weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, w) => sum + Math.max(0, w), 0);
    if (total <= 0) return 0;
    let point = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      point -= Math.max(0, weights[i] ?? 0);
      if (point < 0) return i;
    }
    return weights.length - 1;
  }
}
