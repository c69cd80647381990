/**
 * Output moderation of a stream over a bounded hold-back window. Translated chunks come in; chunks that
 * carry answer text are held until the held text ends a sentence (`.`, `!`, `?`, their CJK forms, a line
 * break) or reaches `window_chars`; then the held text is checked, and only a clean verdict lets the
 * held chunks out, unchanged and in order, so a benign answer reaches the client byte for byte as it
 * would without moderation. Text is released only at sentence ends, so the sentence a flagged one sits
 * in was held whole when it was judged: none of it reaches the client.
 *
 * On a flag the chunks go out and the verdict is logged; on `redact` the held text goes out once as one
 * chunk with the flagged spans replaced, where the first chunk it replaces was; on `block` the held
 * chunks are dropped, a last chunk with `finish_reason: "content_filter"` is sent (then the usage chunk,
 * for a client that asked for one), and the caller stops reading the upstream. A redaction is written as
 * choice 0's content, so with reasoning or another choice in the held text it blocks instead, as the
 * JSON path does (guard-out.ts).
 *
 * A passthrough relay (`relay`) holds the upstream's own events instead of chunks: each event's chunks
 * are pushed first and only read for their text, then the event with `pushEvent`, and the event is held,
 * released or dropped with that text. Nothing is re-serialized: a released event goes out as it came.
 *
 * A local check answers synchronously. A remote one returns a promise: chunks arriving meanwhile queue
 * behind it, `pending` tells the caller to pause its upstream read, and `whenSettled` resumes it.
 * Chunks without answer text (role, tool calls, finish, usage) are held only behind held text, to keep
 * the order. The cost: time to first token grows by the time to the first sentence end (plus one check),
 * measured in docs/performance.md "Output moderation".
 *
 * A policy that can only flag (`passThrough`, a local check) holds nothing: every chunk goes out as it
 * arrives and the text is judged at the same sentence ends, only for the log line's verdicts.
 *
 * Several choices (`n` > 1, or any chunk with text for a choice other than 0) are held whole: from then
 * on nothing with text goes out until the upstream ends, and each choice's text is then judged as its own
 * sequence, as the JSON path judges each choice. Interleaved choices cannot split a sentence across
 * checks, nor make one choice's sentence end release another's half sentence. Holding per choice with
 * its own sentence ends would keep the time to first token, but needs per-choice hold, tail, timer and
 * release order across chunks that carry several choices; `n` > 1 streams are rare enough that they
 * pay what a JSON answer pays instead. Any choice flagged `block` (or `redact`: a redaction can only be
 * written as choice 0's content) blocks them all, each ending with `content_filter`.
 */
import type { Usage } from '../../protocol/chat-response.ts';
import type { ChunkKind } from '../../providers/types.ts';
import type { GuardVerdict } from '../verdict.ts';
import type { ModerationPolicy } from '../policy.ts';
import {
  type ChunkText,
  finishReasonOf,
  hasFinishReason,
  mayCarryText,
  readChunkText,
} from './chunk-text.ts';
import { decide, type ModerationDecision, redact } from './decision.ts';
import type { ModerationBackend, ModerationResult } from './types.ts';

export interface StreamModeratorOptions {
  backend: ModerationBackend;
  policy: ModerationPolicy;
  /** Queues one chunk's JSON for the client; on a relay, one upstream event as it came. */
  write: (out: string) => void;
  /** Collects the verdicts for the log line. */
  verdicts: GuardVerdict[];
  signal: AbortSignal;
  /** The client's last user message, for backends that judge in context. */
  prompt: string;
  /** Called after text was released by the hold timer, outside the caller's read loop. */
  flush: () => void;
  /**
   * A passthrough relay: what goes out is the upstream's own events, never a chunk of ours. A block
   * writes nothing (the front closes the stream in its own terms, exchange.ts), and a redaction blocks,
   * since an upstream event goes out unchanged or not at all.
   */
  relay?: boolean;
  /** The `n` the client asked for: more than 1 holds every choice whole from the start. */
  choices?: number | null;
}

/** What the hold-back holds: a chunk, the usage chunk, or (relay) one upstream event. */
type UnitKind = ChunkKind | 'event';

interface Unit {
  out: string;
  kind: UnitKind;
  /** Carries moderated text, which a redaction replaces; false for role, tool-call and finish chunks. */
  text: boolean;
}

interface Queued {
  out: string;
  kind: UnitKind;
  read: ChunkText | undefined;
}

/** Ends a sentence: stop punctuation, maybe closing quotes or brackets, then optional space; or a line break. */
const SENTENCE_END = /(?:[.!?。！？…](?:["'”’)\]]*)\s*|\n\s*)$/;

interface ChunkHeader {
  id?: unknown;
  created?: unknown;
  model?: unknown;
}

export class StreamModerator {
  /** A block happened: nothing more goes out, and the upstream read should stop. */
  stopped = false;
  /** A chunk came in: the upstream is answering (the attempt commits then, not when text is released). */
  received = false;
  /** A usage chunk went out: a client that asked for usage has it. */
  usageSent = false;
  readonly #options: StreamModeratorOptions;
  readonly #relay: boolean;
  #held: Unit[] = [];
  #heldText = '';
  /** The held text holds reasoning or another choice than 0: a redaction of it blocks instead. */
  #heldMixed = false;
  #backlog: Queued[] = [];
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
  /** Relay: what the chunks of the event being read said; the event itself follows in `pushEvent`. */
  #event: ChunkText | undefined;
  /**
   * Several choices, held whole until the upstream ends: each choice's text (choice 0's from its
   * sentence tail on), judged then per choice. Undefined while the stream has one choice.
   */
  #whole: Map<number, string> | undefined;

  constructor(options: StreamModeratorOptions) {
    this.#options = options;
    this.#relay = options.relay === true;
    if ((options.choices ?? 1) > 1) this.#whole = new Map([[0, '']]);
  }

  /** A remote check is running: the caller pauses its upstream read until `whenSettled`. */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  whenSettled(callback: () => void): void {
    if (this.#pending === undefined) callback();
    else this.#settledCallbacks.push(callback);
  }

  /** One translated chunk; on a relay, read only, as part of the event `pushEvent` hands over next. */
  push(json: string, kind: ChunkKind): void {
    this.received = true;
    if (this.stopped) {
      // The caller passes usage only to a client that asked for it: it follows the content_filter chunk.
      if (kind === 'usage' && !this.#relay) this.#write(json, kind);
      return;
    }
    const read =
      kind === 'chunk' && (mayCarryText(json) || hasFinishReason(json)) ? this.#read(json) : undefined;
    if (this.#relay) {
      if (read !== undefined) this.#note(read);
      return;
    }
    this.#enqueue(json, kind, read);
  }

  /** Relay: one upstream event as it came, judged by the text of the chunks pushed since the last one. */
  pushEvent(raw: string): void {
    this.received = true;
    const read = this.#event;
    this.#event = undefined;
    if (!this.stopped) this.#enqueue(raw, 'event', read);
  }

  /** The upstream ended: check what is still held. A promise when that check is remote. */
  finish(): Promise<void> | undefined {
    const drained = (): Promise<void> | undefined => {
      if (this.stopped) return undefined;
      if (this.#whole !== undefined) this.#checkWhole();
      else if (this.#held.length === 0 && this.#heldText === '') return undefined;
      else this.#check();
      return this.#pending;
    };
    if (this.#pending !== undefined) {
      return new Promise<void>((resolve) => this.whenSettled(resolve)).then(() => drained());
    }
    return drained();
  }

  /**
   * A block stopped the upstream read before its usage chunk came: the usage the request is charged,
   * for a client that asked for usage. Nothing when one already went out, or on a relay.
   */
  writeUsage(usage: Usage): void {
    if (this.usageSent || this.#relay) return;
    const header = this.#header();
    this.#write(
      JSON.stringify({
        id: typeof header.id === 'string' ? header.id : '',
        object: 'chat.completion.chunk',
        created: typeof header.created === 'number' ? header.created : 0,
        model: typeof header.model === 'string' ? header.model : '',
        choices: [],
        usage,
      }),
      'usage',
    );
  }

  /** Stops the hold timer: the attempt is over (ended, failed or abandoned). */
  close(): void {
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }

  #read(json: string): ChunkText {
    if (this.#firstChunk === '') this.#firstChunk = json;
    return readChunkText(json);
  }

  #note(read: ChunkText): void {
    const event = this.#event;
    if (event === undefined) {
      this.#event = { ...read };
      return;
    }
    if (read.choices !== undefined || event.choices !== undefined)
      event.choices = [...(event.choices ?? [[0, event.text]]), ...(read.choices ?? [[0, read.text]])];
    event.text += read.text;
    event.finished ||= read.finished;
    event.mixed ||= read.mixed;
  }

  #enqueue(out: string, kind: UnitKind, read: ChunkText | undefined): void {
    if (this.#pending !== undefined) this.#backlog.push({ out, kind, read });
    else this.#accept(out, kind, read);
  }

  #accept(out: string, kind: UnitKind, read: ChunkText | undefined): void {
    if (read === undefined) {
      // No text and no finish: out at once, unless text is held before it.
      if (this.#held.length === 0) this.#write(out, kind);
      else this.#held.push({ out, kind, text: false });
      return;
    }
    const policy = this.#options.policy;
    if (this.#whole === undefined && read.choices !== undefined) this.#holdWhole();
    const whole = this.#whole;
    if (whole !== undefined) {
      // Held (or, passed through, sent) until the upstream ends; each choice's text is judged then.
      for (const [index, text] of read.choices ?? [[0, read.text]])
        whole.set(index, (whole.get(index) ?? '') + text);
      if (policy.passThrough) this.#write(out, kind);
      else this.#held.push({ out, kind, text: read.text !== '' });
      return;
    }
    if (policy.passThrough) {
      // Nothing to withhold: out at once; the text is judged below, and with nothing held no timer is needed.
      this.#write(out, kind);
      this.#heldText += read.text;
      const sentenceEnds = read.text !== '' && SENTENCE_END.test(this.#heldText.slice(-8));
      if (read.finished || sentenceEnds || this.#heldText.length >= policy.windowChars) this.#check();
      return;
    }
    this.#held.push({ out, kind, text: read.text !== '' });
    this.#heldText += read.text;
    if (read.mixed) this.#heldMixed = true;
    if (read.finished || this.#heldText.length >= policy.windowChars) this.#check();
    else if (read.text !== '' && SENTENCE_END.test(this.#heldText.slice(-8))) this.#check();
    else if (this.#holdTimer === undefined) {
      this.#holdTimer = setTimeout(this.#onHoldTimeout, policy.holdMs);
      this.#holdTimer.unref();
    }
  }

  /** A second choice showed up: what choice 0 holds, and its released sentence tail, start its whole text. */
  #holdWhole(): void {
    this.#whole = new Map([[0, this.#sentenceTail + this.#heldText]]);
    this.#sentenceTail = '';
    this.#heldText = '';
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }

  readonly #onHoldTimeout = (): void => {
    this.#holdTimer = undefined;
    if (this.stopped || this.#pending !== undefined || this.#held.length === 0 || this.#whole !== undefined)
      return;
    this.#check();
    if (this.#pending === undefined) this.#options.flush();
    else this.whenSettled(this.#options.flush);
  };

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
    const result = this.#judge(text);
    if (!(result instanceof Promise)) {
      this.#apply(decide(result, this.#options.policy), held, tail.length);
      return;
    }
    this.#await(result, (settled) => this.#apply(decide(settled, this.#options.policy), held, tail.length));
  }

  /** Several choices, at the upstream's end: each choice's text judged alone. */
  #checkWhole(): void {
    const whole = this.#whole ?? new Map<number, string>();
    const indexes = [...whole.keys()].sort((a, b) => a - b);
    const texts = indexes.map((index) => whole.get(index) ?? '').filter((text) => text.trim() !== '');
    // Judged once: what follows (nothing, the upstream ended) starts afresh.
    for (const index of indexes) whole.set(index, '');
    const results = texts.map((text) => this.#judge(text));
    if (!results.some((result) => result instanceof Promise)) {
      this.#applyWhole(results as ModerationResult[], indexes);
      return;
    }
    this.#await(Promise.all(results), (settled) => this.#applyWhole(settled, indexes));
  }

  #judge(text: string): ModerationResult | Promise<ModerationResult> {
    const { backend, signal, prompt } = this.#options;
    try {
      const result = backend.check(text, signal, prompt);
      if (!(result instanceof Promise)) return result;
      return result.catch((): ModerationResult => ({ categories: [], spans: [], unavailable: true }));
    } catch {
      // A backend that throws is a backend that could not answer: the policy's on_error decides.
      return { categories: [], spans: [], unavailable: true };
    }
  }

  /** A remote check: chunks queue behind it until `apply` ran, then the caller's read resumes. */
  #await<T>(promise: Promise<T>, apply: (settled: T) => void): void {
    this.#pending = promise.then((settled) => {
      this.#pending = undefined;
      apply(settled);
      this.#drainBacklog();
      if (this.#pending === undefined) {
        const callbacks = this.#settledCallbacks;
        this.#settledCallbacks = [];
        for (const callback of callbacks) callback();
      }
    });
  }

  /** Every choice's verdict: any block (or redact, which cannot be written per choice) blocks them all. */
  #applyWhole(results: readonly ModerationResult[], indexes: readonly number[]): void {
    const { policy, backend, verdicts } = this.#options;
    let blocked = false;
    for (const result of results) {
      const decision = decide(result, policy);
      if (decision.action === 'pass') continue;
      const action = decision.action === 'flag' || policy.passThrough ? 'flag' : 'block';
      verdicts.push({ guard: 'output', rule: decision.rule, action, where: `stream:${backend.name}` });
      if (action === 'block') blocked = true;
    }
    if (blocked) this.#block(indexes);
    else this.#release();
  }

  #drainBacklog(): void {
    while (this.#backlog.length > 0 && this.#pending === undefined && !this.stopped) {
      const { out, kind, read } = this.#backlog.shift() as Queued;
      this.#accept(out, kind, read);
    }
    if (!this.stopped) return;
    // A block: the usage chunk, if it already came, still follows the content_filter chunk.
    for (const queued of this.#backlog)
      if (queued.kind === 'usage' && !this.#relay) this.#write(queued.out, 'usage');
    this.#backlog = [];
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
    if (decision.action === 'redact' && !this.#heldMixed && !this.#relay) {
      verdicts.push({ guard: 'output', rule: decision.rule, action: 'redact', where });
      const spans = decision.spans
        .map((span) => ({ ...span, start: Math.max(0, span.start - tailLength), end: span.end - tailLength }))
        .filter((span) => span.end > 0);
      // Spans inside the already released tail are gone; with none left in the held text, all of it goes.
      this.#writeRedacted(redact(text, spans));
      return;
    }
    verdicts.push({ guard: 'output', rule: decision.rule, action: 'block', where });
    this.#block();
  }

  /**
   * The held units in order, with the redacted text as one content chunk where the first chunk with text
   * was, and the other chunks with text dropped; a finish reason one of those carried still goes out.
   */
  #writeRedacted(replaced: string): void {
    const held = this.#takeHeld();
    let placed = false;
    for (const unit of held) {
      if (!unit.text) {
        this.#write(unit.out, unit.kind);
        continue;
      }
      if (!placed) {
        this.#write(this.#chunk({ content: replaced }, null), 'chunk');
        placed = true;
      }
      const finishReason = hasFinishReason(unit.out) ? finishReasonOf(unit.out) : null;
      if (finishReason !== null) this.#write(this.#chunk({}, finishReason), 'chunk');
    }
  }

  /** `indexes`: the choices that end with `content_filter` (several, when held whole). */
  #block(indexes: readonly number[] = [0]): void {
    const held = this.#takeHeld();
    this.stopped = true;
    this.close();
    // A relay's front writes its own closing events (exchange.ts).
    if (this.#relay) return;
    for (const index of indexes) this.#write(this.#chunk({}, 'content_filter', index), 'chunk');
    for (const unit of held) if (unit.kind === 'usage') this.#write(unit.out, 'usage');
  }

  #release(): void {
    for (const unit of this.#takeHeld()) this.#write(unit.out, unit.kind);
  }

  #takeHeld(): Unit[] {
    const held = this.#held;
    this.#held = [];
    this.#heldText = '';
    this.#heldMixed = false;
    return held;
  }

  #write(out: string, kind: UnitKind): void {
    if (kind === 'usage') this.usageSent = true;
    this.#options.write(out);
  }

  #header(): ChunkHeader {
    try {
      return this.#firstChunk === '' ? {} : (JSON.parse(this.#firstChunk) as ChunkHeader);
    } catch {
      // Ids are cosmetic in a chunk we write ourselves; an unparsable first chunk leaves them empty.
      return {};
    }
  }

  #chunk(delta: Record<string, string>, finishReason: string | null, index = 0): string {
    const header = this.#header();
    return JSON.stringify({
      id: typeof header.id === 'string' ? header.id : '',
      object: 'chat.completion.chunk',
      created: typeof header.created === 'number' ? header.created : 0,
      model: typeof header.model === 'string' ? header.model : '',
      choices: [{ index, delta, logprobs: null, finish_reason: finishReason }],
    });
  }
}
