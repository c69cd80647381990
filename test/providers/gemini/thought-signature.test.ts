import { describe, expect, it } from 'vitest';
import {
  encodeReasoningSignature,
  encodeToolCallId,
  signatureFromReasoning,
  signatureFromToolCallId,
} from '../../../src/providers/gemini/thought-signature.ts';

describe('signatures in tool call ids', () => {
  it('round-trips standard base64 exactly through an id made of [A-Za-z0-9_-]', () => {
    for (const signature of ['EqUCCqICAb4+9vsh8Pd5/taZVoPzAQ==', 'Cg==', 'QUJD', 'a+/b', '+++///8=']) {
      const id = encodeToolCallId('call_abc_0_0', signature);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(signatureFromToolCallId(id)).toBe(signature);
    }
  });

  it('splits at the first separator, so the encoded signature may contain the separator text itself', () => {
    const signature = '//thought//A'; // base64url: __thought__A
    expect(signatureFromToolCallId(encodeToolCallId('call_1', signature))).toBe(signature);
  });

  it('leaves ids without a signature alone', () => {
    expect(encodeToolCallId('call_1', undefined)).toBe('call_1');
    expect(encodeToolCallId('call_1', '')).toBe('call_1');
    expect(signatureFromToolCallId('call_1')).toBeUndefined();
    expect(signatureFromToolCallId('toolu_01ABC')).toBeUndefined();
    expect(signatureFromToolCallId('call_1__thought__')).toBeUndefined();
  });
});

describe('signatures in reasoning_signature', () => {
  it("round-trips ours and ignores other providers' values", () => {
    expect(signatureFromReasoning(encodeReasoningSignature('EqsF+/=='))).toBe('EqsF+/==');
    expect(signatureFromReasoning('ErUBCkgIAxABGAIiQ')).toBeUndefined();
    expect(signatureFromReasoning(undefined)).toBeUndefined();
    expect(signatureFromReasoning(42)).toBeUndefined();
    expect(signatureFromReasoning('gemini:')).toBeUndefined();
  });
});
