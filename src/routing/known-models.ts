/**
 * The model ids a provider type is known to serve, from the built-in price table (src/pricing/built-in.ts), for
 * GET /v1/models when no model list is configured (env-only mode). The table is keyed by id prefix, and
 * some prefixes name a family rather than a callable id; those list the id a client can send, which
 * the table prices under that same family.
 */
import { BUILT_IN_MODELS } from '../pricing/built-in.ts';

/** Table key → the callable id listed for it, where the key itself is not one. */
const CALLABLE_ID: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  anthropic: {
    'claude-opus-4': 'claude-opus-4-0',
    'claude-sonnet-4': 'claude-sonnet-4-0',
    'claude-3-7-sonnet': 'claude-3-7-sonnet-latest',
    'claude-3-5-haiku': 'claude-3-5-haiku-latest',
  },
  mistral: {
    'mistral-large': 'mistral-large-latest',
    'mistral-medium': 'mistral-medium-latest',
    codestral: 'codestral-latest',
  },
};

const byType = new Map<string, readonly string[]>(
  [...BUILT_IN_MODELS].map(([type, models]) => [
    type,
    [...models.keys()].map((key) => CALLABLE_ID[type]?.[key] ?? key),
  ]),
);

/** Known model ids of a provider type, in the table's order; none for types it does not cover. */
export function knownModelIds(type: string): readonly string[] {
  return byType.get(type) ?? [];
}
