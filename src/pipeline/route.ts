/**
 * Model name → the ordered targets to try. Strategies order the model's targets; the attempt loop walks
 * that order. Health, breakers and key cooldowns shape the order in the resilience work (issue 5);
 * here each strategy gives its first choice and then the rest as fallbacks.
 */
import type { CompiledModel, CompiledTarget } from '../config/compile.ts';

export type RandomSource = () => number;

export function planTargets(
  model: CompiledModel,
  random: RandomSource = Math.random,
): readonly CompiledTarget[] {
  if (model.targets.length <= 1 || model.strategy !== 'weighted') return model.targets;
  const first = pickWeighted(model.targets, random);
  return [first, ...model.targets.filter((target) => target !== first)];
}

function pickWeighted(targets: readonly CompiledTarget[], random: RandomSource): CompiledTarget {
  let total = 0;
  for (const target of targets) total += target.weight;
  let point = random() * total;
  for (const target of targets) {
    point -= target.weight;
    if (point < 0) return target;
  }
  return targets[targets.length - 1] as CompiledTarget;
}
