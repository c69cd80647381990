/**
 * Hedged requests (`models.<name>.hedge`, issue 13): when the first attempt has no first byte within the
 * hedge delay, a second starts on the next healthy target; the first to produce a first byte wins the
 * client, and the other is aborted at once. A loser's record says `hedge_lost`; it tells neither breaker
 * nor health anything (it was cut by us, not failed by the upstream).
 *
 * The delay is a number of milliseconds, or `p95`: the first target's recent 95th percentile time to
 * first token (streams) or to the whole answer (JSON), so only the slowest twentieth of requests pay a
 * second attempt. Until a target has HEDGE_MIN_SAMPLES answers, `p95` does not hedge: there is no tail
 * to cut yet, and a guess would double the load of a cold gateway.
 */
import type { CompiledModel, CompiledTarget } from '../config/compile.ts';

export const HEDGE_MIN_SAMPLES = 20;

/** Thrown inside an attempt that lost the race, so its exchange stops where it is. */
export class HedgeLostError extends Error {
  constructor() {
    super('another hedged attempt answered first');
    this.name = 'HedgeLostError';
  }
}

/** One attempt's place in a race: its abort signal, and the claim it makes at its first byte. */
export interface HedgeEntrant {
  readonly signal: AbortSignal;
  /** True when this attempt may answer the client (it is first, or already the winner). */
  claim(): boolean;
  /** True once another attempt won. */
  readonly lost: boolean;
}

export class HedgeRace {
  #winner = -1;
  readonly #controllers: AbortController[] = [];

  entrant(): HedgeEntrant {
    const index = this.#controllers.length;
    const controller = new AbortController();
    this.#controllers.push(controller);
    const race = this;
    return {
      signal: controller.signal,
      claim: () => race.#claim(index),
      get lost() {
        return race.#winner !== -1 && race.#winner !== index;
      },
    };
  }

  #claim(index: number): boolean {
    if (this.#winner !== -1) return this.#winner === index;
    this.#winner = index;
    for (let i = 0; i < this.#controllers.length; i++) {
      if (i !== index) this.#controllers[i]?.abort(new HedgeLostError());
    }
    return true;
  }
}

/** The hedge delay for a request to `model` whose first attempt goes to `first`, or undefined: no hedge. */
export function hedgeDelayMs(
  model: CompiledModel,
  first: CompiledTarget,
  stream: boolean,
): number | undefined {
  const after = model.hedgeAfterMs;
  if (after === undefined) return undefined;
  if (after !== 'p95') return after;
  const stats = stream ? first.runtime.firstToken : first.runtime.answerLatency;
  if (stats.samples < HEDGE_MIN_SAMPLES) return undefined;
  return Math.max(1, Math.ceil(stats.p95));
}
