/**
 * The fronts and embeddings parse their body through parseJsonObject: the nesting limit of issue 10
 * applies to them as to chat, so a deeply nested /v1/messages body is a 400, not a stack overflow.
 */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { parseJsonObject } from '../../src/protocol/json-body.ts';
import { thrown } from '../helpers/thrown.ts';

describe('parseJsonObject', () => {
  it('answers malformed JSON, another JSON type and deep nesting with 400s', () => {
    const deep = `{"model":"m","extra":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    for (const [body, code] of [
      ['{not json', 'invalid_json'],
      ['[1,2]', 'invalid_type'],
      [deep, 'nesting_too_deep'],
    ] as const) {
      const error = thrown(() => parseJsonObject(Buffer.from(body)));
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).status).toBe(400);
      expect((error as GatewayError).code).toBe(code);
    }
  });

  it('returns the object of a well-formed body', () => {
    expect(parseJsonObject(Buffer.from('{"model":"m","max_tokens":5}'))).toEqual({
      model: 'm',
      max_tokens: 5,
    });
  });
});
