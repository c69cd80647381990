/**
 * Any server that speaks OpenAI's Chat Completions (vLLM, Ollama, LM Studio, llama.cpp, TGI, a
 * company's internal proxy). It is the OpenAI passthrough with no default base URL and an optional key,
 * since local servers often need none. What such a server supports is its own business: we forward
 * every field and let it answer.
 */
import { openaiAdapter } from '../openai/index.ts';
import { toOpenAICompatibleRequest } from '../openai/request.ts';
import type { ProviderAdapter } from '../types.ts';

export const openaiCompatibleAdapter: ProviderAdapter = {
  ...openaiAdapter,
  type: 'openai-compatible',
  defaultBaseUrl: undefined,
  toRequest: toOpenAICompatibleRequest,
};
