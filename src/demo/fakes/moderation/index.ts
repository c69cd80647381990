/** The moderation fakes: Llama Guard behind an OpenAI-compatible chat API, and OpenAI's /v1/moderations. */
export type { FakeLlamaGuardOptions } from './fake-llama-guard.ts';
export { lastAgentTurn, startFakeLlamaGuard } from './fake-llama-guard.ts';
export type { FakeOpenAIModerationOptions } from './fake-openai-moderation.ts';
export { OPENAI_MODERATION_CATEGORIES, startFakeOpenAIModeration } from './fake-openai-moderation.ts';
export type { HarmPhrase } from './harm-phrases.ts';
export { DEFAULT_HARM_PHRASES } from './harm-phrases.ts';
