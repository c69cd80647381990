/**
 * Per-request control of a fake upstream: which reply, how fast, which fault.
 *
 * A test scripts the next request(s) through the server's controller:
 *
 *   fake.control.enqueue({ fault: { kind: 'status', status: 503 } });        // next request only
 *   fake.control.enqueue({ reply: { content: 'Hi' } }, 3);                   // next three requests
 *   fake.control.setModelScript('gpt-4.1', { fault: { kind: 'reset' } });   // every gpt-4.1 request
 *   fake.control.setChaos({ faultRate: 0.05, faults: [{ fault: { kind: 'status', status: 500 }, weight: 3 }] });
 *
 * next(model, headerScript?) decides each request's script, first match wins:
 *   0. a script sent in the FAKE_SCRIPT_HEADER request header (JSON), for direct tests that run
 *      in parallel against one fake,
 *   1. queued one-shot scripts (enqueue, FIFO),
 *   2. the model's script (setModelScript),
 *   3. a chaos fault drawn with the seeded PRNG (faultRate per request, weighted pick),
 *   4. the default: planned reply, no fault.
 * Latency comes from the script when it names it, else from the controller's FakeLatency: a
 * number is exact, a [min, max] pair is drawn per request (first byte) and per token (interval)
 * from the seeded PRNG. Tests default to zero latency; demo mode passes DEMO_LATENCY.
 */
import type { FakeReplyOverride } from './reply-plan.ts';
import { SeededRandom } from './seeded-random.ts';

export type FakeFault =
  /** Answer with this status. body defaults to the provider's own error body for the status. */
  | {
      kind: 'status';
      status: number;
      body?: unknown;
      headers?: Record<string, string>;
      retryAfterSeconds?: number;
    }
  /** Destroy the socket before any response byte. */
  | { kind: 'reset' }
  /** Accept the request and never answer, until the client goes away. */
  | { kind: 'stall' }
  /**
   * Send a 200's status line and headers, then nothing until the client goes away: a provider that
   * flushes a stream's headers at once and never produces a token.
   */
  | { kind: 'stall-after-headers' }
  /** Stream: destroy the connection after N data events. Non-stream: send headers and half the body, then destroy. */
  | { kind: 'cut'; afterChunks: number }
  /** Stream: the provider's in-band error event after N data events, then end. Non-stream: answers `status` (default 500). */
  | { kind: 'stream-error'; afterChunks: number; status?: number }
  /** Stream: N data events, then silence with the connection open until the client goes away. */
  | { kind: 'stall-mid-stream'; afterChunks: number }
  /** Stream: N data events, then one that is not valid JSON, then the connection closes. */
  | { kind: 'malformed'; afterChunks: number }
  /** Stream: every event but the terminator (OpenAI's `[DONE]`, Anthropic's `message_stop`), then a clean end. */
  | { kind: 'no-done' };

export interface FakeScript {
  reply?: FakeReplyOverride;
  firstByteMs?: number;
  tokenIntervalMs?: number;
  fault?: FakeFault;
}

export type LatencyMs = number | readonly [min: number, max: number];

export interface FakeLatency {
  firstByteMs: LatencyMs;
  tokenIntervalMs: LatencyMs;
}

export interface WeightedFault {
  fault: FakeFault;
  /** Relative weight among the faults; default 1. */
  weight?: number;
}

export interface FakeChaos {
  /** Probability, 0..1, that a request (not otherwise scripted) gets a fault. */
  faultRate: number;
  faults: WeightedFault[];
}

export interface ResolvedScript {
  source: 'header' | 'queue' | 'model' | 'chaos' | 'default';
  reply?: FakeReplyOverride;
  fault?: FakeFault;
  firstByteMs: number;
  /** Delay before the next stream event after the first; each call draws the next interval. */
  tokenIntervalMs: () => number;
}

export interface ScriptControllerOptions {
  seed?: number;
  latency?: FakeLatency;
  chaos?: FakeChaos;
}

/**
 * How long a non-streamed answer of `tokens` tokens takes under this script: the first byte plus
 * one interval per token (a real API answers when generation is done). Draws from the PRNG.
 */
export function generationDelayMs(script: ResolvedScript, tokens: number): number {
  let delayMs = script.firstByteMs;
  for (let i = 0; i < tokens; i++) delayMs += script.tokenIntervalMs();
  return delayMs;
}

/** Request header carrying a FakeScript as JSON; the fakes strip nothing else, so only tests send it. */
export const FAKE_SCRIPT_HEADER = 'x-switchyard-fake-script';

export const NO_LATENCY: FakeLatency = { firstByteMs: 0, tokenIntervalMs: 0 };

/** Typical hosted-model timing: 150–400 ms to the first token, then 15–40 ms per token. */
export const DEMO_LATENCY: FakeLatency = { firstByteMs: [150, 400], tokenIntervalMs: [15, 40] };

export class ScriptController {
  #queue: FakeScript[] = [];
  #byModel = new Map<string, FakeScript>();
  #chaos: FakeChaos | undefined;
  #latency: FakeLatency;
  // Two streams, so turning latency on or off does not change which requests get chaos faults.
  #faultRandom: SeededRandom;
  #latencyRandom: SeededRandom;

  constructor(options: ScriptControllerOptions = {}) {
    const seed = options.seed ?? 1;
    this.#faultRandom = new SeededRandom(seed);
    this.#latencyRandom = new SeededRandom(seed + 0x5eed);
    this.#latency = options.latency ?? NO_LATENCY;
    this.#chaos = options.chaos;
  }

  enqueue(script: FakeScript, count = 1): void {
    for (let i = 0; i < count; i++) this.#queue.push(script);
  }

  /** undefined removes the model's script. */
  setModelScript(model: string, script: FakeScript | undefined): void {
    if (script === undefined) this.#byModel.delete(model);
    else this.#byModel.set(model, script);
  }

  /** undefined turns chaos off. */
  setChaos(chaos: FakeChaos | undefined): void {
    this.#chaos = chaos;
  }

  setLatency(latency: FakeLatency): void {
    this.#latency = latency;
  }

  /** Drops queued and per-model scripts; chaos and latency stay. */
  clear(): void {
    this.#queue = [];
    this.#byModel.clear();
  }

  /** Queued one-shot scripts not yet used. */
  get pending(): number {
    return this.#queue.length;
  }

  next(model?: string, headerScript?: FakeScript): ResolvedScript {
    if (headerScript !== undefined) return this.#resolve('header', headerScript);
    const queued = this.#queue.shift();
    if (queued !== undefined) return this.#resolve('queue', queued);
    const forModel = model === undefined ? undefined : this.#byModel.get(model);
    if (forModel !== undefined) return this.#resolve('model', forModel);
    const chaos = this.#chaos;
    if (chaos !== undefined && chaos.faults.length > 0 && this.#faultRandom.next() < chaos.faultRate) {
      const pick = this.#faultRandom.weighted(chaos.faults.map((f) => f.weight ?? 1));
      const fault = chaos.faults[pick]?.fault;
      if (fault !== undefined) return this.#resolve('chaos', { fault });
    }
    return this.#resolve('default', {});
  }

  #resolve(source: ResolvedScript['source'], script: FakeScript): ResolvedScript {
    const firstByteMs = script.firstByteMs ?? this.#draw(this.#latency.firstByteMs);
    const interval = script.tokenIntervalMs ?? this.#latency.tokenIntervalMs;
    const tokenIntervalMs = typeof interval === 'number' ? () => interval : () => this.#draw(interval);
    return { source, reply: script.reply, fault: script.fault, firstByteMs, tokenIntervalMs };
  }

  #draw(latency: LatencyMs): number {
    if (typeof latency === 'number') return latency;
    return Math.round(this.#latencyRandom.between(latency[0], latency[1]));
  }
}
