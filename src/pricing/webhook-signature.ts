/**
 * The pricing webhook's signature (docs/design.md §3, POST /admin/pricing):
 * `x-switchyard-signature: t=<unix s>,v1=<hex HMAC-SHA256(webhook_secret, "<t>.<raw body>")>`.
 *
 * The HMAC covers the raw body bytes as received, never a re-serialization, so a proxy's or a parser's
 * idea of the JSON cannot change what was signed. The comparison is constant-time. The timestamp may be
 * at most TOLERANCE_S off either way (clocks drift both ways); a signature is valid once: the caller
 * claims `claimKey` through StateStore.claimOnce for SIGNATURE_CLAIM_TTL_MS before changing anything,
 * and answers 401 when the claim fails. Several `v1` values are accepted (any may match) so a sender can
 * sign with an old and a new secret while rotating; other schemes are ignored, as in Stripe's scheme.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-switchyard-signature';
export const TOLERANCE_S = 300;
/**
 * A signature dated up to TOLERANCE_S ahead stays acceptable until 2 × TOLERANCE_S from now, so its
 * single-use claim must outlive that; one more minute covers clock skew between instances.
 */
export const SIGNATURE_CLAIM_TTL_MS = (2 * TOLERANCE_S + 60) * 1000;

/** For the 401 when StateStore.claimOnce(claimKey) finds the signature already used. */
export const REPLAYED_SIGNATURE_MESSAGE = `This ${SIGNATURE_HEADER} was already used; sign each request anew.`;

/** Longer headers are not ours: bounded so a hostile header costs nothing to refuse. */
const MAX_HEADER_LENGTH = 1024;
const SHA256_HEX_LENGTH = 64;
const HEX = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,12}$/;

export type SignatureCheck =
  | { ok: true; timestampS: number; claimKey: string }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'stale'; message: string };

export function verifyPricingSignature(
  header: string | undefined,
  rawBody: Uint8Array,
  secret: string,
  nowMs: number,
): SignatureCheck {
  if (header === undefined || header.length === 0) {
    return malformed(`The ${SIGNATURE_HEADER} header is missing.`);
  }
  if (header.length > MAX_HEADER_LENGTH) return malformed(`The ${SIGNATURE_HEADER} header is too long.`);
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return malformed(`The ${SIGNATURE_HEADER} header must be 't=<unix seconds>,v1=<hex HMAC>'.`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined) return malformed(`The ${SIGNATURE_HEADER} header has more than one 't'.`);
      timestamp = value;
    } else if (key === 'v1') signatures.push(value);
  }
  if (timestamp === undefined || !UNIX_SECONDS.test(timestamp)) {
    return malformed(`The ${SIGNATURE_HEADER} header needs 't=<unix seconds>'.`);
  }
  if (signatures.length === 0 || !signatures.every((signature) => HEX.test(signature))) {
    return malformed(`The ${SIGNATURE_HEADER} header needs 'v1=<${SHA256_HEX_LENGTH} hex digits>'.`);
  }
  if (secret.length === 0) {
    return { ok: false, reason: 'bad_signature', message: 'No pricing webhook secret is configured.' };
  }
  const expected = hmac(secret, timestamp, rawBody);
  const matched = signatures.find((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
  if (matched === undefined) {
    return {
      ok: false,
      reason: 'bad_signature',
      message: `The ${SIGNATURE_HEADER} signature does not match the body and the webhook secret.`,
    };
  }
  const timestampS = Number(timestamp);
  const skewS = Math.abs(nowMs / 1000 - timestampS);
  if (skewS > TOLERANCE_S) {
    return {
      ok: false,
      reason: 'stale',
      message: `The ${SIGNATURE_HEADER} timestamp is ${Math.round(skewS)} s from this gateway's clock; at most ${TOLERANCE_S} s is accepted.`,
    };
  }
  return { ok: true, timestampS, claimKey: `pricing-sig:${matched.toLowerCase()}` };
}

/** The header value for `rawBody` signed at `timestampS`: what a sender (and our tests and CLI) computes. */
export function signPricingBody(secret: string, rawBody: Uint8Array, timestampS: number): string {
  return `t=${timestampS},v1=${hmac(secret, String(timestampS), rawBody).toString('hex')}`;
}

function hmac(secret: string, timestamp: string, rawBody: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

function malformed(message: string): SignatureCheck {
  return { ok: false, reason: 'malformed', message };
}
