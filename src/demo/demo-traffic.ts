/**
 * Demo traffic (issue 12): so a newcomer who opens /dashboard in demo mode sees live charts, the demo
 * sends a steady trickle of requests through its own gateway (real HTTP, so every stage runs), across
 * the virtual models, some streamed. Every few minutes one provider is taken down for a minute (its
 * fake fails every request) and brought back: the dashboard shows its traffic shifting to the others,
 * its breaker opening, and the recovery.
 */
import { DEMO_TENANT_KEY } from './demo-config.ts';
import type { FakeChaos, FakeServer } from './fakes/shared/index.ts';

const MODELS = ['smart', 'smart', 'fast', 'sampled', 'sampled', 'reasoning'] as const;
const PROMPTS = [
  'Hello!',
  'Summarise the plot of Hamlet in one line.',
  'What is 17 × 23?',
  'Name three rivers.',
];

export interface DemoTrafficOptions {
  url: string;
  /** The fakes by provider name, and the chaos each normally runs with. */
  fakes: ReadonlyMap<string, FakeServer>;
  normalChaos: FakeChaos;
  /** Mean time between requests; default 700 ms. */
  intervalMs?: number;
  /** Outages: one every `outageEveryMs` (default 4 min), lasting `outageMs` (default 60 s). */
  outageEveryMs?: number;
  outageMs?: number;
  /** Providers taken down in turn; default anthropic, deepseek, openai (each a primary of a model). */
  outageOrder?: readonly string[];
  random?: () => number;
}

export class DemoTraffic {
  readonly #options: DemoTrafficOptions;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  #outageTimer: NodeJS.Timeout | undefined;
  #restoreTimer: NodeJS.Timeout | undefined;
  #outages = 0;
  #down: string | undefined;
  #stopped = false;
  #inFlight = new Set<AbortController>();

  constructor(options: DemoTrafficOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  /** The provider now taken down, if any. */
  get down(): string | undefined {
    return this.#down;
  }

  start(): void {
    this.#schedule();
    const every = this.#options.outageEveryMs ?? 240_000;
    // The first outage comes soon, so a newcomer sees a shift within a couple of minutes.
    this.#outageTimer = setTimeout(() => this.#outage(), Math.min(every, 90_000));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#outageTimer);
    clearTimeout(this.#restoreTimer);
    this.#restore();
    for (const controller of this.#inFlight) controller.abort();
  }

  #schedule(): void {
    if (this.#stopped) return;
    const mean = this.#options.intervalMs ?? 700;
    this.#timer = setTimeout(
      () => {
        this.#send();
        this.#schedule();
      },
      mean * (0.5 + this.#random()),
    );
  }

  #send(): void {
    this.#trimRecords();
    const model = MODELS[Math.floor(this.#random() * MODELS.length)] as string;
    const content = PROMPTS[Math.floor(this.#random() * PROMPTS.length)] as string;
    const stream = this.#random() < 0.3;
    const controller = new AbortController();
    this.#inFlight.add(controller);
    fetch(`${this.#options.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'switchyard-demo-traffic',
        authorization: `Bearer ${DEMO_TENANT_KEY}`,
      },
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content }],
        max_tokens: 120,
        stream,
        ...(stream ? { stream_options: { include_usage: true } } : {}),
      }),
      signal: controller.signal,
    })
      .then((response) => response.arrayBuffer())
      // A failed request is part of the picture the dashboard draws; nothing to do here.
      .catch(() => {})
      .finally(() => this.#inFlight.delete(controller));
  }

  /** The fakes keep every request they saw (for tests); a demo running for days keeps the last few. */
  #trimRecords(): void {
    for (const fake of this.#options.fakes.values())
      if (fake.requests.length > 2000) fake.requests.splice(0, fake.requests.length - 1000);
  }

  #outage(): void {
    if (this.#stopped) return;
    const order = this.#options.outageOrder ?? ['anthropic', 'deepseek', 'openai'];
    const name = order[this.#outages++ % order.length] as string;
    const fake = this.#options.fakes.get(name);
    if (fake !== undefined) {
      this.#down = name;
      fake.control.setChaos({
        faultRate: 1,
        faults: [{ fault: { kind: 'status', status: 503 }, weight: 1 }],
      });
      this.#restoreTimer = setTimeout(() => this.#restore(), this.#options.outageMs ?? 60_000);
    }
    this.#outageTimer = setTimeout(() => this.#outage(), this.#options.outageEveryMs ?? 240_000);
  }

  #restore(): void {
    const name = this.#down;
    if (name === undefined) return;
    this.#down = undefined;
    this.#options.fakes.get(name)?.control.setChaos(this.#options.normalChaos);
  }
}
