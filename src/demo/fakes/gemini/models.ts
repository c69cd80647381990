/**
 * The fake Gemini's model catalogue and what each model does differently.
 *
 *   DEFAULT_GEMINI_MODELS                  what GET /v1beta/models lists when no list is configured
 *   toGeminiModel(idOrModel): GeminiModel  fills the traits of a bare id from its name
 *   toModelResource(model): object         the Model resource of GET /v1beta/models (docs/providers.md §3.8)
 *
 * Traits follow the 2026 API: 2.5 and later models think (thoughtsTokenCount is billed even when
 * thoughts are not returned) and return thought signatures; 2.5 takes thinkingBudget, Gemini 3
 * takes thinkingLevel and answers 400 when a functionCall of the current turn comes back without its
 * signature (docs/providers.md §3.2); 2.5 Pro cannot switch thinking off; 2.0 and older do not think and
 * reject thinkingConfig.
 */
import { ownValue } from '../../../providers/shared/own-property.ts';

export interface GeminiModel {
  /** The id without `models/`, e.g. `gemini-2.5-flash`. */
  id: string;
  displayName: string;
  version: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  /** Thinks before answering; reports thoughtsTokenCount and returns thought signatures. */
  thinking: boolean;
  /** Takes thinkingLevel and validates thought signatures on function calls (Gemini 3). */
  thinkingLevels: boolean;
  /** Rejects thinkingBudget 0 (2.5 Pro, Gemini 3). */
  alwaysThinks: boolean;
}

const KNOWN: Record<
  string,
  Pick<GeminiModel, 'displayName' | 'version' | 'inputTokenLimit' | 'outputTokenLimit'>
> = {
  'gemini-2.0-flash': {
    displayName: 'Gemini 2.0 Flash',
    version: '2.0',
    inputTokenLimit: 1048576,
    outputTokenLimit: 8192,
  },
  'gemini-2.5-flash': {
    displayName: 'Gemini 2.5 Flash',
    version: '001',
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
  },
  'gemini-2.5-flash-lite': {
    displayName: 'Gemini 2.5 Flash-Lite',
    version: '001',
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
  },
  'gemini-2.5-pro': {
    displayName: 'Gemini 2.5 Pro',
    version: '2.5',
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
  },
  'gemini-3-pro-preview': {
    displayName: 'Gemini 3 Pro Preview',
    version: '3-pro-preview-11-2025',
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
  },
  'gemini-3-flash-preview': {
    displayName: 'Gemini 3 Flash Preview',
    version: '3-flash-preview-12-2025',
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
  },
};

export const DEFAULT_GEMINI_MODELS: readonly GeminiModel[] = Object.keys(KNOWN).map((id) =>
  toGeminiModel(id),
);

export function toGeminiModel(model: string | GeminiModel): GeminiModel {
  if (typeof model !== 'string') return model;
  const id = model.startsWith('models/') ? model.slice('models/'.length) : model;
  const generation = generationOf(id);
  return {
    id,
    displayName: id,
    version: '001',
    inputTokenLimit: 1048576,
    outputTokenLimit: generation >= 2.5 ? 65536 : 8192,
    ...ownValue(KNOWN, id),
    thinking: generation >= 2.5,
    thinkingLevels: generation >= 3,
    alwaysThinks: generation >= 3 || /^gemini-2\.5-pro/.test(id),
  };
}

/** `gemini-2.5-flash` → 2.5; names we cannot read (aliases like `gemini-flash-latest`) count as 2.5. */
function generationOf(id: string): number {
  const match = /^gemini-(\d+(?:\.\d+)?)/.exec(id);
  return match === null ? 2.5 : Number(match[1]);
}

export function toModelResource(model: GeminiModel): Record<string, unknown> {
  return {
    name: `models/${model.id}`,
    version: model.version,
    displayName: model.displayName,
    description: `${model.displayName} (simulated by the Switchyard demo upstream)`,
    inputTokenLimit: model.inputTokenLimit,
    outputTokenLimit: model.outputTokenLimit,
    supportedGenerationMethods: [
      'generateContent',
      'countTokens',
      'createCachedContent',
      'batchGenerateContent',
    ],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    ...(model.thinking ? { thinking: true } : {}),
  };
}
