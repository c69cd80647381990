/**
 * OpenAI's moderation endpoint as a backend (docs/providers.md §1.13), through a configured OpenAI
 * provider: `POST {base_url}/moderations` with that provider's key, `{"model", "input"}`. Its 13
 * categories are mapped onto the Llama Guard taxonomy every backend reports in; a category counts when
 * OpenAI's own `categories` flag says true.
 */
import type { Snapshot } from '../../config/compile.ts';
import type { HazardCategory } from '../../config/sections/guardrails.ts';
import { callModerationUpstream, splitTarget } from './remote-call.ts';
import type { ModerationBackend, ModerationResult } from './types.ts';

/** OpenAI category → hazard code (docs/providers.md §1.13 names; §7 taxonomy). */
export const OPENAI_CATEGORY_MAP: Readonly<Record<string, HazardCategory>> = {
  harassment: 'S10',
  'harassment/threatening': 'S1',
  hate: 'S10',
  'hate/threatening': 'S10',
  illicit: 'S2',
  'illicit/violent': 'S9',
  'self-harm': 'S11',
  'self-harm/intent': 'S11',
  'self-harm/instructions': 'S11',
  sexual: 'S12',
  'sexual/minors': 'S4',
  violence: 'S1',
  'violence/graphic': 'S1',
};

/** undefined when the body is not a moderation object. */
export function parseOpenAIModeration(body: string): ModerationResult | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON: the caller reports the backend unavailable, which the policy's on_error settles.
    return undefined;
  }
  const results = (parsed as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.length === 0) return undefined;
  const categories = new Set<HazardCategory>();
  for (const result of results) {
    const flags = (result as { categories?: unknown } | null)?.categories;
    if (flags === null || typeof flags !== 'object') return undefined;
    for (const [name, flagged] of Object.entries(flags as Record<string, unknown>)) {
      const code = OPENAI_CATEGORY_MAP[name];
      if (flagged === true && code !== undefined) categories.add(code);
    }
    // A result flagged as a whole under a category we do not map still flags the text.
    if ((result as { flagged?: unknown }).flagged === true && categories.size === 0) categories.add('S1');
  }
  return { categories: [...categories], spans: [] };
}

export class OpenAIModeration implements ModerationBackend {
  readonly name = 'openai';
  readonly #snapshot: Snapshot;
  readonly #target: string;
  readonly #timeoutMs: number;

  constructor(snapshot: Snapshot, target: string, timeoutMs: number) {
    this.#snapshot = snapshot;
    this.#target = target;
    this.#timeoutMs = timeoutMs;
  }

  async check(text: string, signal: AbortSignal): Promise<ModerationResult> {
    const { provider: providerName, model } = splitTarget(this.#target);
    const provider = this.#snapshot.providers.get(providerName);
    if (provider === undefined) return { categories: [], spans: [], unavailable: true };
    const body = await callModerationUpstream(
      provider,
      {
        method: 'POST',
        path: `${provider.basePath}/moderations`,
        headers: { ...(provider.keyHeaders[0] ?? {}), 'content-type': 'application/json' },
        body: JSON.stringify({ model, input: text }),
      },
      this.#timeoutMs,
      signal,
    );
    return parseOpenAIModeration(body) ?? { categories: [], spans: [], unavailable: true };
  }
}
