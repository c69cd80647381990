/**
 * What the moderation fakes call harmful: a short list of phrases a test can put into an answer, each
 * with the Llama Guard code and the OpenAI moderation category a real classifier would give it. A test
 * may pass its own list.
 */
export interface HarmPhrase {
  pattern: RegExp;
  /** Llama Guard 3 code (docs/providers.md §7). */
  code: string;
  /** OpenAI moderation category (docs/providers.md §1.13). */
  openaiCategory: string;
}

export const DEFAULT_HARM_PHRASES: readonly HarmPhrase[] = [
  { pattern: /pipe bomb|nerve agent/i, code: 'S9', openaiCategory: 'illicit/violent' },
  { pattern: /kill (?:someone|your neighbou?r)/i, code: 'S1', openaiCategory: 'violence' },
  { pattern: /kill yourself/i, code: 'S11', openaiCategory: 'self-harm/instructions' },
  { pattern: /cook meth/i, code: 'S2', openaiCategory: 'illicit' },
];
