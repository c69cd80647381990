/**
 * Fault injection in force (the `chaos` section, GET/PUT /admin/chaos; issue 13): per provider, a share
 * of attempts answered with an error status, added latency, stalls until the first-byte deadline, and
 * streams cut or corrupted after a few chunks. Off unless configured: with no chaos the hot path pays
 * one field read per attempt. The draws use a seeded generator, so a drill replays the same faults.
 *
 * A config reload replaces what PUT set; a PUT applies from the next attempt.
 */
import type { ChaosConfig, ProviderChaosConfig } from '../config/sections/chaos.ts';

/** What one attempt gets. */
export type ChaosDraw =
  | { fault: 'error'; status: number; latencyMs: number }
  | { fault: 'stall'; latencyMs: number }
  /** A stream cut (`cut`) or sent a malformed event (`malformed`) after `afterChunks` chunks. */
  | { fault: 'cut' | 'malformed'; afterChunks: number; latencyMs: number }
  | { fault: 'none'; latencyMs: number };

export class ChaosControl {
  #config: ChaosConfig | undefined;
  #byProvider: Map<string, ProviderChaosConfig> | undefined;
  #state = 1;

  constructor(config: ChaosConfig | undefined) {
    this.set(config);
  }

  /** The settings in force, in the `chaos` section's shape (undefined: off). */
  get config(): ChaosConfig | undefined {
    return this.#config;
  }

  set(config: ChaosConfig | undefined): void {
    this.#config = config;
    const entries = Object.entries(config?.providers ?? {});
    this.#byProvider = entries.length === 0 ? undefined : new Map(entries);
    this.#state = (config?.seed ?? 1) >>> 0 || 1;
  }

  /** The fault for one attempt on `provider`, or undefined when chaos leaves it alone. */
  draw(provider: string, stream: boolean): ChaosDraw | undefined {
    const settings = this.#byProvider?.get(provider);
    if (settings === undefined) return undefined;
    const latencyMs = settings.latency_ms;
    if (settings.error_rate > 0 && this.#next() < settings.error_rate)
      return { fault: 'error', status: settings.status, latencyMs };
    if (settings.stall_rate > 0 && this.#next() < settings.stall_rate) return { fault: 'stall', latencyMs };
    if (stream && settings.cut_rate > 0 && this.#next() < settings.cut_rate)
      return { fault: 'cut', afterChunks: 1 + Math.floor(this.#next() * 5), latencyMs };
    if (stream && settings.malformed_rate > 0 && this.#next() < settings.malformed_rate)
      return { fault: 'malformed', afterChunks: 1 + Math.floor(this.#next() * 5), latencyMs };
    return latencyMs > 0 ? { fault: 'none', latencyMs } : undefined;
  }

  /** mulberry32: small, fast, and the same sequence for the same seed. */
  #next(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
