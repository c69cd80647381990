/**
 * Delivers alerts to `alerts.webhook_url` (docs/design.md §1) off the request path. `raise()` only appends
 * to a bounded queue; one background loop takes alerts in order, claims each (condition, period) so it
 * goes out once across every instance and restart (the store's `claimAlert`; without a store, a local
 * set), and POSTs it as JSON with a Slack-compatible `text`. Failures are retried with exponential
 * backoff and jitter, then given up with a warn line; nothing here ever throws into a caller.
 *
 * Without a webhook the claimed alert is logged at warn instead, so an operator who configured none
 * still sees it once per condition and period.
 */
import { request } from 'undici';
import type { Logger } from '../observability/logger.ts';
import { parseRetryAfterMs } from '../providers/shared/retry-after.ts';
import { type BackoffPolicy, backoffDelayMs } from '../routing/backoff.ts';
import type { Store } from '../store/types.ts';
import type { Alert, AlertSink } from './types.ts';

/** The one store method the sender needs. */
export type AlertClaims = Pick<Store, 'claimAlert'>;

export interface AlertSenderOptions {
  /** `alerts.webhook_url`; undefined: log alerts instead of sending them. */
  webhookUrl: string | undefined;
  /** Undefined (tests, no store configured): alerts are deduplicated within this process only. */
  store: AlertClaims | undefined;
  logger: Logger;
  /** Alerts waiting beyond this are dropped and counted. */
  queueCapacity?: number;
  /** One POST, from connecting to reading the answer. */
  timeoutMs?: number;
  /** POSTs per alert, the first included. */
  maxTries?: number;
  backoff?: BackoffPolicy;
  /** How long `close()` lets queued and in-flight alerts finish before abandoning them. */
  closeGraceMs?: number;
  random?: () => number;
}

export interface AlertSenderStats {
  /** Waiting in the queue. */
  queued: number;
  /** Delivered to the webhook (2xx). */
  sent: number;
  /** Logged because no webhook is configured. */
  logged: number;
  /** Given up on after the tries, or refused by the webhook with a 4xx other than 429. */
  failed: number;
  /** Already fired in this period (here or on another instance). */
  suppressed: number;
  /** Dropped: queue full, or raised after `close()`. */
  dropped: number;
}

/**
 * 5 tries with delays drawn from 2–4, 4–8, 8–16 and 15–30 s (equal jitter): a webhook that is down for
 * up to about a minute still gets the alert, and a failing one costs one alert's worth of requests.
 */
const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 4000, maxMs: 30_000 };
const DEFAULT_MAX_TRIES = 5;
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_QUEUE_CAPACITY = 1000;
const DEFAULT_CLOSE_GRACE_MS = 2000;
/** (condition, period) pairs remembered locally, so repeats skip the store round trip. */
const MAX_REMEMBERED = 10_000;

type PostOutcome =
  | { ok: true; status: number }
  | { ok: false; retryable: boolean; reason: string; retryAfterMs: number | undefined };

export class AlertSender implements AlertSink {
  #url: URL | undefined;
  #store: AlertClaims | undefined;
  #logger: Logger;
  #capacity: number;
  #timeoutMs: number;
  #maxTries: number;
  #backoff: BackoffPolicy;
  #closeGraceMs: number;
  #random: () => number;

  #queue: Alert[] = [];
  #loop: Promise<void> | undefined;
  #handled = new Set<string>();
  #closing = false;
  #stop = new AbortController();
  #stats: AlertSenderStats = { queued: 0, sent: 0, logged: 0, failed: 0, suppressed: 0, dropped: 0 };

  constructor(options: AlertSenderOptions) {
    this.#url = options.webhookUrl === undefined ? undefined : parseWebhookUrl(options.webhookUrl);
    this.#store = options.store;
    this.#logger = options.logger;
    this.#capacity = positive(options.queueCapacity, DEFAULT_QUEUE_CAPACITY, 'queueCapacity');
    this.#timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.#maxTries = positive(options.maxTries, DEFAULT_MAX_TRIES, 'maxTries');
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
    this.#random = options.random ?? Math.random;
  }

  /** A reload's `alerts.webhook_url`: alerts not yet sent go to the new one. */
  setWebhookUrl(webhookUrl: string | undefined): void {
    this.#url = webhookUrl === undefined ? undefined : parseWebhookUrl(webhookUrl);
  }

  /** Queues the alert and returns at once. */
  raise(alert: Alert): void {
    if (this.#closing || this.#queue.length >= this.#capacity) {
      this.#stats.dropped++;
      // Powers of two: a flood of drops writes a handful of lines, not one per alert.
      const dropped = this.#stats.dropped;
      if ((dropped & (dropped - 1)) === 0)
        this.#logger.warn(
          { condition: alert.condition, period: alert.period, dropped, closing: this.#closing },
          'alert dropped: the alert queue is full or the sender is closing',
        );
      return;
    }
    this.#queue.push(alert);
    if (this.#loop === undefined) this.#startLoop();
  }

  stats(): AlertSenderStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Resolves once the queue is empty and nothing is in flight. */
  async idle(): Promise<void> {
    while (this.#loop !== undefined) await this.#loop;
  }

  /**
   * Stops taking alerts, lets the queue finish for up to `closeGraceMs`, then aborts what is in flight
   * (pending retries included) and drops what is left, with a warn line.
   */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#loop !== undefined) await raceGrace(this.#loop, this.#closeGraceMs);
    this.#stop.abort();
    const abandoned = this.#queue.length;
    this.#queue.length = 0;
    this.#stats.dropped += abandoned;
    if (abandoned > 0)
      this.#logger.warn({ abandoned }, 'alert sender closed with alerts still queued; they were dropped');
    if (this.#loop !== undefined) await raceGrace(this.#loop, this.#closeGraceMs);
  }

  #startLoop(): void {
    this.#loop = this.#drain()
      // #drain catches per alert; this is the last line of defence for a bug in the loop itself.
      .catch((error: unknown) => this.#logger.error({ err: error }, 'alert sender loop failed'))
      .finally(() => {
        this.#loop = undefined;
        // An alert raised between the loop's last check and this callback would otherwise wait for
        // the next raise.
        if (this.#queue.length > 0 && !this.#stop.signal.aborted) this.#startLoop();
      });
  }

  async #drain(): Promise<void> {
    for (let alert = this.#queue.shift(); alert !== undefined; alert = this.#queue.shift()) {
      await this.#handle(alert);
      if (this.#stop.signal.aborted) return;
    }
  }

  async #handle(alert: Alert): Promise<void> {
    const key = `${alert.condition}\u0000${alert.period}`;
    if (this.#handled.has(key)) {
      this.#stats.suppressed++;
      return;
    }
    if (this.#handled.size >= MAX_REMEMBERED) this.#handled.clear();
    this.#handled.add(key);
    if (!(await this.#claim(alert))) {
      this.#stats.suppressed++;
      return;
    }
    if (this.#url === undefined) {
      this.#stats.logged++;
      this.#logger.warn({ alert: describe(alert) }, `alert: ${alert.message}`);
      return;
    }
    let body: string;
    try {
      body = JSON.stringify(toWebhookBody(alert));
    } catch (error) {
      // Details a stage filled with something JSON cannot hold (a BigInt, a cycle): say so, skip it.
      this.#stats.failed++;
      this.#logger.warn({ err: error, condition: alert.condition }, `alert not sent: ${alert.message}`);
      return;
    }
    await this.#deliver(alert, this.#url, body);
  }

  /**
   * True when this instance is the one to send. A store that cannot answer counts as yes: a duplicate
   * alert from two instances is better than none from either.
   */
  async #claim(alert: Alert): Promise<boolean> {
    if (this.#store === undefined) return true;
    try {
      return await this.#store.claimAlert(alert.condition, alert.period, alert.at);
    } catch (error) {
      this.#logger.warn(
        { err: error, condition: alert.condition, period: alert.period },
        'alert claim failed; sending without it',
      );
      return true;
    }
  }

  async #deliver(alert: Alert, url: URL, body: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#post(url, body);
      if (outcome.ok) {
        this.#stats.sent++;
        this.#logger.info(
          { condition: alert.condition, period: alert.period, status: outcome.status, attempts: attempt },
          'alert sent',
        );
        return;
      }
      const giveUp = !outcome.retryable || attempt >= this.#maxTries || this.#stop.signal.aborted;
      if (giveUp) {
        this.#stats.failed++;
        this.#logger.warn(
          { alert: describe(alert), webhook_host: url.host, attempts: attempt, reason: outcome.reason },
          `alert not delivered: ${alert.message}`,
        );
        return;
      }
      const backoffMs = backoffDelayMs(attempt, this.#backoff, this.#random);
      // A 429's retry-after is honoured, within the backoff's cap so one answer cannot park the queue.
      const delayMs = Math.min(Math.max(backoffMs, outcome.retryAfterMs ?? 0), this.#backoff.maxMs);
      if (!(await this.#sleep(delayMs))) {
        this.#stats.failed++;
        this.#logger.warn(
          { alert: describe(alert), attempts: attempt, reason: outcome.reason },
          `alert not delivered (sender closing): ${alert.message}`,
        );
        return;
      }
    }
  }

  async #post(url: URL, body: string): Promise<PostOutcome> {
    try {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'switchyard-alerts' },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#stop.signal]),
      });
      // The answer's body is not used, but reading it lets undici reuse the connection.
      await response.body.dump();
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { ok: true, status };
      return {
        ok: false,
        retryable: status === 429 || status >= 500,
        reason: `HTTP ${status}`,
        retryAfterMs: status === 429 ? parseRetryAfterMs(response.headers) : undefined,
      };
    } catch (error) {
      // Connection refused or reset, DNS, the per-POST timeout: all worth another try unless closing.
      const code = (error as { code?: unknown } | null)?.code;
      const name = (error as { name?: unknown } | null)?.name;
      return {
        ok: false,
        retryable: true,
        reason: String(code ?? name ?? 'network error'),
        retryAfterMs: undefined,
      };
    }
  }

  /** Resolves true after `ms`, false at once when the sender is closed meanwhile. */
  #sleep(ms: number): Promise<boolean> {
    const signal = this.#stop.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      timer.unref();
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The JSON each webhook POST carries: Slack reads `text`, anything else can read the rest. */
export function toWebhookBody(alert: Alert): Record<string, unknown> {
  return {
    text: slackText(alert),
    kind: alert.kind,
    condition: alert.condition,
    period: alert.period,
    tenant: alert.tenant,
    message: alert.message,
    details: alert.details,
    at: new Date(Number.isFinite(alert.at) ? alert.at : Date.now()).toISOString(),
  };
}

/**
 * One line that reads well in Slack: its mrkdwn treats `<`, `>` and `&` as control characters
 * (Slack's "Formatting text for app surfaces"), so tenant and model names are escaped.
 */
export function slackText(alert: Alert): string {
  const line = `:warning: Switchyard ${alert.kind.replaceAll('_', ' ')}: ${alert.message}`.replace(
    /\s+/g,
    ' ',
  );
  return line.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function describe(alert: Alert): Record<string, unknown> {
  return {
    kind: alert.kind,
    condition: alert.condition,
    period: alert.period,
    tenant: alert.tenant,
    details: alert.details,
  };
}

/** Checked at start, like undici's own options: a bad URL is a config error, not a lost alert later. */
function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The URL itself is not echoed: a Slack webhook URL is a credential.
    throw new TypeError('alerts.webhook_url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError('alerts.webhook_url must be an http or https URL');
  return url;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new TypeError(`AlertSender ${name} must be a positive integer`);
  return value;
}

/** Kept ref'd on purpose: a caller awaiting `close()` wants the process to wait this long. */
function raceGrace(work: Promise<void>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  return Promise.race([work, grace]).finally(() => clearTimeout(timer));
}
