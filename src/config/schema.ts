// The public face of the config schema: everything outside src/config imports
// from here. docs/configuration.md explains every default; keep the two in step.
//
//   config-schema.ts        the sections in order, ConfigSchema and the Config types
//   sections/*.ts           one file per section (resilience.ts holds retry, breaker,
//                           health and routing), values.ts the value schemas they share,
//                           defaults.ts the defaults outside resilience
//   cross-section-rules.ts  checks that tie sections together (targets, keys, allow-lists)
//   zod-issues.ts           zod issues turned into config issues
//   validate.ts             validateConfig, which runs all of the above

export { type Config, ConfigSchema, configSections, type ServerConfig } from './config-schema.ts';
export { DEFAULTS } from './sections/defaults.ts';
export {
  type ModelTarget,
  REASONING_EFFORTS,
  type RuleConfig,
  STRATEGIES,
  type VirtualModelConfig,
} from './sections/models.ts';
export { PROVIDER_TYPES, type ProviderConfig, type ProviderType } from './sections/providers.ts';
export { RESILIENCE_DEFAULTS } from './sections/resilience.ts';
export { BUDGET_PERIODS, type TenantConfig } from './sections/tenants.ts';
export { PROVIDER_NAME } from './sections/values.ts';
export { type ConfigResult, validateConfig } from './validate.ts';
