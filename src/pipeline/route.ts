/**
 * The route stage (docs/design.md §2 "router"): model → the ordered targets to try, as strategy × health ×
 * breaker. Conditional rules may first swap the model's target list for another; targets whose breaker
 * is open are left out (a dead provider costs no attempt); the strategy orders the rest. Key cooldowns
 * and half-open trial slots are checked by the attempt loop when it reaches a target, since they
 * change while a request runs.
 *
 * Cost per request: one pass over the model's own targets (never over the config), no state round
 * trip, and the request-shape walk only for models whose rules or strategy read it.
 */
import type { CompiledModel, CompiledTarget, RoutingStrategy } from '../config/compile.ts';
import type { ChatRequest } from '../protocol/chat-request.ts';
import { type RequestShape, requestShape } from '../routing/request-shape.ts';
import { ruleMatches } from '../routing/rules.ts';
import type { RoutingRuntime } from '../routing/runtime.ts';
import { orderCost } from '../routing/strategies/cost.ts';
import { orderFallback } from '../routing/strategies/fallback.ts';
import { orderLatency } from '../routing/strategies/latency.ts';
import type { Strategy, StrategyInput } from '../routing/strategies/types.ts';
import { orderWeighted } from '../routing/strategies/weighted.ts';
import type { RequestContext } from './context.ts';

export type RandomSource = () => number;

const strategies: Readonly<Record<RoutingStrategy, Strategy>> = {
  fallback: orderFallback,
  weighted: orderWeighted,
  cost: orderCost,
  latency: orderLatency,
};

export interface RoutePlan {
  strategy: RoutingStrategy;
  /** The rule that chose the targets, or null for the model's own list. */
  rule: string | null;
  /** Targets to try, in order. */
  targets: CompiledTarget[];
  /** Targets left out because their breaker is open, and when the first of them allows a trial. */
  blocked: number;
  blockedUntil: number;
  shape: RequestShape | undefined;
}

export function planRoute(
  ctx: RequestContext,
  model: CompiledModel,
  runtime: RoutingRuntime,
  random: RandomSource,
  nowMs: number,
): RoutePlan {
  const request = ctx.request as ChatRequest;
  let shape: RequestShape | undefined;
  const getShape = () => {
    shape ??= requestShape(request);
    return shape;
  };
  let targets = model.targets;
  let strategy = model.strategy;
  let rule: string | null = null;
  for (const candidate of model.rules) {
    if (!ruleMatches(candidate, request, ctx.req.headers, getShape)) continue;
    targets = candidate.targets;
    strategy = candidate.strategy;
    rule = candidate.name;
    break;
  }

  const candidates: CompiledTarget[] = [];
  let blocked = 0;
  let blockedUntil = Number.POSITIVE_INFINITY;
  for (const target of targets) {
    if (runtime.gate(target.runtime, nowMs) !== 'blocked') {
      candidates.push(target);
      continue;
    }
    blocked++;
    const view = target.runtime.breaker;
    if (view.state === 'open' && view.until < blockedUntil) blockedUntil = view.until;
  }
  const input: StrategyInput = { runtime, nowMs, random, shape: getShape, stream: ctx.stream };
  const ordered = candidates.length > 1 ? strategies[strategy](candidates, input) : candidates;
  return { strategy, rule, targets: ordered, blocked, blockedUntil, shape };
}
