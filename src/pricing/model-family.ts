/**
 * Which table row a model id falls under. Providers publish dated snapshots and aliases of one model
 * (`gpt-4.1-mini-2025-04-14`, `claude-sonnet-4-5-20250929`, `mistral-small-latest`,
 * `claude-sonnet-4-5@20250929` on Vertex) at the family's price, so a row named `gpt-4.1-mini` covers
 * them. Only such suffixes are cut: a `-`/`@` followed by a digit, or `-latest`. A suffix made of words
 * (`gpt-5-pro`, `gpt-4o-audio-preview`, `gemini-2.5-flash-image`) names a different product with a
 * different price, so it gets no price rather than a wrong one (docs/design.md §1: unknown, never zero).
 * Note `claude-opus-4` still covers `claude-opus-4-20250514` and, by the same rule, `claude-opus-4-9`:
 * rows for newer minor versions must be listed when they are priced differently (built-in.ts does).
 */

/** The entry for `model` or, failing that, for the longest family name it is a snapshot of. */
export function resolveFamily<T>(model: string, lookup: (name: string) => T | undefined): T | undefined {
  const exact = lookup(model);
  if (exact !== undefined) return exact;
  for (let cut = model.length - 1; cut > 0; cut--) {
    if (!isSnapshotCut(model, cut)) continue;
    const found = lookup(model.slice(0, cut));
    if (found !== undefined) return found;
  }
  return undefined;
}

function isSnapshotCut(model: string, cut: number): boolean {
  const separator = model.charCodeAt(cut);
  // '-' or '@', followed by a digit (a date or a version number)
  if (separator !== 45 && separator !== 64) return false;
  const next = model.charCodeAt(cut + 1);
  if (next >= 48 && next <= 57) return true;
  return separator === 45 && model.length - cut === 7 && model.endsWith('-latest');
}
