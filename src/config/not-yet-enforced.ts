/**
 * Settings the config accepts (they are part of docs/design.md's contract) but no stage acts on yet. A
 * setting that silently does nothing is worse than none, so `start` logs a warning and `check` prints
 * one for each, until the stage that enforces it lands.
 */
import type { ConfigIssue } from './errors.ts';
import type { Config } from './schema.ts';

export function notYetEnforced(_config: Config): ConfigIssue[] {
  // Every accepted setting is enforced (hedged requests since issue 13).
  return [];
}
