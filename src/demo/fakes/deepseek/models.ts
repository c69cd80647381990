/**
 * The fake DeepSeek's models (docs/providers.md §5.1–5.2) and when each thinks: `deepseek-reasoner`
 * always, `deepseek-chat` only when `thinking` is enabled, the V4 models unless it is disabled
 * (thinking is on by default there).
 */
export const DEFAULT_DEEPSEEK_MODELS: readonly string[] = [
  'deepseek-chat',
  'deepseek-reasoner',
  'deepseek-v4-flash',
  'deepseek-v4-pro',
];

export function thinkingOn(model: string, thinking: unknown): boolean {
  const type = (thinking as { type?: unknown } | null | undefined)?.type;
  if (model === 'deepseek-reasoner') return true;
  if (model === 'deepseek-chat') return type === 'enabled';
  return type !== 'disabled';
}

export function listDeepSeekModels(models: readonly string[]) {
  return { object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'deepseek' })) };
}
