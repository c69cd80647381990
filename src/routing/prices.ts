/**
 * List prices and context windows per provider model, for cost routing and for `context_length`
 * fallover (which target has the larger window), read from the one built-in price table
 * (src/pricing/built-in.ts) at config compile, never per request. Prices are USD per million tokens,
 * standard tier, short-context rates; context windows are input tokens.
 *
 * A model id finds its row exactly or as a dated snapshot of a listed family
 * (`gpt-4.1-mini-2025-04-14`; src/pricing/model-family.ts). Unknown models have no entry: cost routing
 * puts them after every priced target, and their window counts as unknown.
 */
import { lookupBuiltIn } from '../pricing/built-in.ts';

export interface ModelInfo {
  inputPerMTokUsd: number;
  outputPerMTokUsd: number;
  contextWindow: number;
}

/** The entry for `model` of a provider of `type`; called at config compile, never per request. */
export function lookupModelInfo(type: string, model: string): ModelInfo | undefined {
  const row = lookupBuiltIn(type, model);
  if (row === undefined) return undefined;
  return { inputPerMTokUsd: row.input, outputPerMTokUsd: row.output, contextWindow: row.contextWindow };
}

/** Estimated cost of a request in USD: its prompt plus the output it may produce. */
export function estimateCostUsd(info: ModelInfo, promptTokens: number, outputTokens: number): number {
  return (promptTokens * info.inputPerMTokUsd + outputTokens * info.outputPerMTokUsd) / 1_000_000;
}
