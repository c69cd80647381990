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
        // TODO(issue 13): hedged requests.
        message: 'hedged requests are not implemented yet; ignored',
      });
    }
  }
  return warnings;
}
