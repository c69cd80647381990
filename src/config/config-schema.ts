// The whole of switchyard.yaml (docs/design.md §1): its sections in order, and the
// types the rest of the gateway reads. Every object is strict: a typo in a
// config must be an error, never a setting that silently does nothing.
//
// To add a section (health, breaker, cache…), give it a file under sections/
// and add it to `configSections`; `switchyard check` and the loader pick it up
// from there.

import { z } from 'zod';
import { modelsSection } from './sections/models.ts';
import { providersSection } from './sections/providers.ts';
import { breakerSection, healthSection, retrySection, routingSection } from './sections/resilience.ts';
import { serverSection } from './sections/server.ts';
import { stateSection, storeSection } from './sections/state-store.ts';
import { alertsSection, limitsSection, pricingSection } from './sections/control-plane.ts';
import { cacheSection } from './sections/cache.ts';
import { tenantsSection, tiersSection } from './sections/tenants.ts';
import { guardrailsSection } from './sections/guardrails.ts';
import { batchSection } from './sections/batch.ts';
import { loggingSection, telemetrySection } from './sections/observability.ts';
import { chaosSection } from './sections/chaos.ts';

export const configSections = {
  server: serverSection,
  providers: providersSection,
  models: modelsSection,
  tiers: tiersSection,
  tenants: tenantsSection,
  pricing: pricingSection,
  alerts: alertsSection,
  limits: limitsSection,
  cache: cacheSection,
  state: stateSection,
  store: storeSection,
  retry: retrySection,
  breaker: breakerSection,
  health: healthSection,
  routing: routingSection,
  guardrails: guardrailsSection,
  batch: batchSection,
  logging: loggingSection,
  telemetry: telemetrySection,
  chaos: chaosSection,
};

export const ConfigSchema = z.strictObject(configSections);

export type Config = z.output<typeof ConfigSchema>;
export type ServerConfig = Config['server'];
