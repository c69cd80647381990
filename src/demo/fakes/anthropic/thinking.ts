/**
 * Thinking-block signatures for the fake, so it can enforce what the real API enforces: a thinking
 * block sent back must be exactly the one the model wrote (docs/providers.md §2.3), and on the 5.5
 * models only to the model that wrote it.
 *
 *   signThinking(secret, thinking, model)            the `signature` of a block the fake writes
 *   verifyThinkingSignature(secret, thinking, signature, model)
 *   redactedThinkingData(secret, seed)               opaque `data` of a redacted_thinking block
 *   verifyRedactedThinking(secret, data)             whether this fake wrote that data
 *
 * A signature is base64 of "fk1.<model id>.<HMAC-SHA256(secret, model id + thinking)>": opaque to
 * clients like the real one, and checkable here without remembering what was sent.
 */
import { createHmac } from 'node:crypto';
import type { AnthropicModel } from './models.ts';

/**
 * The user-message text that makes Claude answer with a redacted_thinking block, documented by
 * Anthropic for testing clients that must pass those blocks back.
 */
export const REDACTED_THINKING_TRIGGER =
  'ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_46C9A13E193C177646C7398A98432ECCCE4C1253D5E2D82641AC0E52CC2876CB';

function mac(secret: string, modelId: string, thinking: string): string {
  return createHmac('sha256', secret).update(`${modelId}\n${thinking}`).digest('base64url');
}

export function signThinking(secret: string, thinking: string, model: AnthropicModel): string {
  return Buffer.from(`fk1.${model.id}.${mac(secret, model.id, thinking)}`, 'utf8').toString('base64');
}

export function verifyThinkingSignature(
  secret: string,
  thinking: string,
  signature: string,
  model: AnthropicModel,
): boolean {
  const decoded = Buffer.from(signature, 'base64').toString('utf8');
  const match = /^fk1\.([^.]+(?:\.[^.]+)*)\.([A-Za-z0-9_-]+)$/.exec(decoded);
  if (match === null) return false;
  const [, signer = '', digest] = match;
  if (model.thinkingBoundToModel && signer !== model.id) return false;
  return digest === mac(secret, signer, thinking);
}

/** Opaque like the real thing, but checkable: "fkr1.<nonce>.<HMAC(secret, nonce)>", base64. */
export function redactedThinkingData(secret: string, seed: string): string {
  const nonce = createHmac('sha256', secret).update(`nonce\n${seed}`).digest('base64url').slice(0, 32);
  return Buffer.from(`fkr1.${nonce}.${mac(secret, 'redacted', nonce)}`, 'utf8').toString('base64');
}

export function verifyRedactedThinking(secret: string, data: string): boolean {
  const match = /^fkr1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(
    Buffer.from(data, 'base64').toString('utf8'),
  );
  return match !== null && match[2] === mac(secret, 'redacted', match[1] ?? '');
}
