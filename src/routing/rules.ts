/**
 * Conditional routes (config `models.<name>.rules`): a rule picks its own target list, and optionally
 * its own strategy, when every condition it states holds for the request. Rules are tried in order
 * and the first match wins; no match leaves the model's own targets. Compiled once per config; a
 * match costs a few comparisons, plus the one-off shape walk (request-shape.ts) when a rule reads
 * prompt tokens or tools.
 */
import type { CompiledTarget, RoutingStrategy } from '../config/compile.ts';
import type { RuleConfig } from '../config/schema.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import type { RequestShape } from './request-shape.ts';

export interface CompiledRule {
  name: string;
  strategy: RoutingStrategy;
  targets: readonly CompiledTarget[];
  minPromptTokens: number | undefined;
  maxPromptTokens: number | undefined;
  tools: boolean | undefined;
  reasoningEfforts: ReadonlySet<string> | undefined;
  metadata: ReadonlyArray<readonly [string, string]>;
  /** Header names lower-cased, as node:http gives them. */
  headers: ReadonlyArray<readonly [string, string]>;
  /** True when a condition needs the request's shape (prompt tokens or tools). */
  needsShape: boolean;
}

export function compileRule(
  rule: RuleConfig,
  index: number,
  modelStrategy: RoutingStrategy,
  targets: readonly CompiledTarget[],
): CompiledRule {
  const when = rule.when;
  return {
    name: rule.name ?? `rules[${index}]`,
    strategy: rule.strategy ?? modelStrategy,
    targets,
    minPromptTokens: when.min_prompt_tokens,
    maxPromptTokens: when.max_prompt_tokens,
    tools: when.tools,
    reasoningEfforts: when.reasoning_effort === undefined ? undefined : new Set(when.reasoning_effort),
    metadata: Object.entries(when.metadata ?? {}),
    headers: Object.entries(when.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const),
    needsShape:
      when.min_prompt_tokens !== undefined ||
      when.max_prompt_tokens !== undefined ||
      when.tools !== undefined,
  };
}

export function ruleMatches(
  rule: CompiledRule,
  request: ChatRequest,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  shape: () => RequestShape,
): boolean {
  for (const [name, value] of rule.headers) {
    const actual = headers[name];
    if ((Array.isArray(actual) ? actual[0] : actual) !== value) return false;
  }
  if (rule.metadata.length > 0) {
    const metadata = request.metadata;
    if (metadata == null) return false;
    for (const [key, value] of rule.metadata) if (metadata[key] !== value) return false;
  }
  if (rule.reasoningEfforts !== undefined) {
    const effort = request.reasoning_effort;
    if (effort == null || !rule.reasoningEfforts.has(effort)) return false;
  }
  if (!rule.needsShape) return true;
  const { promptTokens, tools } = shape();
  if (rule.tools !== undefined && tools !== rule.tools) return false;
  if (rule.minPromptTokens !== undefined && promptTokens < rule.minPromptTokens) return false;
  if (rule.maxPromptTokens !== undefined && promptTokens > rule.maxPromptTokens) return false;
  return true;
}
