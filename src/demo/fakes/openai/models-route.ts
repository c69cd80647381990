/**
 * GET /v1/models and GET /v1/models/{id} (docs/providers.md §1.11): the list shape
 * {object: "list", data: [{id, object: "model", created, owned_by}]}, and one Model, or a 404
 * model_not_found for an id not in the catalogue. These routes take no script: faults are for
 * completions.
 */
import type { Model } from 'openai/resources/models';
import { openAIError, type OpenAIErrorResponse } from './errors.ts';
import type { OpenAIModel } from './models.ts';

export function listModels(catalogue: readonly OpenAIModel[]): { object: 'list'; data: Model[] } {
  return { object: 'list', data: catalogue.map(toModelObject) };
}

export function retrieveModel(catalogue: readonly OpenAIModel[], id: string): Model | OpenAIErrorResponse {
  const model = catalogue.find((m) => m.id === id);
  if (model === undefined) {
    return openAIError(404, `The model '${id}' does not exist`, { param: 'model', code: 'model_not_found' });
  }
  return toModelObject(model);
}

function toModelObject(model: OpenAIModel): Model {
  return { id: model.id, object: 'model', created: model.created, owned_by: model.ownedBy };
}
