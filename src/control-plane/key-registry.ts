/**
 * Virtual keys and tenants that live in the store (created with `switchyard keys create` or the admin
 * API), held in memory so authentication never waits on the store. Every instance polls the store's
 * change sequence (`keysChangedSince`) every `limits.key_refresh_ms`, so a key created or revoked
 * anywhere (another instance, the CLI) takes effect everywhere within that interval, without a restart;
 * on the instance that made the change it takes effect at once. A store that announces changes
 * (PostgreSQL's NOTIFY) is re-read the moment one is made, the poll staying as the backstop.
 */
import type { Snapshot } from '../config/compile.ts';
import { TenantSettingsSchema } from '../config/sections/tenants.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store, TenantRecord, VirtualKeyRecord } from '../store/types.ts';
import { type CompiledTenant, compileKeyPolicy, compileTenant } from './tenant-policy.ts';

interface Resolved {
  version: number;
  /** KeyRegistry's tenant generation it was compiled at: a key's policy is built on its tenant's. */
  generation: number;
  tenant: CompiledTenant | undefined;
}

export class KeyRegistry {
  readonly #store: Store | undefined;
  readonly #logger: Logger;
  readonly #byHash = new Map<string, VirtualKeyRecord>();
  /** Every key read, revoked ones too: a batch job keeps the policy of the key that created it. */
  readonly #byId = new Map<string, VirtualKeyRecord>();
  #tenants = new Map<string, TenantRecord>();
  #cursor = 0;
  /** Per key id (or `tenant:<name>`), the policy compiled against one snapshot version. */
  #resolved = new Map<string, Resolved>();
  /** Bumped whenever a runtime tenant changes, so the keys compiled over it are compiled again. */
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #unwatch: (() => void) | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(store: Store | undefined, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** True when the store holds any live key or runtime tenant: tenancy is on even without config tenants. */
  get active(): boolean {
    return this.#byHash.size > 0 || this.#tenants.size > 0;
  }

  get size(): number {
    return this.#byHash.size;
  }

  /** Reads every change since the last refresh; resolves once applied. Concurrent calls share one read. */
  refresh(): Promise<void> {
    const store = this.#store;
    if (store === undefined) return Promise.resolve();
    this.#refreshing ??= (async () => {
      try {
        const [changes, tenants] = await Promise.all([
          store.keysChangedSince(this.#cursor),
          store.listTenants(),
        ]);
        for (const key of changes.keys) this.#apply(key);
        this.#cursor = Math.max(this.#cursor, changes.cursor);
        this.#setTenants(tenants);
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  start(intervalMs: number): void {
    this.stop();
    this.#timer = setInterval(() => this.#refreshLogged(), intervalMs);
    this.#timer.unref();
    this.#unwatch = this.#store?.watchKeyChanges?.(() => {
      // A read already running may have started before this change committed: read again after it.
      const running = this.#refreshing;
      if (running === undefined) this.#refreshLogged();
      else void running.finally(() => this.#refreshLogged()).catch(() => {});
    });
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  #refreshLogged(): void {
    this.refresh().catch((error: unknown) =>
      // The keys in memory stay in force; the next tick tries again.
      this.#logger.warn({ err: error }, 'reading virtual keys from the store failed'),
    );
  }

  /** A key this instance just created or revoked, in force before the next poll. */
  apply(record: VirtualKeyRecord): void {
    this.#apply(record);
  }

  setTenant(record: TenantRecord): void {
    this.#tenants.set(record.name, record);
    this.#generation++;
  }

  removeTenant(name: string): void {
    this.#tenants.delete(name);
    this.#generation++;
  }

  /** The policy for a presented key's hash, or undefined (unknown, revoked, or its tenant is gone). */
  lookup(keyHash: string, snapshot: Snapshot): CompiledTenant | undefined {
    const record = this.#byHash.get(keyHash);
    if (record === undefined) return undefined;
    return this.#keyPolicy(record, snapshot);
  }

  /**
   * The policy of a batch job's lines: that of the store key that created it (its tier and model list
   * over its tenant's, as its live requests get, even once the key is revoked), or the tenant's own for
   * a job created without one (a config key, `keyId` null) or by a key no longer known. Undefined once
   * the tenant is gone.
   */
  policyOf(tenant: string, keyId: string | null, snapshot: Snapshot): CompiledTenant | undefined {
    const record = keyId === null ? undefined : this.#byId.get(keyId);
    if (record === undefined || record.tenant !== tenant) return this.tenant(tenant, snapshot);
    return this.#keyPolicy(record, snapshot);
  }

  #keyPolicy(record: VirtualKeyRecord, snapshot: Snapshot): CompiledTenant | undefined {
    const cached = this.#resolved.get(record.id);
    if (cached !== undefined && cached.version === snapshot.version && cached.generation === this.#generation)
      return cached.tenant;
    const tenant = this.tenant(record.tenant, snapshot);
    const resolved =
      tenant === undefined ? undefined : compileKeyPolicy(tenant, record, snapshot.config.tiers);
    this.#resolved.set(record.id, {
      version: snapshot.version,
      generation: this.#generation,
      tenant: resolved,
    });
    return resolved;
  }

  idOf(keyHash: string): string | null {
    return this.#byHash.get(keyHash)?.id ?? null;
  }

  /** A tenant by name: from the config, else created at runtime. */
  tenant(name: string, snapshot: Snapshot): CompiledTenant | undefined {
    const configured = snapshot.tenantsByName.get(name);
    if (configured !== undefined) return configured;
    const record = this.#tenants.get(name);
    if (record === undefined) return undefined;
    const key = `tenant:${name}`;
    const cached = this.#resolved.get(key);
    if (cached !== undefined && cached.version === snapshot.version && cached.generation === this.#generation)
      return cached.tenant;
    const settings = TenantSettingsSchema.safeParse(record.settings);
    const tenant = settings.success ? compileTenant(name, settings.data, snapshot.config.tiers) : undefined;
    if (!settings.success) this.#logger.warn({ tenant: name }, 'stored tenant settings are invalid; ignored');
    this.#resolved.set(key, { version: snapshot.version, generation: this.#generation, tenant });
    return tenant;
  }

  runtimeTenants(): TenantRecord[] {
    return [...this.#tenants.values()];
  }

  #apply(record: VirtualKeyRecord): void {
    this.#resolved.delete(record.id);
    this.#byId.set(record.id, record);
    if (record.revokedAt === null) this.#byHash.set(record.keyHash, record);
    else this.#byHash.delete(record.keyHash);
  }

  #setTenants(records: readonly TenantRecord[]): void {
    const next = new Map<string, TenantRecord>();
    let changed = records.length !== this.#tenants.size;
    for (const record of records) {
      const previous = this.#tenants.get(record.name);
      if (previous === undefined || previous.updatedAt !== record.updatedAt) changed = true;
      next.set(record.name, record);
    }
    this.#tenants = next;
    if (changed) this.#generation++;
  }
}
