/**
 * The fake Mistral's model catalogue and GET /v1/models (docs/providers.md §4.1): Mistral's list is
 * OpenAI's `{object:"list", data:[…]}` with richer cards (capabilities, context length, aliases).
 * Magistral models reason: they answer with `thinking` chunks before the text (§4.3).
 */
export interface MistralModel {
  id: string;
  created: number;
  vision: boolean;
  maxContextLength: number;
  aliases: string[];
}

export const DEFAULT_MISTRAL_MODELS: readonly MistralModel[] = [
  {
    id: 'mistral-small-latest',
    created: 1767225600,
    vision: true,
    maxContextLength: 131072,
    aliases: ['mistral-small-2506'],
  },
  {
    id: 'mistral-medium-latest',
    created: 1767225600,
    vision: true,
    maxContextLength: 131072,
    aliases: ['mistral-medium-2508'],
  },
  {
    id: 'mistral-large-latest',
    created: 1767225600,
    vision: true,
    maxContextLength: 262144,
    aliases: ['mistral-large-2512'],
  },
  {
    id: 'codestral-latest',
    created: 1767225600,
    vision: false,
    maxContextLength: 262144,
    aliases: ['codestral-2508'],
  },
  {
    id: 'magistral-medium-latest',
    created: 1767225600,
    vision: true,
    maxContextLength: 131072,
    aliases: ['magistral-medium-2509'],
  },
];

export function toMistralModel(model: string | MistralModel): MistralModel {
  if (typeof model !== 'string') return model;
  return (
    DEFAULT_MISTRAL_MODELS.find((m) => m.id === model) ?? {
      id: model,
      created: 1767225600,
      vision: true,
      maxContextLength: 131072,
      aliases: [],
    }
  );
}

export function isMagistral(model: string): boolean {
  return model.startsWith('magistral');
}

export function listMistralModels(catalogue: readonly MistralModel[]) {
  return { object: 'list', data: catalogue.map(toModelCard) };
}

export function toModelCard(model: MistralModel) {
  return {
    id: model.id,
    object: 'model',
    created: model.created,
    owned_by: 'mistralai',
    capabilities: {
      completion_chat: true,
      completion_fim: model.id.startsWith('codestral'),
      function_calling: true,
      reasoning: isMagistral(model.id),
      fine_tuning: false,
      vision: model.vision,
      classification: false,
    },
    name: model.id,
    description: `${model.id} (Switchyard fake)`,
    max_context_length: model.maxContextLength,
    aliases: model.aliases,
    deprecation: null,
    default_model_temperature: 0.3,
    type: 'base',
  };
}
