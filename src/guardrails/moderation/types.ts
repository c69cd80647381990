/**
 * The moderation contract every backend fulfils: text in, hazard categories out, in the Llama Guard 3
 * taxonomy (S1–S14, docs/providers.md §7) whatever the backend's own vocabulary. A local check answers
 * at once; a remote one returns a promise, and the stream moderator holds the stream while it waits.
 */
import type { HazardCategory } from '../../config/sections/guardrails.ts';

export interface FlaggedSpan {
  category: HazardCategory;
  /** Offsets into the checked text; only the local backend knows them. */
  start: number;
  end: number;
}

export interface ModerationResult {
  categories: readonly HazardCategory[];
  /** Where each category fired, when the backend can tell (redaction then cuts only these). */
  spans: readonly FlaggedSpan[];
  /** The backend could not answer (timeout, upstream error, unparsable verdict). */
  unavailable?: boolean;
}

export const SAFE: ModerationResult = Object.freeze({ categories: [], spans: [] });

export interface ModerationBackend {
  readonly name: string;
  /** `prompt`: the client's last user message, for backends that judge a reply in its conversation. */
  check(text: string, signal: AbortSignal, prompt: string): ModerationResult | Promise<ModerationResult>;
}
