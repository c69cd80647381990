/**
 * Folds text into the form the injection rules read, and remembers where each folded character came
 * from so `strip` can cut the original. Attackers dodge keyword rules with look-alikes, so folding undoes,
 * in order: compatibility forms (NFKC: fullwidth `ｉｇｎｏｒｅ`, ligatures, circled letters), invisible
 * characters (zero-width spaces and joiners, soft hyphens, bidi marks), homoglyphs (Cyrillic and Greek
 * letters that look Latin: `іgnоrе` with Cyrillic і/о/е), case, and spacing tricks (`i g n o r e`,
 * `i.g.n.o.r.e`, `i-g-n-o-r-e`).
 *
 * Plain ASCII text without a spaced-out word (nearly every prompt) takes a fast path: its folded form is
 * its lower-case form, with the identity map, computed without a per-character loop.
 */

export interface FoldedText {
  /** Lower-case, NFKC, without invisibles, homoglyphs mapped to Latin, spaced-out words joined. */
  text: string;
  /** For folded index i: the original index where its source character starts. Undefined: identity. */
  starts: Int32Array | undefined;
  /** For folded index i: the original index just past its source character. */
  ends: Int32Array | undefined;
}

/** Zero-width, joiners, soft hyphen, word joiner, BOM, bidi controls: invisible, so they only hide. */
const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: each code point is tested alone, never combined
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]/;

/**
 * Letters that render like Latin ones (Unicode confusables for the Latin alphabet, the ones attackers use:
 * Cyrillic and Greek lower and upper case, after NFKC and lower-casing).
 */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ɡ: 'g',
  ո: 'n',
  ս: 'u',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: the range is the ASCII set, control bytes included
const ASCII = /^[\u0000-\u007f]*$/;
/** Three or more single letters, each followed by one separator: `i g n o r e`, `a.l.l`. */
const SPACED_WORD = /(?<![\p{L}\p{N}])(?:\p{L}[ .\-_*|/\\]){2,}\p{L}(?![\p{L}\p{N}])/u;
const SPACED_WORD_ALL = new RegExp(SPACED_WORD.source, 'gu');

/** Scripts with Latin look-alikes (Greek, Cyrillic, IPA, Armenian): text with them takes the slow path. */
const LOOKALIKE_SCRIPTS = /[\u0250-\u02af\u0370-\u058f]/;

export function foldText(text: string): FoldedText {
  if (ASCII.test(text)) {
    if (!SPACED_WORD.test(text)) return { text: text.toLowerCase(), starts: undefined, ends: undefined };
  } else if (
    // Accented Latin or CJK text with nothing to undo folds to its lower case too (36 → 4 µs for a
    // 120-character French prompt), when lower-casing keeps every offset.
    !LOOKALIKE_SCRIPTS.test(text) &&
    !INVISIBLE.test(text) &&
    !SPACED_WORD.test(text) &&
    text.normalize('NFKC') === text
  ) {
    const lower = text.toLowerCase();
    if (lower.length === text.length) return { text: lower, starts: undefined, ends: undefined };
  }
  const out: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i) as number;
    const width = code > 0xffff ? 2 : 1;
    const char = text.slice(i, i + width);
    if (!INVISIBLE.test(char)) {
      const folded = char.normalize('NFKC').toLowerCase();
      for (const piece of folded) {
        out.push(piece);
        starts.push(i);
        ends.push(i + width);
      }
    }
    i += width;
  }
  mapHomoglyphsInLatinWords(out);
  return joinSpacedWords(out, starts, ends);
}

const LATIN = /[a-z]/;
const LETTER = /\p{L}/u;

/**
 * Homoglyphs are mapped only inside words that also hold a Latin letter (`іgnоrе` mixes scripts): a word
 * wholly in Cyrillic or Greek is that language, and the Russian and Greek rules must see it unchanged.
 */
function mapHomoglyphsInLatinWords(chars: string[]): void {
  let wordStart = 0;
  for (let k = 0; k <= chars.length; k++) {
    const char = chars[k];
    if (char !== undefined && LETTER.test(char)) continue;
    if (k - wordStart > 1) {
      let latin = false;
      for (let w = wordStart; w < k && !latin; w++) latin = LATIN.test(chars[w] as string);
      if (latin)
        for (let w = wordStart; w < k; w++) chars[w] = HOMOGLYPHS[chars[w] as string] ?? (chars[w] as string);
    }
    wordStart = k + 1;
  }
}

/** Drops the separators inside spaced-out words, keeping the map aligned. */
function joinSpacedWords(chars: string[], starts: number[], ends: number[]): FoldedText {
  const joined = chars.join('');
  const drop = new Set<number>();
  // Index arithmetic over `chars` (one entry per code point) needs code-point offsets, not UTF-16 ones.
  const offsets: number[] = [];
  let unit = 0;
  for (const char of chars) {
    offsets.push(unit);
    unit += char.length;
  }
  for (const match of joined.matchAll(SPACED_WORD_ALL)) {
    const begin = offsets.indexOf(match.index);
    if (begin < 0) continue;
    const run = [...match[0]];
    // Only the run's own separator goes: `i.g.n.o.r.e a.l.l` keeps its space, so words stay apart.
    const separator = run[1];
    for (let k = 1; k < run.length; k += 2) if (run[k] === separator) drop.add(begin + k);
  }
  const text: string[] = [];
  const outStarts: number[] = [];
  const outEnds: number[] = [];
  for (let k = 0; k < chars.length; k++) {
    if (drop.has(k)) continue;
    const char = chars[k] as string;
    // A folded character may be two UTF-16 units (an astral letter): each unit maps to the same source.
    for (let u = 0; u < char.length; u++) {
      outStarts.push(starts[k] as number);
      outEnds.push(ends[k] as number);
    }
    text.push(char);
  }
  return { text: text.join(''), starts: Int32Array.from(outStarts), ends: Int32Array.from(outEnds) };
}

/** The original span [start, end) behind folded span [from, to). */
export function originalSpan(folded: FoldedText, from: number, to: number): [number, number] {
  if (folded.starts === undefined || folded.ends === undefined) return [from, to];
  if (to <= from) return [folded.starts[from] ?? 0, folded.starts[from] ?? 0];
  return [folded.starts[from] as number, folded.ends[to - 1] as number];
}
