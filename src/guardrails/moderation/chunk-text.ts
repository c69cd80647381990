/**
 * What output moderation reads from one OpenAI chunk (`chat.completion.chunk` JSON, as every stream
 * translator emits it): the text shown to the client (`content`, `reasoning_content` and `refusal` of
 * every choice), whether a choice finished, and whether that text is anything but choice 0's answer. A
 * redaction is written back as choice 0's content, so held text with reasoning, a refusal or another
 * choice in it cannot be redacted without moving text between them: the moderator blocks instead.
 */

export interface ChunkText {
  text: string;
  finished: boolean;
  /** The text holds reasoning or a refusal, or belongs to a choice other than 0. */
  mixed: boolean;
  /**
   * Each choice's text, only when a choice other than 0 carries some: with several choices the moderator
   * judges each choice's text as its own sequence (stream-moderator.ts).
   */
  choices?: Array<[index: number, text: string]>;
}

interface ChunkShape {
  choices?: Array<{
    index?: number;
    delta?: { content?: unknown; reasoning_content?: unknown; refusal?: unknown };
    finish_reason?: unknown;
  }>;
}

/** A flat delta's content string: `"delta":{…"content":"…"…}` with no nested object before it. */
const FLAT_CONTENT = /"delta":\{[^{}]*?"content":("(?:[^"\\]|\\.)*")/;

/**
 * `json.includes(needle)`, with `hint` (a piece of `needle` shorter than 7 characters) searched first. V8
 * searches a needle of 7 characters or more with a Boyer–Moore table it builds on every call: 55–190 ns
 * on a chunk, against ~10 ns for a short one, and in most chunks the hint is absent (issue 18).
 */
function has(json: string, hint: string, needle: string): boolean {
  return json.includes(hint) && json.includes(needle);
}

/**
 * The same keys written with spaces around the colon: valid JSON (Python's `json.dumps` writes `": "`), and
 * an OpenAI-compatible upstream's chunks reach moderation as it wrote them. The compact checks above are
 * only shortcuts; these keep a spaced chunk from reading as one with no text, or no finish.
 */
const SPACED_FINISH_REASON = /"finish_reason"\s*:\s*"/;
const SPACED_CONTENT = /content"\s*:\s*"/;
/** A refusal string, however spaced; only chunks with `sal"` in them (rare: a refusal, or `"refusal":null`) test it. */
const REFUSAL = /"refusal"\s*:\s*"/;

/**
 * The chunk's serializer puts whitespace around its colons. A serializer writes every key alike, so the
 * first key tells (about 25 ns, where searching the whole chunk for `": ` took 180 ns, the quote being
 * everywhere in JSON); only such chunks pay the regular expressions.
 */
function spaced(json: string): boolean {
  // `{"id":"…` in compact JSON: the first key's closing quote, then the colon, then the value.
  if (json.charCodeAt(0) !== 123 || json.charCodeAt(1) !== 34) return true;
  const close = json.indexOf('"', 2);
  return json.charCodeAt(close + 1) !== 58 || json.charCodeAt(close + 2) <= 32;
}

/** Some choice has a finish reason (a string, not `null`). */
export function hasFinishReason(json: string): boolean {
  if (has(json, 'son":"', '"finish_reason":"')) return true;
  return spaced(json) && SPACED_FINISH_REASON.test(json);
}

/**
 * The chunk may carry text: `content"` also finds `"reasoning_content"`, since reasoning shown to the
 * client is moderated like the answer, and `sal"` a refusal (text shown to the client too). Most chunks
 * carry text; the rest (usage, tool-call deltas) skip the read.
 */
export function mayCarryText(json: string): boolean {
  return json.includes('content"') || json.includes('sal"');
}

/** A refusal string in the chunk: one short search for every chunk without one. */
function hasRefusal(json: string): boolean {
  return json.includes('sal"') && REFUSAL.test(json);
}

/**
 * The chunk's only choice index (if any) is 0: its first `"index":` says 0 and no other follows. Two short
 * searches; a spaced or reordered chunk, or one with tool calls (their own `index`), reads as not, and
 * takes the full parse.
 */
function onlyChoiceZero(json: string): boolean {
  // `x":` rather than `ndex":`: a needle without a quote in front is searched in a third of the time, and
  // in a chat chunk only `index` ends in x (another key that did would only send the chunk to the parse).
  const at = json.indexOf('x":');
  if (at === -1) return true; // no index at all: every choice is read as choice 0, as the full parse does
  return json.charCodeAt(at + 3) === 48 && json.indexOf('x":', at + 4) === -1;
}

export function readChunkText(json: string): ChunkText {
  const finished = hasFinishReason(json);
  // One choice, index 0, with a flat delta (nearly every chunk): the content string alone is decoded.
  // With the sentence checks, 3.2 → 1.8 µs a chunk against a whole JSON.parse per chunk
  // (docs/performance.md "Output moderation"). Anything else (several choices, another index, reasoning,
  // a refusal, nested deltas) takes the full parse.
  if (!hasRefusal(json) && !has(json, 'ing_c', '"reasoning_content":"')) {
    if (onlyChoiceZero(json)) {
      const match = FLAT_CONTENT.exec(json);
      if (match !== null) return { text: JSON.parse(match[1] as string) as string, finished, mixed: false };
    }
    if (!json.includes('content":"') && !(spaced(json) && SPACED_CONTENT.test(json)))
      return { text: '', finished, mixed: false };
  }
  let chunk: ChunkShape;
  try {
    chunk = JSON.parse(json) as ChunkShape;
  } catch {
    // Our own translators serialize every chunk; an unparsable one carries no text we could judge.
    return { text: '', finished: false, mixed: false };
  }
  let text = '';
  let mixed = false;
  const choices: Array<[number, string]> = [];
  let several = false;
  for (const choice of chunk.choices ?? []) {
    const delta = choice.delta;
    const content = typeof delta?.content === 'string' ? delta.content : '';
    const reasoning = typeof delta?.reasoning_content === 'string' ? delta.reasoning_content : '';
    const refusal = typeof delta?.refusal === 'string' ? delta.refusal : '';
    const choiceText = content + reasoning + refusal;
    if (choiceText === '') continue;
    const index = typeof choice.index === 'number' ? choice.index : 0;
    text += choiceText;
    choices.push([index, choiceText]);
    if (index !== 0) several = true;
    if (index !== 0 || reasoning !== '' || refusal !== '') mixed = true;
  }
  return several ? { text, finished, mixed, choices } : { text, finished, mixed };
}

/** The finish reason of the chunk's first choice that has one; null when none has. */
export function finishReasonOf(json: string): string | null {
  try {
    for (const choice of (JSON.parse(json) as ChunkShape).choices ?? []) {
      if (typeof choice.finish_reason === 'string') return choice.finish_reason;
    }
  } catch {
    // Our own translators serialize every chunk; an unparsable one finishes nothing.
  }
  return null;
}
