// The `tiers` and `tenants` sections: virtual keys, rate limits, budgets and model allow-lists. A tier is
// a set of defaults a tenant inherits; the tenant's own values win, field by field.

import { z } from 'zod';
import { TenantGuardrailsSchema } from './guardrails.ts';
import { count, positiveNumber, secret } from './values.ts';

export const BUDGET_PERIODS = ['day', 'month'] as const;
export const BUDGET_MODES = ['hard', 'soft'] as const;

export const TENANT_NAME = /^[A-Za-z0-9_.-]+$/;
const nameOf = (what: string) =>
  z
    .string()
    .max(128)
    .regex(TENANT_NAME, { message: `${what} names may use only letters, digits, "_", "." and "-"` });
const tenantName = nameOf('tenant');
const tierName = nameOf('tier');

export const RateLimitSchema = z.strictObject({
  rpm: count.optional(),
  tpm: count.optional(),
  concurrent: count.optional(),
});

export const BudgetSchema = z.strictObject({
  usd: positiveNumber,
  period: z.enum(BUDGET_PERIODS),
  // hard refuses once the budget is spent (429 budget_exceeded); soft only alerts. No default here: a
  // tenant's budget without a mode takes its tier's, and `hard` only when neither says (tenant-policy.ts).
  mode: z.enum(BUDGET_MODES).optional(),
});

const TierSchema = z.strictObject({
  rate_limit: RateLimitSchema.optional(),
  budget: BudgetSchema.optional(),
  models: z.array(z.string().min(1)).optional(),
});

export const TenantSettingsSchema = z.strictObject({
  tier: tierName.optional(),
  rate_limit: RateLimitSchema.optional(),
  budget: BudgetSchema.optional(),
  models: z.array(z.string().min(1)).optional(),
  // Guardrails: this tenant's override of the `guardrails` section, field by field.
  guardrails: TenantGuardrailsSchema.optional(),
});

const TenantSchema = TenantSettingsSchema.extend({
  // Empty is fine: keys can be created later with `switchyard keys create`.
  keys: z.array(secret).default(() => []),
});

export type RateLimitConfig = z.output<typeof RateLimitSchema>;
export type BudgetConfig = z.output<typeof BudgetSchema>;
export type TierConfig = z.output<typeof TierSchema>;
export type TenantConfig = z.output<typeof TenantSchema>;
export type TenantSettings = z.output<typeof TenantSettingsSchema>;

export const tiersSection = z.record(tierName, TierSchema).default(() => ({}));

export const tenantsSection = z.record(tenantName, TenantSchema).default(() => ({}));
