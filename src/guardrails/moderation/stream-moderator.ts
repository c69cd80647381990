/**
 * Output moderation of a stream over a bounded hold-back window. Translated chunks come in; chunks that
 * carry answer text are held until the held text ends a sentence (`.`, `!`, `?`, their CJK forms, a line
 * break) or reaches `window_chars`; then the held text is checked, and only a clean verdict lets the
 * held chunks out, unchanged and in order, so a benign answer reaches the client byte for byte as it
 * would without moderation. Text is released only at sentence ends, so the sentence a flagged one sits
 * in was held whole when it was judged: none of it reaches the client.
 *
 * On a flag the chunks go out and the verdict is logged; on `redact` the held text goes out once as one
 * chunk with the flagged spans replaced; on `block` the held chunks are dropped, a last chunk with
 * `finish_reason: "content_filter"` is sent, and the caller stops reading the upstream.
 *
 * A local check answers synchronously. A remote one returns a promise: chunks arriving meanwhile queue
 * behind it, `pending` tells the caller to pause its upstream read, and `whenSettled` resumes it.
 * Chunks without answer text (role, tool calls, finish, usage) are held only behind held text, to keep
 * the order. The cost: time to first token grows by the time to the first sentence end (plus one check),
 * measured in docs/performance.md "Output moderation".
 *
 * A policy that can only flag (`passThrough`, a local check) holds nothing: every chunk goes out as it
 * arrives and the text is judged at the same sentence ends, only for the log line's verdicts.
 */
import type { ChunkKind } from '../../providers/types.ts';
import type { GuardVerdict } from '../verdict.ts';
import type { ModerationPolicy } from '../policy.ts';
import { decide, type ModerationDecision, redact } from './decision.ts';
import type { ModerationBackend, ModerationResult } from './types.ts';

export interface StreamModeratorOptions {
  backend: ModerationBackend;
  policy: ModerationPolicy;
  /** Queues one chunk's JSON for the client. */
  write: (json: string) => void;
  /** Collects the verdicts for the log line. */
  verdicts: GuardVerdict[];
  signal: AbortSignal;
  /** The client's last user message, for backends that judge in context. */
  prompt: string;
  /** Called after text was released by the hold timer, outside the caller's read loop. */
  flush: () => void;
}

interface ChunkShape {
  id?: string;
  created?: number;
  model?: string;
  choices?: Array<{
    index?: number;
    delta?: { content?: unknown; reasoning_content?: unknown };
    finish_reason?: unknown;
  }>;
}

/** A flat delta's content string: `"delta":{…"content":"…"…}` with no nested object before it. */
const FLAT_CONTENT = /"delta":\{[^{}]*?"content":("(?:[^"\\]|\\.)*")/;

/** Ends a sentence: stop punctuation, maybe closing quotes or brackets, then optional space; or a line break. */
const SENTENCE_END = /(?:[.!?。！？…](?:["'”’)\]]*)\s*|\n\s*)$/;

/**
 * `json.includes(needle)`, with `hint` (a piece of `needle` shorter than 7 characters) searched first. V8
 * searches a needle of 7 characters or more with a Boyer–Moore table it builds on every call: 55–190 ns
 * on a chunk, against ~10 ns for a short one, and in most chunks the hint is absent (issue 18).
 */
function has(json: string, hint: string, needle: string): boolean {
  return json.includes(hint) && json.includes(needle);
}

/** Some choice has a finish reason (a string, not `null`). */
function hasFinishReason(json: string): boolean {
  return has(json, 'son":"', '"finish_reason":"');
}

export class StreamModerator {
  /** A block happened: nothing more goes out, and the upstream read should stop. */
  stopped = false;
  /** A chunk came in: the upstream is answering (the attempt commits then, not when text is released). */
  received = false;
  readonly #options: StreamModeratorOptions;
  #held: string[] = [];
  #heldText = '';
  #backlog: Array<[string, ChunkKind]> = [];
  #pending: Promise<void> | undefined;
  #settledCallbacks: Array<() => void> = [];
  /** The first chunk with text: the source of id, created and model for a chunk we write ourselves. */
  #firstChunk = '';
  /**
   * Text already released of a sentence that has not ended (a release forced by `window_chars` or
   * `hold_ms`): judged again with what follows, so a sentence split by a forced release is still judged
   * whole; its released part cannot be taken back.
   */
  #sentenceTail = '';
  /** One timer per stream at most, armed while text is held. */
  #holdTimer: NodeJS.Timeout | undefined;

  constructor(options: StreamModeratorOptions) {
    this.#options = options;
  }

  /** A remote check is running: the caller pauses its upstream read until `whenSettled`. */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  whenSettled(callback: () => void): void {
    if (this.#pending === undefined) callback();
    else this.#settledCallbacks.push(callback);
  }

  push(json: string, kind: ChunkKind): void {
    this.received = true;
    if (this.stopped) return;
    if (this.#pending !== undefined) {
      this.#backlog.push([json, kind]);
      return;
    }
    this.#accept(json, kind);
  }

  /** The upstream ended: check what is still held. A promise when that check is remote. */
  finish(): Promise<void> | undefined {
    const drained = (): Promise<void> | undefined => {
      if (this.stopped || (this.#held.length === 0 && this.#heldText === '')) return undefined;
      this.#check();
      return this.#pending;
    };
    if (this.#pending !== undefined) {
      return new Promise<void>((resolve) => this.whenSettled(resolve)).then(() => drained());
    }
    return drained();
  }

  #accept(json: string, kind: ChunkKind): void {
    // Most chunks of an answer carry text; those without (role, usage, tool-call deltas) skip the parse.
    // `content"` also finds `"reasoning_content"`: reasoning shown to the client is moderated like the answer.
    const mayCarryText = kind === 'chunk' && json.includes('content"');
    const mayFinish = kind === 'chunk' && hasFinishReason(json);
    if (!mayCarryText && !mayFinish) {
      if (this.#held.length === 0) this.#options.write(json);
      else this.#held.push(json);
      return;
    }
    const text = this.#read(json);
    if (this.#options.policy.passThrough) {
      // Nothing to withhold: out at once; the text is judged below, and with nothing held no timer is needed.
      this.#options.write(json);
      this.#heldText += text.text;
      const sentenceEnds = text.text !== '' && SENTENCE_END.test(this.#heldText.slice(-8));
      if (text.finished || sentenceEnds || this.#heldText.length >= this.#options.policy.windowChars)
        this.#check();
      return;
    }
    this.#held.push(json);
    this.#heldText += text.text;
    if (text.finished || this.#heldText.length >= this.#options.policy.windowChars) this.#check();
    else if (text.text !== '' && SENTENCE_END.test(this.#heldText.slice(-8))) this.#check();
    else if (this.#holdTimer === undefined) {
      this.#holdTimer = setTimeout(this.#onHoldTimeout, this.#options.policy.holdMs);
      this.#holdTimer.unref();
    }
  }

  readonly #onHoldTimeout = (): void => {
    this.#holdTimer = undefined;
    if (this.stopped || this.#pending !== undefined || this.#held.length === 0) return;
    this.#check();
    if (this.#pending === undefined) this.#options.flush();
    else this.whenSettled(this.#options.flush);
  };

  /** Stops the hold timer: the attempt is over (ended, failed or abandoned). */
  close(): void {
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }

  #read(json: string): { text: string; finished: boolean } {
    if (this.#firstChunk === '') this.#firstChunk = json;
    const finished = hasFinishReason(json);
    // One choice with a flat delta (nearly every chunk): the content string alone is decoded. With the
    // sentence checks, 3.2 → 1.8 µs a chunk against a whole JSON.parse per chunk (docs/performance.md
    // "Output moderation"). Anything else
    // (several choices, nested deltas) takes the full parse.
    if (!has(json, 'x":1', '"index":1') && !has(json, 'ing_c', '"reasoning_content":"')) {
      const match = FLAT_CONTENT.exec(json);
      if (match !== null) return { text: JSON.parse(match[1] as string) as string, finished };
      if (!json.includes('content":"')) return { text: '', finished };
    }
    let chunk: ChunkShape;
    try {
      chunk = JSON.parse(json) as ChunkShape;
    } catch {
      // Our own translators serialize every chunk; an unparsable one carries no text we could judge.
      return { text: '', finished: false };
    }
    let text = '';
    for (const choice of chunk.choices ?? []) {
      const content = choice.delta?.content;
      if (typeof content === 'string') text += content;
      const reasoning = choice.delta?.reasoning_content;
      if (typeof reasoning === 'string') text += reasoning;
    }
    return { text, finished };
  }

  #check(): void {
    if (this.#holdTimer !== undefined) {
      clearTimeout(this.#holdTimer);
      this.#holdTimer = undefined;
    }
    const held = this.#heldText;
    if (held.trim() === '') {
      this.#release();
      return;
    }
    const tail = this.#sentenceTail;
    const text = tail + held;
    // Remembered for the next check unless this text ends its sentence.
    this.#sentenceTail = SENTENCE_END.test(held.slice(-8))
      ? ''
      : text.slice(-this.#options.policy.windowChars);
    const { backend, signal, prompt } = this.#options;
    let result: ModerationResult | Promise<ModerationResult>;
    try {
      result = backend.check(text, signal, prompt);
    } catch {
      // A backend that throws is a backend that could not answer: the policy's on_error decides.
      result = { categories: [], spans: [], unavailable: true };
    }
    if (!(result instanceof Promise)) {
      this.#apply(decide(result, this.#options.policy), held, tail.length);
      return;
    }
    this.#pending = result
      .catch((): ModerationResult => ({ categories: [], spans: [], unavailable: true }))
      .then((settled) => {
        this.#pending = undefined;
        this.#apply(decide(settled, this.#options.policy), held, tail.length);
        this.#drainBacklog();
        if (this.#pending === undefined) {
          const callbacks = this.#settledCallbacks;
          this.#settledCallbacks = [];
          for (const callback of callbacks) callback();
        }
      });
  }

  #drainBacklog(): void {
    while (this.#backlog.length > 0 && this.#pending === undefined && !this.stopped) {
      const [json, kind] = this.#backlog.shift() as [string, ChunkKind];
      this.#accept(json, kind);
    }
    if (this.stopped) this.#backlog = [];
  }

  /** `text` is the held text; the judged text had `tailLength` characters of released text before it. */
  #apply(decision: ModerationDecision, text: string, tailLength: number): void {
    const verdicts = this.#options.verdicts;
    if (decision.action === 'pass') {
      this.#release();
      return;
    }
    const where = `stream:${this.#options.backend.name}`;
    // Passed through, the text is already out: any verdict (a local check that threw included) is a flag.
    if (decision.action === 'flag' || this.#options.policy.passThrough) {
      verdicts.push({ guard: 'output', rule: decision.rule, action: 'flag', where });
      this.#release();
      return;
    }
    // A redaction is written as one content chunk of choice 0; with several choices or reasoning held that
    // would move text between them, so it blocks instead.
    const severalChoices =
      decision.action === 'redact' && this.#held.some((json) => json.includes('"index":1'));
    if (decision.action === 'redact' && !severalChoices) {
      verdicts.push({ guard: 'output', rule: decision.rule, action: 'redact', where });
      const spans = decision.spans
        .map((span) => ({ ...span, start: Math.max(0, span.start - tailLength), end: span.end - tailLength }))
        .filter((span) => span.end > 0);
      // Spans inside the already released tail are gone; with none left in the held text, all of it goes.
      const replaced = redact(text, spans);
      const rest = this.#held.filter((json) => !json.includes('"content"') || this.#read(json).text === '');
      this.#held = [];
      this.#heldText = '';
      this.#options.write(this.#chunk({ content: replaced }, null));
      for (const json of rest) this.#options.write(json);
      return;
    }
    verdicts.push({ guard: 'output', rule: decision.rule, action: 'block', where });
    this.#held = [];
    this.#heldText = '';
    this.stopped = true;
    this.close();
    this.#options.write(this.#chunk({}, 'content_filter'));
  }

  #release(): void {
    for (const json of this.#held) this.#options.write(json);
    this.#held = [];
    this.#heldText = '';
  }

  #chunk(delta: Record<string, string>, finishReason: string | null): string {
    let header: ChunkShape = {};
    try {
      header = this.#firstChunk === '' ? {} : (JSON.parse(this.#firstChunk) as ChunkShape);
    } catch {
      // Ids are cosmetic in a chunk we write ourselves; an unparsable first chunk leaves them empty.
    }
    return JSON.stringify({
      id: typeof header.id === 'string' ? header.id : '',
      object: 'chat.completion.chunk',
      created: typeof header.created === 'number' ? header.created : 0,
      model: typeof header.model === 'string' ? header.model : '',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  }
}
