// The config `start` uses when no config file is given (docs/design.md §1): one
// provider per API key found in the environment, no virtual models (any
// "provider/model" works as a model name), no tenants, every default.
// GET /v1/models lists each provider's known models for it (isConfigFromEnv).

import type { Env } from './env-substitution.ts';
import type { Config } from './schema.ts';
import { validateConfig } from './schema.ts';

/** Provider name (also its type) and the variable its keys come from, in the order they are reported. */
export const PROVIDER_KEY_VARIABLES = [
  { provider: 'openai', variable: 'OPENAI_API_KEY' },
  { provider: 'anthropic', variable: 'ANTHROPIC_API_KEY' },
  { provider: 'gemini', variable: 'GEMINI_API_KEY' },
  { provider: 'deepseek', variable: 'DEEPSEEK_API_KEY' },
  { provider: 'qwen', variable: 'DASHSCOPE_API_KEY' },
  { provider: 'mistral', variable: 'MISTRAL_API_KEY' },
] as const;

export function configFromEnv(env: Env): { config: Config; providers: string[] } | undefined {
  const providers: Record<string, { type: string; keys: string[] }> = {};
  for (const { provider, variable } of PROVIDER_KEY_VARIABLES) {
    const keys = splitKeys(env[variable]);
    if (keys.length > 0) providers[provider] = { type: provider, keys };
  }
  const names = Object.keys(providers);
  if (names.length === 0) return undefined;

  const result = validateConfig({ providers });
  if (!result.ok) {
    // Unreachable for keys split as below; a failure here is a bug in this file, not in the user's environment.
    throw new Error(
      `config from environment is invalid: ${result.errors.map((issue) => issue.path).join(', ')}`,
    );
  }
  fromEnvironment.add(result.config);
  return { config: result.config, providers: names };
}

/**
 * Configs built here, so GET /v1/models can list each provider's known models (routing/known-models.ts)
 * without restricting the names clients may send, which a `models` list would do.
 */
const fromEnvironment = new WeakSet<Config>();

export function isConfigFromEnv(config: Config): boolean {
  return fromEnvironment.has(config);
}

// Several keys may share one variable, separated by commas, so rotation works
// without a config file. No provider's keys contain a comma. Whitespace around
// each key (a trailing newline from `$(cat keyfile)`) is dropped, and so are
// repeats.
function splitKeys(value: string | undefined): string[] {
  if (value === undefined) return [];
  const keys = value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  return [...new Set(keys)];
}
