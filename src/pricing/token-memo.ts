/**
 * Token counts of texts seen recently. Prompts repeat: a system prompt, few-shot examples and tool
 * definitions are sent again with every request of an app, and tokenizing them is the costliest part of
 * the pre-flight estimate (about 5 µs for a 40-character message, 200 µs for 12 KB of code). Bounded by
 * the characters it holds, and cleared (not evicted one by one) when full, so a stream of distinct texts
 * costs one Map insert each and never grows memory past the bound.
 */
export class TokenMemo {
  readonly #counts = new Map<string, number>();
  readonly #maxChars: number;
  readonly #maxTextChars: number;
  #chars = 0;

  constructor(maxChars: number, maxTextChars: number) {
    this.#maxChars = maxChars;
    this.#maxTextChars = maxTextChars;
  }

  /** The memoized count of `text`, or `count(text)` remembered for next time. */
  count(text: string, tokenize: (text: string) => number): number {
    const known = this.#counts.get(text);
    if (known !== undefined) return known;
    const tokens = tokenize(text);
    if (text.length <= this.#maxTextChars) {
      if (this.#chars + text.length > this.#maxChars) {
        this.#counts.clear();
        this.#chars = 0;
      }
      this.#counts.set(text, tokens);
      this.#chars += text.length;
    }
    return tokens;
  }

  get size(): number {
    return this.#counts.size;
  }
}
