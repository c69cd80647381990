/**
 * How Gemini's thought signatures survive a conversation that goes through OpenAI clients.
 *
 * Gemini attaches an opaque `thoughtSignature` (base64) to model parts and wants it back unchanged on
 * the next turn; Gemini 3 answers 400 ("Function call is missing a thought_signature in functionCall
 * parts") when the first functionCall part of a step in the current turn comes back without one
 * (docs/providers.md §3.2). OpenAI clients only send back what the Chat Completions format has, so:
 *
 * - A functionCall part's signature rides inside the tool call id: `<core>__thought__<base64url>`.
 *   The id is the one field every client and agent framework echoes (on the assistant message and on
 *   the tool result), so the signature Gemini enforces cannot be lost. base64url keeps the id within
 *   `[A-Za-z0-9_-]`, the alphabet other providers accept for tool-use ids, and converts back exactly
 *   (Gemini writes padded standard base64, protobuf's JSON form for `bytes`).
 * - Signatures on other parts (text, thought, the empty closing text part of a stream) go in the
 *   assistant message's `reasoning_signature` as `gemini:<signature>`. Gemini does not enforce those;
 *   clients that keep the whole message object send it back, others lose only a quality hint. The
 *   `gemini:` prefix keeps another provider's signature (Anthropic's thinking signature uses the same
 *   field) from being sent to Gemini after a fallback, and vice versa.
 *
 * A function call that has no signature at all (history produced by another provider, or by a client
 * that rebuilt the ids) gets Gemini's documented placeholder so Gemini 3 accepts the turn.
 */

const ID_SEPARATOR = '__thought__';
const REASONING_PREFIX = 'gemini:';

/** Gemini's documented value for function calls it did not produce (thought-signatures guide). */
export const FOREIGN_SIGNATURE = 'skip_thought_signature_validator';

export function encodeToolCallId(core: string, signature: string | undefined): string {
  if (signature === undefined || signature === '') return core;
  return `${core}${ID_SEPARATOR}${toBase64Url(signature)}`;
}

/** The signature carried by a tool call id, or undefined for ids we did not mint with one. */
export function signatureFromToolCallId(id: string): string | undefined {
  const at = id.indexOf(ID_SEPARATOR);
  if (at === -1) return undefined;
  const encoded = id.slice(at + ID_SEPARATOR.length);
  return encoded === '' ? undefined : fromBase64Url(encoded);
}

export function encodeReasoningSignature(signature: string): string {
  return `${REASONING_PREFIX}${signature}`;
}

/** Our own `reasoning_signature` values only; anything else came from another provider. */
export function signatureFromReasoning(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith(REASONING_PREFIX)) return undefined;
  const signature = value.slice(REASONING_PREFIX.length);
  return signature === '' ? undefined : signature;
}

function toBase64Url(base64: string): string {
  let end = base64.length;
  while (end > 0 && base64.charCodeAt(end - 1) === 61 /* = */) end--;
  return base64.slice(0, end).replaceAll('+', '-').replaceAll('/', '_');
}

function fromBase64Url(encoded: string): string {
  const base64 = encoded.replaceAll('-', '+').replaceAll('_', '/');
  const padding = (4 - (base64.length % 4)) % 4;
  return padding === 0 ? base64 : base64 + '='.repeat(padding);
}
