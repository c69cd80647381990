/**
 * A small built-in table of list prices and context windows per provider model, for cost routing and
 * for `context_length` fallover (which target has the larger window). It is deliberately small and
 * approximate: the pricing table with operator overrides and the pricing webhook is a later issue
 * (TODO(issue 7): replace with the pricing table). Prices are USD per million tokens, standard tier,
 * short-context rates, as listed by each provider in 2025; context windows are input tokens.
 *
 * Keyed by provider type, then by model id prefix: the longest listed prefix of the model id wins, so
 * dated snapshots (`gpt-4.1-mini-2025-04-14`) find their family. Unknown models have no entry: cost
 * routing puts them after every priced target, and their window counts as unknown.
 */
export interface ModelInfo {
  inputPerMTokUsd: number;
  outputPerMTokUsd: number;
  contextWindow: number;
}

type Table = Readonly<Record<string, Readonly<Record<string, ModelInfo>>>>;

const info = (inputPerMTokUsd: number, outputPerMTokUsd: number, contextWindow: number): ModelInfo => ({
  inputPerMTokUsd,
  outputPerMTokUsd,
  contextWindow,
});

export const BUILT_IN_PRICES: Table = {
  openai: {
    'gpt-5': info(1.25, 10, 400_000),
    'gpt-5-mini': info(0.25, 2, 400_000),
    'gpt-5-nano': info(0.05, 0.4, 400_000),
    'gpt-4.1': info(2, 8, 1_047_576),
    'gpt-4.1-mini': info(0.4, 1.6, 1_047_576),
    'gpt-4.1-nano': info(0.1, 0.4, 1_047_576),
    'gpt-4o': info(2.5, 10, 128_000),
    'gpt-4o-mini': info(0.15, 0.6, 128_000),
    o3: info(2, 8, 200_000),
    'o3-mini': info(1.1, 4.4, 200_000),
    'o4-mini': info(1.1, 4.4, 200_000),
  },
  anthropic: {
    'claude-opus-4': info(15, 75, 200_000),
    'claude-sonnet-4': info(3, 15, 200_000),
    'claude-3-7-sonnet': info(3, 15, 200_000),
    'claude-haiku-4-5': info(1, 5, 200_000),
    'claude-3-5-haiku': info(0.8, 4, 200_000),
  },
  gemini: {
    'gemini-2.5-pro': info(1.25, 10, 1_048_576),
    'gemini-2.5-flash': info(0.3, 2.5, 1_048_576),
    'gemini-2.5-flash-lite': info(0.1, 0.4, 1_048_576),
    'gemini-2.0-flash': info(0.1, 0.4, 1_048_576),
  },
  deepseek: {
    'deepseek-chat': info(0.28, 0.42, 128_000),
    'deepseek-reasoner': info(0.28, 0.42, 128_000),
  },
  qwen: {
    'qwen-max': info(1.6, 6.4, 32_768),
    'qwen-plus': info(0.4, 1.2, 131_072),
    'qwen-turbo': info(0.05, 0.2, 1_000_000),
    'qwen-flash': info(0.05, 0.4, 1_000_000),
  },
  mistral: {
    'mistral-large': info(2, 6, 128_000),
    'mistral-medium': info(0.4, 2, 128_000),
    'mistral-small': info(0.1, 0.3, 128_000),
    codestral: info(0.3, 0.9, 256_000),
  },
};

/** The entry for `model` of a provider of `type`; called at config compile, never per request. */
export function lookupModelInfo(
  type: string,
  model: string,
  table: Table = BUILT_IN_PRICES,
): ModelInfo | undefined {
  const models = table[type];
  if (models === undefined) return undefined;
  let best: string | undefined;
  for (const prefix of Object.keys(models)) {
    if (model.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : models[best];
}

/** Estimated cost of a request in USD: its prompt plus the output it may produce. */
export function estimateCostUsd(info: ModelInfo, promptTokens: number, outputTokens: number): number {
  return (promptTokens * info.inputPerMTokUsd + outputTokens * info.outputPerMTokUsd) / 1_000_000;
}
