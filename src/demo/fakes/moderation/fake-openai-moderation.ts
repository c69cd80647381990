/**
 * startFakeOpenAIModeration(options): OpenAI's moderation endpoint (docs/providers.md §1.13) on node:http.
 * `POST /v1/moderations` with `{"model", "input"}` (a string, an array of strings, or an array of text
 * and image parts) answers one result per input item with all 13 categories in `categories`,
 * `category_scores` and `category_applied_input_types`, flagged by the fake's harm phrases.
 */
import {
  errorForStatus,
  invalidApiKey,
  invalidRequest,
  invalidUrl,
  type OpenAIErrorResponse,
} from '../openai/errors.ts';
import { type FakeServer, type ProviderFakeOptions, startFakeServer } from '../shared/fake-server.ts';
import { DEFAULT_HARM_PHRASES, type HarmPhrase } from './harm-phrases.ts';

export interface FakeOpenAIModerationOptions extends ProviderFakeOptions {
  phrases?: readonly HarmPhrase[];
}

/** The 13 categories of omni-moderation, in the API's order. */
export const OPENAI_MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

const MODELS = new Set([
  'omni-moderation-latest',
  'omni-moderation-2024-09-26',
  'text-moderation-latest',
  'text-moderation-stable',
]);

export function startFakeOpenAIModeration(options: FakeOpenAIModerationOptions = {}): Promise<FakeServer> {
  const phrases = options.phrases ?? DEFAULT_HARM_PHRASES;
  const keys = options.keys === undefined ? undefined : new Set(options.keys);
  return startFakeServer({
    name: 'openai-moderation',
    ...options,
    handler: async (exchange) => {
      const reply = (error: OpenAIErrorResponse) =>
        exchange.sendJsonNow(error.status, error.body, error.headers);
      if (exchange.method !== 'POST' || exchange.path !== '/v1/moderations') {
        reply(invalidUrl(exchange.method, exchange.path));
        return;
      }
      const key = exchange.req.headers.authorization?.replace(/^Bearer /, '');
      if (keys !== undefined && (key === undefined || !keys.has(key))) {
        reply(invalidApiKey(key ?? ''));
        return;
      }
      const body =
        exchange.body.kind === 'json' ? (exchange.body.value as Record<string, unknown>) : undefined;
      const model = typeof body?.model === 'string' ? body.model : 'omni-moderation-latest';
      const script = exchange.takeScript(model);
      if (await exchange.applyEarlyFault(script, { streaming: false, errorFor: errorForStatus })) return;
      if (!MODELS.has(model)) {
        reply(invalidRequest(`The model '${model}' does not exist`, 'model', 'model_not_found'));
        return;
      }
      const items = inputItems(body?.input);
      if (items === undefined) {
        reply(invalidRequest("Invalid value for 'input'.", 'input', 'invalid_value'));
        return;
      }
      const results = items.map((text) => {
        const hits = new Set(
          phrases.filter((phrase) => phrase.pattern.test(text)).map((phrase) => phrase.openaiCategory),
        );
        const categories: Record<string, boolean> = {};
        const scores: Record<string, number> = {};
        const applied: Record<string, string[]> = {};
        for (const category of OPENAI_MODERATION_CATEGORIES) {
          categories[category] = hits.has(category);
          scores[category] = hits.has(category) ? 0.93 : 0.0004;
          applied[category] = ['text'];
        }
        return {
          flagged: hits.size > 0,
          categories,
          category_scores: scores,
          category_applied_input_types: applied,
        };
      });
      await exchange.sendJson(
        200,
        { id: exchange.ids.next('modr-', 32), model: snapshotOf(model), results },
        { script },
      );
    },
  });
}

function snapshotOf(model: string): string {
  return model === 'omni-moderation-latest' ? 'omni-moderation-2024-09-26' : model;
}

/** The texts to judge, one per result; undefined when `input` is not one of the documented shapes. */
function inputItems(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'string')) return input as string[];
  // Multimodal parts judge as one input: the text parts joined (images are not judged by the fake).
  const texts: string[] = [];
  for (const part of input) {
    if (part === null || typeof part !== 'object') return undefined;
    const typed = part as { type?: unknown; text?: unknown };
    if (typed.type === 'text' && typeof typed.text === 'string') texts.push(typed.text);
    else if (typed.type !== 'image_url') return undefined;
  }
  return [texts.join('\n')];
}
