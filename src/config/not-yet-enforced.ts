/**
 * Settings the config accepts (they are part of docs/design.md's contract) but no stage acts on yet. A
 * setting that silently does nothing is worse than none, so `start` logs a warning and `check` prints
 * one for each, until the stage that enforces it lands.
 */
import type { ConfigIssue } from './errors.ts';
import type { Config } from './schema.ts';

export function notYetEnforced(config: Config): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  for (const [name, model] of Object.entries(config.models)) {
    if (model.hedge !== undefined) {
      warnings.push({
        path: `models.${name}.hedge`,
        message: 'hedged requests are not implemented yet; ignored',
      });
    }
  }
  for (const [name, tenant] of Object.entries(config.tenants)) {
    if (tenant.rate_limit !== undefined) {
      warnings.push({
        path: `tenants.${name}.rate_limit`,
        message: 'tenant rate limits are not enforced yet; ignored',
      });
    }
    if (tenant.budget !== undefined) {
      warnings.push({
        path: `tenants.${name}.budget`,
        message: 'tenant budgets are not enforced yet; ignored',
      });
    }
  }
  if (config.store !== 'sqlite:./data/switchyard.db') {
    warnings.push({ path: 'store', message: 'the request-log store is not implemented yet; ignored' });
  }
  return warnings;
}
