/**
 * How each provider type serves each client endpoint (docs/design.md §1), for docs/provider-features.md
 * and for the fronts themselves, so the table cannot drift from what the code does:
 *
 * - **passthrough**: the client's body goes upstream with only `model` rewritten; the answer comes back as is.
 * - **translated**: through the normalized request and the provider's adapter, rendered back.
 * - **none**: the provider has no such API; the gateway answers 400 itself (or, in a fallback chain,
 *   skips to the next target that has it).
 */
import { embeddingsAdapters } from '../embeddings/front.ts';
import { openaiEmbeddings } from '../embeddings/openai.ts';

export type EndpointSupport = 'passthrough' | 'translated' | 'none';

export const endpoints = ['/v1/chat/completions', '/v1/messages', '/v1/responses', '/v1/embeddings'] as const;
export type Endpoint = (typeof endpoints)[number];

/** Providers whose own API is OpenAI's Chat Completions, forwarded without translation. */
const CHAT_PASSTHROUGH = new Set(['openai', 'openai-compatible']);

export function endpointSupport(providerType: string, endpoint: Endpoint): EndpointSupport {
  switch (endpoint) {
    case '/v1/chat/completions':
      return CHAT_PASSTHROUGH.has(providerType) ? 'passthrough' : 'translated';
    case '/v1/messages':
      return providerType === 'anthropic' ? 'passthrough' : 'translated';
    case '/v1/responses':
      // OpenAI's own endpoint; compatible servers rarely have one, so they get Chat Completions.
      return providerType === 'openai' ? 'passthrough' : 'translated';
    case '/v1/embeddings': {
      const adapter = embeddingsAdapters[providerType as keyof typeof embeddingsAdapters];
      if (adapter === undefined) return 'none';
      return adapter === openaiEmbeddings ? 'passthrough' : 'translated';
    }
  }
}
