/**
 * A model answered with no price (docs/design.md §1: its cost is unknown, null in the log, and an alert).
 * The account stage asks on every request whose price is missing, so the check is one Set lookup, and
 * the alert is built only the first time a provider/model pair is seen in this process; the sender's
 * `claimAlert` (period `once`) then keeps other instances and restarts from sending it again.
 */
import type { Alert } from './types.ts';

/**
 * Model names come from clients (`provider/model` on a provider without a model list) and upstream
 * answers, so the Set is capped, and past the cap no more of these alerts are raised in this process:
 * a client sending thousands of distinct names must not turn into thousands of alerts and log lines
 * (issue 10). The log line of every request still carries its null cost.
 */
const MAX_REMEMBERED = 200;

export class UnknownPriceAlerts {
  #seen = new Set<string>();

  /** The alert the first time `provider/model` is reported, undefined after that. */
  check(provider: string, model: string, nowMs: number): Alert | undefined {
    const name = `${provider}/${model}`;
    if (this.#seen.has(name) || this.#seen.size >= MAX_REMEMBERED) return undefined;
    this.#seen.add(name);
    return {
      kind: 'unknown_price',
      condition: `unknown_price:${name}`,
      period: 'once',
      message: `No price is known for ${name}: its requests are logged with an unknown cost until a price is set (pricing.models or the pricing webhook).`,
      tenant: null,
      details: { provider, model },
      at: nowMs,
    };
  }
}

const processWide = new UnknownPriceAlerts();

/** The process-wide check: the alert once per provider/model and process, undefined after that. */
export function unknownPriceAlert(provider: string, model: string, nowMs: number): Alert | undefined {
  return processWide.check(provider, model, nowMs);
}
