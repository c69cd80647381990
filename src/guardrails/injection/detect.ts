/**
 * Finds prompt-injection attempts in one piece of text and, for `strip`, cuts them out. Rules run over
 * the folded text (normalize.ts); every finding is mapped back to the original text, so `strip` removes
 * exactly what the client sent (zero-width characters and all) and keeps the rest byte for byte.
 */
import { type FoldedText, foldText, originalSpan } from './normalize.ts';
import { INJECTION_PREFILTER, INJECTION_RULES, type InjectionKind, type InjectionRule } from './rules.ts';

export interface InjectionFinding {
  rule: string;
  kind: InjectionKind;
  /** The span to remove in the original text: the match, or its whole sentence (rules.ts `scope`). */
  start: number;
  end: number;
}

/** Global twins of the rules, for finding every occurrence; built once. */
const GLOBAL_RULES: readonly { rule: InjectionRule; pattern: RegExp }[] = INJECTION_RULES.map((rule) => ({
  rule,
  pattern: new RegExp(rule.pattern.source, 'gu'),
}));

/** The first rule that fires, or undefined: the cheap question `flag` and `block` ask. */
export function firstInjection(text: string): InjectionFinding | undefined {
  return firstInjectionOf(text, true);
}

/** `prefilter: false` runs every rule whatever the text: the prefilter's test compares both. */
export function firstInjectionOf(text: string, prefilter: boolean): InjectionFinding | undefined {
  if (text.length === 0) return undefined;
  const folded = foldText(text);
  if (prefilter && !INJECTION_PREFILTER.test(folded.text)) return undefined;
  for (const rule of INJECTION_RULES) {
    const match = rule.pattern.exec(folded.text);
    if (match !== null) return finding(text, folded, rule, match.index, match.index + match[0].length);
  }
  return undefined;
}

/** Every occurrence of every rule, in text order. */
export function allInjections(text: string): InjectionFinding[] {
  const findings: InjectionFinding[] = [];
  if (text.length === 0) return findings;
  const folded = foldText(text);
  if (!INJECTION_PREFILTER.test(folded.text)) return findings;
  for (const { rule, pattern } of GLOBAL_RULES) {
    pattern.lastIndex = 0;
    for (const match of folded.text.matchAll(pattern)) {
      findings.push(finding(text, folded, rule, match.index, match.index + match[0].length));
    }
  }
  return findings.sort((a, b) => a.start - b.start);
}

/**
 * The text with every attack cut out. Removing one can expose another (a token-wrapped `new
 * instructions:` becomes a sentence of its own), so it repeats until nothing fires, a few rounds at most.
 */
export function stripAllInjections(text: string): { text: string; findings: InjectionFinding[] } {
  const seen: InjectionFinding[] = [];
  let current = text;
  for (let round = 0; round < 4; round++) {
    const findings = allInjections(current);
    if (findings.length === 0) break;
    seen.push(...findings);
    current = stripInjections(current, findings);
  }
  return { text: current, findings: seen };
}

/** The text without the findings' spans; overlapping spans merge. */
export function stripInjections(text: string, findings: readonly InjectionFinding[]): string {
  if (findings.length === 0) return text;
  const spans = [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const span of spans) {
    if (span.end <= at) continue;
    if (span.start > at) out += text.slice(at, span.start);
    at = Math.max(at, span.end);
  }
  out += text.slice(at);
  // Removing a sentence leaves its neighbours' spacing; runs of blank space become one.
  return out
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function finding(
  text: string,
  folded: FoldedText,
  rule: InjectionRule,
  from: number,
  to: number,
): InjectionFinding {
  let [start, end] = originalSpan(folded, from, to);
  if (rule.scope === 'sentence') [start, end] = enclosingSentence(text, start, end);
  return { rule: rule.name, kind: rule.kind, start, end };
}

/** Sentence ends in the scripts the rules cover (Latin, CJK full stops) and line breaks. */
const SENTENCE_END = /[.!?。！？\n]/;

function enclosingSentence(text: string, start: number, end: number): [number, number] {
  let from = start;
  while (from > 0 && !SENTENCE_END.test(text[from - 1] as string)) from--;
  let to = end;
  // A match that itself ends on a stop already covers its sentence.
  if (to > 0 && SENTENCE_END.test(text[to - 1] as string)) return [from, to];
  while (to < text.length && !SENTENCE_END.test(text[to] as string)) to++;
  if (to < text.length && text[to] !== '\n') to++;
  return [from, to];
}
