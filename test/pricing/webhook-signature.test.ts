import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_CLAIM_TTL_MS,
  signPricingBody,
  TOLERANCE_S,
  verifyPricingSignature,
} from '../../src/pricing/webhook-signature.ts';

const secret = 'whsec-test';
const body = Buffer.from('{"models":{"gpt-4.1":{"input":2,"output":8}}}');
const nowS = 1_796_000_000;
const nowMs = nowS * 1000;

describe('verifyPricingSignature', () => {
  it('accepts the documented scheme: HMAC-SHA256(secret, "<t>.<raw body>") in hex', () => {
    const v1 = createHmac('sha256', secret).update(`${nowS}.${body.toString()}`).digest('hex');
    const header = `t=${nowS},v1=${v1}`;
    expect(signPricingBody(secret, body, nowS)).toBe(header);
    expect(verifyPricingSignature(header, body, secret, nowMs)).toEqual({
      ok: true,
      timestampS: nowS,
      claimKey: `pricing-sig:${v1}`,
    });
  });

  it('refuses a signature made with another secret', () => {
    const header = signPricingBody('other-secret', body, nowS);
    expect(verifyPricingSignature(header, body, secret, nowMs)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a body changed after signing, by a single byte', () => {
    const header = signPricingBody(secret, body, nowS);
    const tampered = Buffer.from(body);
    tampered[tampered.length - 3] = '9'.charCodeAt(0);
    expect(verifyPricingSignature(header, tampered, secret, nowMs)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a signature whose timestamp was changed', () => {
    const [, v1] = signPricingBody(secret, body, nowS).split(',');
    expect(verifyPricingSignature(`t=${nowS + 1},${v1}`, body, secret, nowMs)).toMatchObject({
      reason: 'bad_signature',
    });
  });

  it('accepts up to the tolerance either way and refuses beyond it, old or future', () => {
    for (const offset of [-TOLERANCE_S, TOLERANCE_S]) {
      const header = signPricingBody(secret, body, nowS + offset);
      expect(verifyPricingSignature(header, body, secret, nowMs).ok).toBe(true);
    }
    const stale = verifyPricingSignature(
      signPricingBody(secret, body, nowS - TOLERANCE_S - 1),
      body,
      secret,
      nowMs,
    );
    expect(stale).toMatchObject({ ok: false, reason: 'stale' });
    const future = verifyPricingSignature(
      signPricingBody(secret, body, nowS + TOLERANCE_S + 1),
      body,
      secret,
      nowMs,
    );
    expect(future).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('accepts any matching v1 (secret rotation) and names that one as the key to claim', () => {
    const good = signPricingBody(secret, body, nowS).split(',')[1] as string;
    const old = signPricingBody('old-secret', body, nowS).split(',')[1] as string;
    const result = verifyPricingSignature(`t=${nowS},${old},${good},v0=ignored`, body, secret, nowMs);
    expect(result).toEqual({ ok: true, timestampS: nowS, claimKey: `pricing-sig:${good.slice(3)}` });
  });

  it('calls a missing or garbled header malformed, saying what is expected', () => {
    const v1 = 'a'.repeat(64);
    const cases = [
      undefined,
      '',
      'garbage',
      `v1=${v1}`,
      `t=,v1=${v1}`,
      `t=abc,v1=${v1}`,
      `t=${nowS}`,
      `t=${nowS},v1=xyz`,
      `t=${nowS},v1=${'a'.repeat(63)}`,
      `t=${nowS},t=${nowS},v1=${v1}`,
      `t=${nowS},v1=${'a'.repeat(2000)}`,
    ];
    for (const header of cases) {
      const result = verifyPricingSignature(header, body, secret, nowMs);
      expect(result, String(header)).toMatchObject({ ok: false, reason: 'malformed' });
      if (!result.ok) expect(result.message).toContain('x-switchyard-signature');
    }
  });

  it('refuses everything when no secret is configured', () => {
    const header = signPricingBody('', body, nowS);
    expect(verifyPricingSignature(header, body, '', nowMs)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('keeps the single-use claim alive as long as a signature can stay acceptable', () => {
    expect(SIGNATURE_CLAIM_TTL_MS).toBeGreaterThanOrEqual(2 * TOLERANCE_S * 1000);
  });
});
