/**
 * `weighted`: a probabilistic split (70/30 quality sampling, canaries). The first target is drawn with
 * probability proportional to weight × health score; the others follow as fallbacks, heaviest first.
 * With every target healthy the split is exactly the configured weights.
 */
import type { CompiledTarget } from '../../config/compile.ts';
import type { StrategyInput } from './types.ts';

export function orderWeighted(candidates: CompiledTarget[], input: StrategyInput): CompiledTarget[] {
  const count = candidates.length;
  if (count <= 1) return candidates;
  const weights = new Array<number>(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const target = candidates[i] as CompiledTarget;
    const weight = target.weight * input.runtime.score(target.runtime, input.nowMs);
    weights[i] = weight;
    total += weight;
  }
  let point = input.random() * total;
  let chosen = count - 1;
  for (let i = 0; i < count; i++) {
    point -= weights[i] as number;
    if (point < 0) {
      chosen = i;
      break;
    }
  }
  const first = candidates[chosen] as CompiledTarget;
  const rest: Array<{ target: CompiledTarget; weight: number }> = [];
  for (let i = 0; i < count; i++) {
    if (i !== chosen) rest.push({ target: candidates[i] as CompiledTarget, weight: weights[i] as number });
  }
  rest.sort((a, b) => b.weight - a.weight);
  candidates[0] = first;
  for (let i = 0; i < rest.length; i++) candidates[i + 1] = (rest[i] as { target: CompiledTarget }).target;
  return candidates;
}
