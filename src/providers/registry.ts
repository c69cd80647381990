/**
 * The only list of providers. Adding a provider is one folder and one line here; everything else
 * (config validation, routing, docs/provider-features.md) reads this map.
 */
import { anthropicAdapter } from './anthropic/index.ts';
import { deepseekAdapter } from './deepseek/index.ts';
import { geminiAdapter } from './gemini/index.ts';
import { mistralAdapter } from './mistral/index.ts';
import { openaiAdapter } from './openai/index.ts';
import { openaiCompatibleAdapter } from './openai-compatible/index.ts';
import { qwenAdapter } from './qwen/index.ts';
import type { ProviderAdapter } from './types.ts';

export const providerRegistry = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  mistral: mistralAdapter,
  deepseek: deepseekAdapter,
  qwen: qwenAdapter,
  'openai-compatible': openaiCompatibleAdapter,
} as const satisfies Record<string, ProviderAdapter>;

export type ProviderType = keyof typeof providerRegistry;

/** In docs/design.md's order; non-empty, as zod's enum wants. */
export const providerTypes = Object.keys(providerRegistry) as [ProviderType, ...ProviderType[]];

export function getAdapter(type: ProviderType): ProviderAdapter {
  return providerRegistry[type];
}
