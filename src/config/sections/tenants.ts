// The `tenants` section: virtual keys, rate limits, budgets and model allow-lists.

import { z } from 'zod';
import { count, positiveNumber, secret } from './values.ts';

export const BUDGET_PERIODS = ['day', 'month'] as const;

const TENANT_NAME = /^[A-Za-z0-9_.-]+$/;

const TenantSchema = z.strictObject({
  // Empty is fine: keys can be created later with `switchyard keys create`.
  keys: z.array(secret).default(() => []),
  rate_limit: z.strictObject({ rpm: count.optional(), tpm: count.optional() }).optional(),
  budget: z.strictObject({ usd: positiveNumber, period: z.enum(BUDGET_PERIODS) }).optional(),
  models: z.array(z.string().min(1)).optional(),
});

export type TenantConfig = z.output<typeof TenantSchema>;

export const tenantsSection = z
  .record(
    z.string().regex(TENANT_NAME, { message: 'tenant names may use only letters, digits, "_", "." and "-"' }),
    TenantSchema,
  )
  .default(() => ({}));
