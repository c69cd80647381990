/**
 * The fake Qwen's models (docs/providers.md §6.2) and their thinking behaviour (§6.3): the commercial
 * hybrid models (qwen-plus, qwen-flash, qwen3-max, …) think only with `enable_thinking: true`;
 * open-weight Qwen3 (`qwen3-32b`, `qwen3-235b-a22b`, …) think by default and, thinking, answer only
 * streams; QwQ always thinks and only streams. Thinking budgets are capped at 38 912 tokens, the
 * smallest maximum of the hybrid models.
 */
export const DEFAULT_QWEN_MODELS: readonly string[] = [
  'qwen3-max',
  'qwen-plus',
  'qwen-flash',
  'qwen-turbo',
  'qwq-plus',
  'qwen3-32b',
  'qwen-vl-plus',
];

export const MAX_THINKING_BUDGET = 38912;

export function isStreamOnly(model: string): boolean {
  return model.startsWith('qwq');
}

export function isOpenWeightQwen3(model: string): boolean {
  return /^qwen3-\d/.test(model);
}

export function thinkingOn(model: string, enableThinking: unknown): boolean {
  if (isStreamOnly(model)) return true;
  if (typeof enableThinking === 'boolean') return enableThinking;
  return isOpenWeightQwen3(model);
}

export function listQwenModels(models: readonly string[]) {
  return {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: 1767225600, owned_by: 'system' })),
  };
}
