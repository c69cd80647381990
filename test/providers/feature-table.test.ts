import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/protocol/chat-request.ts';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import { renderFeatureTable } from '../../src/providers/feature-table.ts';
import { providerRegistry } from '../../src/providers/registry.ts';
import type { AdapterCapabilities } from '../../src/providers/types.ts';
import { makeCall } from '../helpers/adapter-call.ts';

describe('docs/provider-features.md', () => {
  it('matches the capabilities the adapters declare (run `npm run docs:features` to update it)', () => {
    const onDisk = readFileSync(new URL('../../docs/provider-features.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderFeatureTable(providerRegistry));
  });
});

/** An upstream model each adapter serves; the reasoning probe needs one that thinks. */
const models: Record<keyof typeof providerRegistry, string> = {
  openai: 'o4-mini',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
  mistral: 'magistral-medium-latest',
  deepseek: 'deepseek-reasoner',
  qwen: 'qwen-plus',
  'openai-compatible': 'llama-3.3-70b',
};

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const pixel = 'data:image/png;base64,iVBORw0KGgo=';

interface Probe {
  /** The request without the feature. */
  base: Record<string, unknown>;
  /** What the feature adds to it. */
  feature: Record<string, unknown>;
  /** The param a `rejected` adapter must name. */
  param: RegExp;
}

const withParts = (...parts: unknown[]) => ({
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe this' }, ...parts] }],
});

/** One request per row of the table, using exactly that feature. */
const probes: Record<keyof AdapterCapabilities, Probe> = {
  tools: { base: {}, feature: { tools: [weatherTool], tool_choice: 'required' }, param: /^tools$/ },
  parallelToolCalls: {
    base: { tools: [weatherTool] },
    feature: { parallel_tool_calls: false },
    param: /^parallel_tool_calls$/,
  },
  images: {
    base: withParts(),
    feature: withParts({ type: 'image_url', image_url: { url: pixel } }),
    param: /^messages\[0\]\.content\[1\]/,
  },
  audio: {
    base: withParts(),
    feature: withParts({ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }),
    param: /^messages\[0\]\.content\[1\]/,
  },
  jsonObject: { base: {}, feature: { response_format: { type: 'json_object' } }, param: /^response_format$/ },
  jsonSchema: {
    base: {},
    feature: {
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'city', schema: { type: 'object', properties: { name: { type: 'string' } } } },
      },
    },
    param: /^response_format$/,
  },
  reasoning: { base: {}, feature: { reasoning_effort: 'high' }, param: /^reasoning_effort$/ },
  logprobs: { base: {}, feature: { logprobs: true, top_logprobs: 2 }, param: /^(top_)?logprobs$/ },
  multipleChoices: { base: {}, feature: { n: 2 }, param: /^n$/ },
  seed: { base: {}, feature: { seed: 7 }, param: /^seed$/ },
  stop: { base: {}, feature: { stop: ['END'] }, param: /^stop$/ },
  penalties: {
    base: {},
    feature: { frequency_penalty: 0.5, presence_penalty: 0.5 },
    param: /^(frequency|presence)_penalty$/,
  },
  logitBias: { base: {}, feature: { logit_bias: { '50256': -100 } }, param: /^logit_bias$/ },
};

function request(parts: Record<string, unknown>): ChatRequest {
  return {
    model: 'virtual',
    messages: [{ role: 'user', content: 'Reply in JSON' }],
    ...parts,
  } as ChatRequest;
}

// The doc test above only proves the file matches the declarations; this proves the declarations match
// what each adapter does: `rejected` is a 400 naming the param, `ignored` leaves the upstream body as it
// was without the feature, `native` changes it (the feature is never dropped silently), and `emulated` is
// accepted (some emulations act on the answer, e.g. Gemini's parallel_tool_calls: false; each adapter's
// own tests pin down what its emulation does).
describe('declared capabilities match what each adapter sends', () => {
  for (const [type, adapter] of Object.entries(providerRegistry)) {
    const call = makeCall(type, models[type as keyof typeof providerRegistry], 'https://upstream.test/v1');
    const body = (parts: Record<string, unknown>) => adapter.toRequest(request(parts), call, false).body;
    for (const [feature, probe] of Object.entries(probes)) {
      const support = adapter.capabilities[feature as keyof AdapterCapabilities];
      it(`${type}: ${feature} is ${support}`, () => {
        const baseline = body(probe.base);
        const withFeature = { ...probe.base, ...probe.feature };
        if (support === 'rejected') {
          let error: unknown;
          try {
            body(withFeature);
          } catch (thrown) {
            error = thrown;
          }
          expect(error).toBeInstanceOf(GatewayError);
          expect(error).toMatchObject({ status: 400, code: 'unsupported_parameter' });
          expect((error as GatewayError).param).toMatch(probe.param);
        } else if (support === 'ignored') {
          expect(body(withFeature)).toBe(baseline);
        } else if (support === 'native') {
          expect(body(withFeature)).not.toBe(baseline);
        } else {
          expect(() => body(withFeature)).not.toThrow();
        }
      });
    }
  }
});
