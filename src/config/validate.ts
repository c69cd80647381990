// validateConfig: runs the schema and the cross-section rules over a parsed
// document and reports every problem at once, in document order.

import { type Config, ConfigSchema } from './config-schema.ts';
import { checkCrossFieldRules } from './cross-section-rules.ts';
import { checkGuardrailsRules } from './guardrails-rules.ts';
import type { ConfigIssue } from './errors.ts';
import { formatPath, inDocumentOrder } from './errors.ts';
import { isRecord } from './raw-document.ts';
import { describe, fromZodIssue, messageFor } from './zod-issues.ts';

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: ConfigIssue[] };

/** Validates a parsed (and env-substituted) config document, reporting every problem. */
export function validateConfig(document: unknown): ConfigResult {
  if (document !== null && document !== undefined && !isRecord(document)) {
    return {
      ok: false,
      errors: [{ path: '', message: `the config must be a mapping of sections, got ${describe(document)}` }],
    };
  }
  // A section whose entries are all commented out parses as null; treat it as absent.
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document ?? {})) {
    if (value !== null) root[key] = value;
  }

  const knownKeys = new Map<string, readonly string[]>();
  const parsed = ConfigSchema.safeParse(root, { error: (issue) => messageFor(issue, knownKeys) });
  const errors = parsed.success ? [] : parsed.error.issues.flatMap((issue) => fromZodIssue(issue, knownKeys));
  for (const issue of [...checkCrossFieldRules(root), ...checkGuardrailsRules(root)]) {
    errors.push({ path: formatPath(issue.path), message: issue.message });
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors: inDocumentOrder(errors, root) };
  return { ok: true, config: parsed.data };
}
