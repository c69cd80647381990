/**
 * `fallback`: the configured order, as written. Health bends it only for a degraded target: with score
 * s < 1 it keeps its place with probability s and is otherwise tried after the healthy ones, so a
 * provider with rising errors sheds traffic in proportion before its breaker has to open. Healthy
 * targets (s = 1, the usual case) cost no random draw.
 */
import type { CompiledTarget } from '../../config/compile.ts';
import type { StrategyInput } from './types.ts';

export function orderFallback(candidates: CompiledTarget[], input: StrategyInput): CompiledTarget[] {
  return demoteDegraded(candidates, input);
}

/** Keeps the order, moving each degraded target behind the healthy ones with probability 1 − score. */
export function demoteDegraded(ordered: CompiledTarget[], input: StrategyInput): CompiledTarget[] {
  let deferred: CompiledTarget[] | undefined;
  let kept = 0;
  for (const target of ordered) {
    const score = input.runtime.score(target.runtime, input.nowMs);
    if (score >= 1 || input.random() < score) ordered[kept++] = target;
    else if (deferred === undefined) deferred = [target];
    else deferred.push(target);
  }
  if (deferred === undefined) return ordered;
  for (const target of deferred) ordered[kept++] = target;
  return ordered;
}
