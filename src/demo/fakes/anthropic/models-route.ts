/**
 * GET /v1/models and GET /v1/models/{id} (docs/providers.md §2.12): newest first, paged with
 * `limit` (1–1000, default 20), `after_id` and `before_id`; a page is
 * `{data, has_more, first_id, last_id}`. A model is found by id or alias.
 */
import { type AnthropicErrorResponse, anthropicError, invalidRequest } from './errors.ts';
import { type AnthropicModel, findModel } from './models.ts';

export function toModelInfo(model: AnthropicModel): Record<string, unknown> {
  return {
    type: 'model',
    id: model.id,
    display_name: model.displayName,
    created_at: model.createdAt,
    max_input_tokens: model.maxInputTokens,
    max_tokens: model.maxOutputTokens,
    capabilities: null,
    lifecycle: 'active',
    line: model.line,
    deprecated_at: null,
    retires_at: null,
  };
}

export function listModels(
  catalogue: readonly AnthropicModel[],
  query: URLSearchParams,
): Record<string, unknown> | AnthropicErrorResponse {
  const limitText = query.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    return invalidRequest('limit: Input should be between 1 and 1000');
  const sorted = [...catalogue].sort(
    (a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id),
  );
  let start = 0;
  let end = sorted.length;
  const afterId = query.get('after_id');
  const beforeId = query.get('before_id');
  if (afterId !== null) start = sorted.findIndex((m) => m.id === afterId) + 1;
  if (beforeId !== null)
    end = Math.max(
      0,
      sorted.findIndex((m) => m.id === beforeId),
    );
  const window = sorted.slice(start, end);
  const page = beforeId !== null && afterId === null ? window.slice(-limit) : window.slice(0, limit);
  const hasMore = window.length > page.length;
  return {
    data: page.map(toModelInfo),
    has_more: hasMore,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
  };
}

export function retrieveModel(
  catalogue: readonly AnthropicModel[],
  id: string,
): Record<string, unknown> | AnthropicErrorResponse {
  const model = findModel(catalogue, id);
  return model === undefined ? anthropicError(404, 'not_found_error', `model: ${id}`) : toModelInfo(model);
}

export function isErrorResponse(
  value: Record<string, unknown> | AnthropicErrorResponse,
): value is AnthropicErrorResponse {
  return typeof value.status === 'number' && 'body' in value;
}
