/**
 * docs/provider-features.md, rendered from every adapter's declared capabilities, so the table cannot
 * drift from the code: `npm run docs:features` rewrites it and a test fails when it is stale.
 */
import { endpointSupport, endpoints } from '../fronts/endpoints.ts';
import type { AdapterCapabilities, ProviderAdapter } from './types.ts';

const rows: Array<[keyof AdapterCapabilities, string]> = [
  ['tools', 'tools / tool_choice'],
  ['parallelToolCalls', 'parallel_tool_calls'],
  ['images', 'image_url parts'],
  ['audio', 'input_audio parts'],
  ['jsonObject', 'response_format json_object'],
  ['jsonSchema', 'response_format json_schema'],
  ['reasoning', 'reasoning_effort / reasoning_content'],
  ['logprobs', 'logprobs / top_logprobs'],
  ['multipleChoices', 'n > 1'],
  ['seed', 'seed'],
  ['stop', 'stop'],
  ['penalties', 'frequency/presence_penalty'],
  ['logitBias', 'logit_bias'],
];

export function renderFeatureTable(registry: Readonly<Record<string, ProviderAdapter>>): string {
  const types = Object.keys(registry);
  const header = `| feature | ${types.join(' | ')} |`;
  const rule = `| --- | ${types.map(() => '---').join(' | ')} |`;
  const body = rows.map(
    ([key, label]) =>
      `| ${label} | ${types.map((type) => registry[type]?.capabilities[key] ?? '?').join(' | ')} |`,
  );
  const endpointRows = endpoints.map(
    (endpoint) => `| \`${endpoint}\` | ${types.map((type) => endpointSupport(type, endpoint)).join(' | ')} |`,
  );
  return `# Provider features

How each adapter treats each OpenAI feature. Generated from the adapters' \`capabilities\`
(src/providers/*/index.ts) by \`npm run docs:features\`; a test fails when this file is stale.

- **native**: the provider has the feature; the adapter maps it field for field.
- **emulated**: the provider lacks it, and the adapter builds the same behaviour from what it has.
- **ignored**: accepted and dropped (documented in the adapter), because the provider has no equivalent and
  dropping it changes nothing a client relies on.
- **rejected**: a 400 \`unsupported_parameter\` naming the \`param\`; with a fallback chain, the gateway tries
  the next target that can take the request.

${header}
${rule}
${body.join('\n')}

## Endpoints

How each provider serves each client API (docs/design.md §1), from src/fronts/endpoints.ts:

- **passthrough**: the client's body goes upstream with only \`model\` rewritten (and, on a chat stream,
  usage asked for), and the answer comes back byte for byte (usage is still read for limits, cost and the log).
- **translated**: through the normalized request and the provider's adapter, and rendered back in the
  client's format (JSON and stream events).
- **none**: the provider has no such API; the gateway answers 400 \`embeddings_not_supported\` without
  calling it, or skips to the next target of the route that has it.

| endpoint | ${types.join(' | ')} |
${rule}
${endpointRows.join('\n')}
`;
}
