/**
 * The fake OpenAI's model catalogue.
 *
 *   DEFAULT_OPENAI_MODELS                  what GET /v1/models lists when no list is configured
 *   toOpenAIModel(idOrModel): OpenAIModel   fills created/snapshot/reasoning for a bare id
 *   snapshotOf(model): string               the dated name the API reports in `model`
 *   isReasoningModel(model): boolean        o-series and gpt-5 (not gpt-5-chat)
 *
 * The real API answers a request for an alias with the dated snapshot that served it
 * ("gpt-4.1" → "gpt-4.1-2025-04-14", as in the recorded openai-text.json for gpt-4.1-nano); dated
 * ids and ids we do not know are reported as sent. `created` values are the models' release
 * times as listed by the API (gpt-4.1 from docs/providers.md §1.11; the rest approximate).
 */
import { ownValue } from '../../../providers/shared/own-property.ts';

export interface OpenAIModel {
  id: string;
  /** Unix seconds, as in the Model object. */
  created: number;
  ownedBy: string;
  /** Dated snapshot reported in responses; the id itself when absent. */
  snapshot?: string;
  reasoning: boolean;
}

const KNOWN: Record<string, Omit<OpenAIModel, 'id' | 'reasoning'>> = {
  'gpt-4.1': { created: 1744316542, ownedBy: 'system', snapshot: 'gpt-4.1-2025-04-14' },
  'gpt-4.1-mini': { created: 1744318173, ownedBy: 'system', snapshot: 'gpt-4.1-mini-2025-04-14' },
  'gpt-4.1-nano': { created: 1744321707, ownedBy: 'system', snapshot: 'gpt-4.1-nano-2025-04-14' },
  'gpt-4o': { created: 1715367049, ownedBy: 'system', snapshot: 'gpt-4o-2024-08-06' },
  'gpt-4o-mini': { created: 1721172741, ownedBy: 'system', snapshot: 'gpt-4o-mini-2024-07-18' },
  o3: { created: 1744225308, ownedBy: 'system', snapshot: 'o3-2025-04-16' },
  'o4-mini': { created: 1744225351, ownedBy: 'system', snapshot: 'o4-mini-2025-04-16' },
  'gpt-5': { created: 1754425777, ownedBy: 'system', snapshot: 'gpt-5-2025-08-07' },
  'gpt-5-mini': { created: 1754425928, ownedBy: 'system', snapshot: 'gpt-5-mini-2025-08-07' },
};

// Any model created after the catalogue was written reports this.
const UNKNOWN_CREATED = 1767225600;

// Listed by default: the set a demo config routes to.
export const DEFAULT_OPENAI_MODELS: readonly OpenAIModel[] = [
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'gpt-4o',
  'gpt-4o-mini',
  'o4-mini',
  'gpt-5',
  'gpt-5-mini',
].map((id) => toOpenAIModel(id));

export function toOpenAIModel(model: string | OpenAIModel): OpenAIModel {
  if (typeof model !== 'string') return model;
  const known = ownValue(KNOWN, model);
  return {
    id: model,
    created: UNKNOWN_CREATED,
    ownedBy: 'system',
    ...known,
    reasoning: isReasoningModel(model),
  };
}

export function snapshotOf(model: string, catalogue: readonly OpenAIModel[] = DEFAULT_OPENAI_MODELS): string {
  return catalogue.find((m) => m.id === model)?.snapshot ?? ownValue(KNOWN, model)?.snapshot ?? model;
}

// o1/o3/o4 and gpt-5 reason before answering and reject sampling parameters (docs/providers.md §1.2);
// gpt-5-chat-latest is the non-reasoning chat variant.
export function isReasoningModel(model: string): boolean {
  if (/^o\d/.test(model)) return true;
  return model.startsWith('gpt-5') && !model.startsWith('gpt-5-chat');
}
