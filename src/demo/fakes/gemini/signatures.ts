/**
 * Thought signatures the fake issues and accepts.
 *
 *   issueSignature(material): string   standard padded base64 (protobuf's JSON form for bytes) of a
 *                                       marker plus a hash, like the opaque ~100–3000 byte blobs Gemini sends
 *   isFakeSignature(text): boolean      one this fake issued (in standard or URL-safe base64, padded
 *                                       or not, as proto JSON accepts), or Gemini's documented placeholder
 *
 * The real API rejects a signature it did not issue ("Corrupted thought signature."); checking ours
 * the same way catches a client or gateway that mangles them on the way back.
 */
import { createHash } from 'node:crypto';

const MARKER = 'fake-gemini-thought-signature:';

/** The thought-signatures guide's values for history Gemini did not produce. */
const PLACEHOLDERS = new Set(['skip_thought_signature_validator', 'context_engineering_is_the_way_to_go']);

export function issueSignature(material: string): string {
  const digest = createHash('sha256').update(material).digest();
  // 30-byte marker + 32-byte digest + 2 bytes = 64: the encoding ends in "=", as many real ones do.
  return Buffer.concat([Buffer.from(MARKER), digest, Buffer.from([material.length % 256, 1])]).toString(
    'base64',
  );
}

export function isFakeSignature(text: string): boolean {
  if (PLACEHOLDERS.has(text)) return true;
  const bytes = Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  return (
    bytes.subarray(0, MARKER.length).toString('latin1') === MARKER && bytes.length === MARKER.length + 34
  );
}
