/**
 * A tenant's effective policy: its own settings over its tier's, field by field (docs/design.md §1 `tiers`:
 * "the tenant's own values win"), resolved once per config snapshot (or once per store key), never per
 * request. A key with a tier of its own is limited as its own unit: that tier's values apply on top of
 * the tenant's, its counters and budget have their own scope, and its model list narrows the tenant's.
 */
import type { TenantGuardrails } from '../config/sections/guardrails.ts';
import type {
  BUDGET_MODES,
  BUDGET_PERIODS,
  BudgetConfig,
  RateLimitConfig,
  TenantSettings,
  TierConfig,
} from '../config/sections/tenants.ts';

/** A budget in force: every field resolved. */
export interface Budget {
  usd: number;
  period: (typeof BUDGET_PERIODS)[number];
  mode: (typeof BUDGET_MODES)[number];
}

export interface CompiledTenant {
  name: string;
  tier: string | null;
  /** Allowed model names; undefined means all. */
  models: ReadonlySet<string> | undefined;
  rpm: number | undefined;
  tpm: number | undefined;
  concurrent: number | undefined;
  budget: Budget | undefined;
  /** Where its counters live in the state store: `t:<tenant>`, or `k:<key id>` for a key with a tier. */
  scope: string;
  /**
   * The store key whose own tier or model list this policy carries (compileKeyPolicy); null for a
   * tenant's own policy, which a key adding neither shares. A batch job records it, so its lines are
   * held to the same policy after a restart (KeyRegistry.policyOf).
   */
  keyId: string | null;
  /** Any limit or budget applies: the admission stage calls the state store only then. */
  limited: boolean;
  // Guardrails: the tenant's override of the `guardrails` section (guardrails/policy.ts merges it once).
  guardrails: TenantGuardrails | undefined;
}

export function compileTenant(
  name: string,
  settings: TenantSettings,
  tiers: Readonly<Record<string, TierConfig>>,
): CompiledTenant {
  const tier = settings.tier === undefined ? undefined : tiers[settings.tier];
  return withPolicy({
    name,
    tier: settings.tier ?? null,
    models: toSet(settings.models ?? tier?.models),
    rateLimit: { ...tier?.rate_limit, ...settings.rate_limit },
    budget: resolveBudget(settings.budget, tier?.budget),
    scope: `t:${name}`,
    keyId: null,
    guardrails: settings.guardrails,
  });
}

export interface KeyGrant {
  id: string;
  tier: string | null;
  models: readonly string[] | null;
}

/** The policy a store key gets: its tenant's, narrowed by the key's own tier and model list. */
export function compileKeyPolicy(
  tenant: CompiledTenant,
  key: KeyGrant,
  tiers: Readonly<Record<string, TierConfig>>,
): CompiledTenant {
  const tier = key.tier === null ? undefined : tiers[key.tier];
  const narrowed = narrowModels(tenant.models, key.models ?? tier?.models);
  if (tier === undefined) {
    return narrowed === tenant.models ? tenant : { ...tenant, models: narrowed, keyId: key.id };
  }
  return withPolicy({
    name: tenant.name,
    tier: key.tier,
    models: narrowed,
    rateLimit: {
      rpm: tenant.rpm,
      tpm: tenant.tpm,
      concurrent: tenant.concurrent,
      ...definedOnly(tier.rate_limit),
    },
    budget: tier.budget === undefined ? tenant.budget : resolveBudget(tier.budget, tenant.budget),
    scope: `k:${key.id}`,
    keyId: key.id,
    guardrails: tenant.guardrails,
  });
}

/**
 * A tenant's budget over its tier's, field by field: `usd` and `period` come together (the schema requires
 * both), `mode` on its own, and a budget no one gave a mode is `hard`.
 */
export function resolveBudget(
  own: BudgetConfig | undefined,
  inherited: BudgetConfig | Budget | undefined,
): Budget | undefined {
  const budget = own ?? inherited;
  if (budget === undefined) return undefined;
  return { usd: budget.usd, period: budget.period, mode: own?.mode ?? inherited?.mode ?? 'hard' };
}

function withPolicy(fields: {
  name: string;
  tier: string | null;
  models: ReadonlySet<string> | undefined;
  rateLimit: RateLimitConfig;
  budget: Budget | undefined;
  scope: string;
  keyId: string | null;
  guardrails: TenantGuardrails | undefined;
}): CompiledTenant {
  const { rpm, tpm, concurrent } = fields.rateLimit;
  return {
    name: fields.name,
    tier: fields.tier,
    models: fields.models,
    rpm,
    tpm,
    concurrent,
    budget: fields.budget,
    scope: fields.scope,
    keyId: fields.keyId,
    guardrails: fields.guardrails,
    limited:
      rpm !== undefined || tpm !== undefined || concurrent !== undefined || fields.budget !== undefined,
  };
}

function toSet(models: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return models === undefined ? undefined : new Set(models);
}

/** A key's list can only narrow its tenant's: the intersection, or the key's list when the tenant has none. */
function narrowModels(
  tenant: ReadonlySet<string> | undefined,
  key: readonly string[] | undefined,
): ReadonlySet<string> | undefined {
  if (key === undefined) return tenant;
  if (tenant === undefined) return new Set(key);
  return new Set(key.filter((model) => tenant.has(model)));
}

function definedOnly(limits: RateLimitConfig | undefined): RateLimitConfig {
  const out: RateLimitConfig = {};
  if (limits?.rpm !== undefined) out.rpm = limits.rpm;
  if (limits?.tpm !== undefined) out.tpm = limits.tpm;
  if (limits?.concurrent !== undefined) out.concurrent = limits.concurrent;
  return out;
}
