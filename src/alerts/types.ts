/**
 * Alerts to `alerts.webhook_url` (docs/design.md §1): plain JSON with a Slack-compatible `text`. Each fires
 * once per condition and period (the store's `claimAlert`), is retried with backoff, and is never sent
 * on the request path.
 */

export type AlertKind =
  | 'budget_threshold'
  | 'budget_projection'
  | 'spend_burn_rate'
  | 'unknown_price'
  // Observability (issue 12): observability/degradation.ts.
  | 'provider_degraded'
  | 'provider_recovered'
  | 'breaker_opened'
  | 'breaker_recovered';

export interface Alert {
  kind: AlertKind;
  /** What fired, stable per condition: `budget:acme:80`, `unknown_price:openai/gpt-9`. */
  condition: string;
  /** The period it fires once in: `d2026-12-07`, `m2026-12`, or `once` for conditions without one. */
  period: string;
  /** One human sentence; also the Slack `text`. */
  message: string;
  tenant: string | null;
  /** Figures behind it (spent_usd, budget_usd, threshold, projected_usd, …). */
  details: Record<string, unknown>;
  /** Epoch ms. */
  at: number;
}

/** Where the stages hand alerts; the sender queues them and returns at once. */
export interface AlertSink {
  raise(alert: Alert): void;
}
