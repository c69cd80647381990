/**
 * `cost`: the cheapest target that can serve this request. Targets that cannot (a feature the adapter
 * rejects, a prompt beyond the model's context window; capabilities.ts) are left out; the rest are
 * ordered by estimated cost (prompt tokens plus the output the request allows, at the built-in list
 * prices of prices.ts), unknown prices last, then degraded targets are demoted as in `fallback`. If no
 * target can serve the request, all are tried in price order and the upstream's own answer (a 400
 * naming the parameter) reaches the client.
 */
import type { CompiledTarget } from '../../config/compile.ts';
import { canServe } from '../capabilities.ts';
import { estimateCostUsd } from '../prices.ts';
import { demoteDegraded } from './fallback.ts';
import type { StrategyInput } from './types.ts';

/** When the client sets no output limit: a typical chat answer, so input and output prices both count. */
const EXPECTED_OUTPUT_TOKENS = 500;

export function orderCost(candidates: CompiledTarget[], input: StrategyInput): CompiledTarget[] {
  const shape = input.shape();
  const capable = candidates.filter((target) => canServe(target, shape));
  const pool = capable.length > 0 ? capable : candidates;
  const outputTokens = shape.maxOutputTokens ?? EXPECTED_OUTPUT_TOKENS;
  const priced = pool.map((target, index) => ({
    target,
    index,
    cost:
      target.info === undefined
        ? Number.POSITIVE_INFINITY
        : estimateCostUsd(target.info, shape.promptTokens, outputTokens),
  }));
  priced.sort((a, b) => a.cost - b.cost || a.index - b.index);
  return demoteDegraded(
    priced.map((entry) => entry.target),
    input,
  );
}
