/**
 * The nesting limit on request bodies (issue 10, item 6: 5,000 levels in an extra field or in tool
 * parameters was a 500 from JSON.stringify's stack overflow). Property tests compare the check with a
 * plain recursive depth, and prove that whatever parseChatRequest accepts can be serialized again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { parseChatRequest } from '../../src/pipeline/validate.ts';
import { checkJsonDepth, MAX_JSON_DEPTH } from '../../src/protocol/json-depth.ts';

/** Reference: the body is level 1, each array or object inside one more; scalars add nothing. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

/** `levels` nested containers, alternating arrays and objects, around `leaf`. */
function nestedText(levels: number, leaf = '1'): string {
  let open = '';
  let close = '';
  for (let i = 0; i < levels; i++) {
    open += i % 2 === 0 ? '[' : '{"k":';
    close = (i % 2 === 0 ? ']' : '}') + close;
  }
  return open + leaf + close;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const base = '"model":"smart","messages":[{"role":"user","content":"hi"}]';

describe('checkJsonDepth', () => {
  it('refuses exactly the values nested deeper than the limit (property)', () => {
    const limit = 6;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
        const root = { field: value };
        const error = thrown(() => checkJsonDepth(root, limit));
        if (depthOf(root) > limit) {
          expect(error).toBeInstanceOf(GatewayError);
          expect((error as GatewayError).code).toBe('nesting_too_deep');
          expect((error as GatewayError).param).toBe('field');
        } else expect(error).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a number JSON.parse read as ±Infinity, naming where it is', () => {
    const error = thrown(() => checkJsonDepth(JSON.parse('{"a":[1,{"b":-1e400}]}') as object));
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    expect((error as GatewayError).param).toBe('a[1].b');
    expect((error as GatewayError).message).toContain('out of range');
  });
});

describe('parseChatRequest and nesting', () => {
  it('answers 400 nesting_too_deep, never a crash, at any depth in an extra field or tool parameters (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6000 }), fc.boolean(), (levels, inTool) => {
        const body = inTool
          ? `{${base},"tools":[{"type":"function","function":{"name":"f","parameters":{"p":${nestedText(levels)}}}}]}`
          : `{${base},"extra":${nestedText(levels)}}`;
        // Levels above the nested value: the body (1), and in a tool: tools, the tool, function, parameters.
        const total = levels + (inTool ? 5 : 1);
        const error = thrown(() => {
          const request = parseChatRequest(Buffer.from(body));
          // What is accepted must survive the upstream body's serialization.
          JSON.stringify(request);
        });
        if (total > MAX_JSON_DEPTH) {
          expect(error).toBeInstanceOf(GatewayError);
          expect((error as GatewayError).status).toBe(400);
          expect((error as GatewayError).code).toBe('nesting_too_deep');
          expect((error as GatewayError).param).toBe(inTool ? 'tools' : 'extra');
        } else expect(error).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('accepts the limit itself and refuses one level more', () => {
    expect(() =>
      parseChatRequest(Buffer.from(`{${base},"extra":${nestedText(MAX_JSON_DEPTH - 1)}}`)),
    ).not.toThrow();
    expect(
      thrown(() => parseChatRequest(Buffer.from(`{${base},"extra":${nestedText(MAX_JSON_DEPTH)}}`))),
    ).toBeInstanceOf(GatewayError);
  });

  it('says max_tokens 1e400 is out of range, not "expected a number, but got a number"', () => {
    const error = thrown(() => parseChatRequest(Buffer.from(`{${base},"max_tokens":1e400}`))) as GatewayError;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.status).toBe(400);
    expect(error.param).toBe('max_tokens');
    expect(error.code).toBe('invalid_value');
    expect(error.message).toBe("Invalid value for 'max_tokens': the number is out of range.");
  });
});
