/**
 * The control plane's long-lived parts, one per process (docs/design.md §2): the store and its batching
 * writer, the virtual keys read from it, the price book, the state store the limits stage admits
 * through, and the alerts. The gateway creates it with the config and closes it at shutdown; the
 * request path only reads from memory here and hands writes to queues.
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { AlertSender } from '../alerts/sender.ts';
import { SpendMonitor } from '../alerts/spend-monitor.ts';
import { unknownPriceAlert } from '../alerts/unknown-price.ts';
import { periodOf } from '../limits/budget-period.ts';
import { NANO_USD_PER_USD } from '../limits/types.ts';
import { PriceBook } from '../pricing/price-book.ts';
import type { StateStore } from '../state/types.ts';
import { DropReporter } from '../store/drop-reporter.ts';
import { StoreWriter } from '../store/writer.ts';
import type { PriceOverride, Store } from '../store/types.ts';
import { TenantSettingsSchema } from '../config/sections/tenants.ts';
import { KeyRegistry } from './key-registry.ts';
import { type CompiledTenant, compileTenant, resolveBudget } from './tenant-policy.ts';

const EMPTY_LEDGER = { spendByHour: async () => [] };

export interface ControlPlaneOptions {
  config: Config;
  /** The state limits and budgets are admitted through (the gateway's, wrapped for Redis failures). */
  state: StateStore;
  /** Undefined: nothing persists (tests, tools); keys come from the config only. */
  store: Store | undefined;
  logger: Logger;
  clock?: () => number;
  /** Store queue sizes and dropped rows are exported here when given. */
  metrics?: GatewayMetrics;
}

export class ControlPlane {
  readonly state: StateStore;
  readonly store: Store | undefined;
  readonly keys: KeyRegistry;
  readonly alerts: AlertSender;
  readonly spend: StoreWriter | undefined;
  readonly monitor: SpendMonitor;
  readonly #logger: Logger;
  readonly #clock: () => number;
  #config: Config;
  #webhookPrices: PriceOverride[] = [];
  #prices: PriceBook;
  /** Re-reads the webhook's prices from the store: another instance or worker may have received one. */
  #pricesTimer: NodeJS.Timeout | undefined;
  readonly #drops: DropReporter;
  /** Counts the webhook updates this process applied, so a store read older than one is not applied. */
  #webhookApplied = 0;

  constructor(options: ControlPlaneOptions) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
    this.state = options.state;
    this.store = options.store;
    this.keys = new KeyRegistry(options.store, options.logger);
    this.alerts = new AlertSender({
      webhookUrl: options.config.alerts.webhook_url,
      store: options.store,
      logger: options.logger,
    });
    const logger = options.logger;
    const metrics = options.metrics;
    this.#drops = new DropReporter((queue, reason, count) =>
      logger.warn({ queue, count, reason }, 'store rows dropped: the store is slow or down'),
    );
    const drops = this.#drops;
    this.spend =
      options.store === undefined
        ? undefined
        : new StoreWriter(options.store, {
            requests: { maxQueued: options.config.logging.queue_size },
            onDrop: (queue, count, reason) => {
              metrics?.storeDropped.labels(queue, reason).inc(count);
              drops.dropped(queue, reason, count);
            },
            onWriteError: (queue, error, retry) =>
              logger.warn({ err: error, queue, retry }, 'writing to the store failed; retrying'),
            onInvalid: (queue, problem) =>
              logger.error({ queue, problem }, 'a malformed store row was refused'),
          });
    // Without a store there is no ledger to project from; threshold alerts still work (onSettled).
    this.monitor = new SpendMonitor({
      store: options.store ?? EMPTY_LEDGER,
      sink: this.alerts,
      tenants: () => this.#budgetedTenants(),
      intervalMs: options.config.alerts.check_interval_s * 1000,
      now: this.#clock,
      logger: options.logger,
    });
    this.#prices = this.#priceBook();
    const writer = this.spend;
    if (metrics !== undefined && writer !== undefined)
      metrics.beforeCollect.add(() => {
        metrics.storeQueued.labels('requests').set(writer.queuedRequests);
        metrics.storeQueued.labels('spend').set(writer.queued - writer.queuedRequests);
      });
  }

  /** The price book in force; a request keeps the one it started with. */
  get prices(): PriceBook {
    return this.#prices;
  }

  /** Reads keys, tenants and webhook prices from the store, seeds a memory state's spend, starts timers. */
  async start(): Promise<void> {
    const store = this.store;
    if (store !== undefined) {
      await this.keys.refresh();
      this.#webhookPrices = await store.listPrices();
      this.#prices = this.#priceBook();
      await this.#seedSpend(store);
      this.keys.start(this.#config.limits.key_refresh_ms);
      this.#refreshPricesEvery(store, this.#config.limits.key_refresh_ms);
    }
    if (store !== undefined) this.monitor.start();
  }

  reload(config: Config): void {
    this.#config = config;
    this.#prices = this.#priceBook();
    this.alerts.setWebhookUrl(config.alerts.webhook_url);
    if (this.store !== undefined) {
      this.keys.start(config.limits.key_refresh_ms);
      this.#refreshPricesEvery(this.store, config.limits.key_refresh_ms);
    }
  }

  /**
   * The webhook reaches one process (and its signature cannot be used twice), so every process reads
   * the stored prices as often as it reads keys: an update is in force everywhere within that interval.
   * The book is rebuilt only when the stored rows changed.
   */
  #refreshPricesEvery(store: Store, intervalMs: number): void {
    if (this.#pricesTimer !== undefined) clearInterval(this.#pricesTimer);
    this.#pricesTimer = setInterval(() => {
      const applied = this.#webhookApplied;
      store.listPrices().then(
        (rows) => {
          // A webhook applied here while the rows were read is newer than they are.
          if (applied !== this.#webhookApplied) return;
          if (pricesSignature(rows) === pricesSignature(this.#webhookPrices)) return;
          this.#webhookPrices = rows;
          this.#prices = this.#priceBook();
        },
        (error: unknown) => this.#logger.warn({ err: error }, 'reading webhook prices from the store failed'),
      );
    }, intervalMs);
    this.#pricesTimer.unref();
  }

  /** The signed pricing webhook's prices, in force from the next request on, persisted for restarts. */
  async applyWebhookPrices(overrides: PriceOverride[]): Promise<void> {
    // Before and after the write: a read that began before it ends lacks these prices.
    this.#webhookApplied++;
    if (this.store !== undefined) await this.store.upsertPrices(overrides);
    this.#webhookApplied++;
    const byName = new Map(this.#webhookPrices.map((entry) => [entry.name, entry]));
    for (const entry of overrides) byName.set(entry.name, entry);
    this.#webhookPrices = [...byName.values()];
    this.#prices = this.#priceBook();
  }

  unknownPrice(provider: string, model: string): void {
    const alert = unknownPriceAlert(provider, model, this.#clock());
    if (alert !== undefined) this.alerts.raise(alert);
  }

  /** A tenant's spend in [fromMs, toMs) from the store's ledger (0 without a store), what waits in the writer included. */
  async ledgerSpend(tenant: string, fromMs: number, toMs: number): Promise<number> {
    if (this.store === undefined) return 0;
    await this.spend?.flush();
    const rows = await this.store.spendByHour({ tenant, fromMs, toMs });
    let usd = 0;
    for (const row of rows) usd += row.usd;
    return usd;
  }

  /** Readiness: the store answers (or there is none). */
  async ready(): Promise<void> {
    await this.store?.ping();
  }

  async close(): Promise<void> {
    this.keys.stop();
    if (this.#pricesTimer !== undefined) clearInterval(this.#pricesTimer);
    this.monitor.stop();
    await this.spend?.close();
    this.#drops.flush();
    await this.alerts.close();
    await this.store?.close();
  }

  #priceBook(): PriceBook {
    return PriceBook.fromConfig(this.#config.pricing, this.#webhookPrices);
  }

  /**
   * Every tenant with a budget: the config's, and those created at runtime (PUT /admin/tenants), whose
   * spend a restart must read back as well. Read per monitor tick (once a minute) and at start, never
   * per request.
   */
  #budgetedTenants(): Array<{ tenant: string; budget: NonNullable<CompiledTenant['budget']> }> {
    const out: Array<{ tenant: string; budget: NonNullable<CompiledTenant['budget']> }> = [];
    const tiers = this.#config.tiers;
    for (const [name, tenant] of Object.entries(this.#config.tenants)) {
      const budget = resolveBudget(
        tenant.budget,
        tenant.tier === undefined ? undefined : tiers[tenant.tier]?.budget,
      );
      if (budget !== undefined) out.push({ tenant: name, budget });
    }
    for (const record of this.keys.runtimeTenants()) {
      if (Object.hasOwn(this.#config.tenants, record.name)) continue;
      const settings = TenantSettingsSchema.safeParse(record.settings);
      const budget = settings.success ? compileTenant(record.name, settings.data, tiers).budget : undefined;
      if (budget !== undefined) out.push({ tenant: record.name, budget });
    }
    return out;
  }

  /**
   * A memory state starts empty: without this a restart would forget the period's spend and let a
   * budget be spent twice. Redis keeps its own figures, so `seedSpend` never lowers what it holds.
   */
  async #seedSpend(store: Store): Promise<void> {
    const nowMs = this.#clock();
    for (const { tenant, budget } of this.#budgetedTenants()) {
      const period = periodOf(budget.period, nowMs);
      const rows = await store.spendByHour({ tenant, fromMs: period.startMs, toMs: period.endMs });
      let usd = 0;
      for (const row of rows) usd += row.usd;
      if (usd > 0) {
        const seeded = this.state.seedSpend(
          `t:${tenant}`,
          period.key,
          period.endMs,
          Math.round(usd * NANO_USD_PER_USD),
        );
        if (seeded instanceof Promise) await seeded;
      }
    }
  }
}

/** What identifies a set of stored webhook prices: each name with the time it was last set. */
function pricesSignature(rows: readonly PriceOverride[]): string {
  let signature = '';
  for (const row of rows) signature += `${row.name}\u0000${row.updatedAt}\u0000`;
  return signature;
}
