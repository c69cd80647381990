/**
 * OpenAI messages → Gemini contents and systemInstruction (docs/providers.md §3.2, §3.11): roles, parts
 * (text, images, audio, files), tool calls as functionCall parts with their thought signatures, and
 * tool results as functionResponse parts named after the call they answer.
 */
import { invalidRequest, unsupportedParameter } from '../../errors/codes.ts';
import type { ChatMessage, UserContentPart } from '../../protocol/chat-request.ts';
import { FOREIGN_SIGNATURE, signatureFromReasoning, signatureFromToolCallId } from './thought-signature.ts';
import type { GeminiContent, GeminiPart } from './wire.ts';
import { ownValue } from '../shared/own-property.ts';

const PROVIDER = 'gemini';

export function toGeminiContents(
  messages: ReadonlyArray<ChatMessage>,
  enforcesSignatures: boolean,
): { systemInstruction: GeminiContent | undefined; contents: GeminiContent[] } {
  const systemParts: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  // tool_call_id → function name: Gemini's functionResponse names the function, OpenAI's tool
  // message only points at the call (§3.4, "the adapter must … map tool_call_id back to the name").
  const callNames = new Map<string, string>();

  const append = (role: 'user' | 'model', parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    // Consecutive same roles: Gemini accepts them, but one content per turn is what it produces
    // itself and what keeps consecutive tool results together (§3.11).
    if (last !== undefined && last.role === role) last.parts = [...(last.parts ?? []), ...parts];
    else contents.push({ role, parts });
  };

  // `name` on messages is ignored: Gemini contents have no participant names.
  messages.forEach((message, i) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        // Gemini has one system instruction; every system/developer message joins it, in order.
        for (const text of textsOf(message.content)) if (text !== '') systemParts.push({ text });
        return;
      case 'user':
        append('user', userParts(message.content, i));
        return;
      case 'assistant':
        append('model', assistantParts(message, i, callNames));
        return;
      case 'tool': {
        const name = callNames.get(message.tool_call_id);
        if (name === undefined) {
          throw invalidRequest(
            `messages[${i}].tool_call_id '${message.tool_call_id}' does not match a tool call of an earlier assistant message; Gemini needs the function name of the call it answers.`,
            `messages[${i}].tool_call_id`,
          );
        }
        append('user', [
          { functionResponse: { name, response: toolResponse(textsOf(message.content).join('')) } },
        ]);
        return;
      }
      case 'function':
        throw unsupportedParameter(
          `messages[${i}].role`,
          PROVIDER,
          "the deprecated 'function' role has no Gemini equivalent; use tool calls and 'tool' messages",
        );
    }
  });

  if (contents.length === 0) {
    throw invalidRequest(
      'Gemini needs at least one user or assistant message besides system messages.',
      'messages',
    );
  }
  if (enforcesSignatures) addForeignSignatures(contents);
  return {
    systemInstruction: systemParts.length > 0 ? { parts: systemParts } : undefined,
    contents,
  };
}

function textsOf(content: string | ReadonlyArray<{ text: string }> | null | undefined): string[] {
  if (content == null) return [];
  if (typeof content === 'string') return [content];
  return content.map((part) => part.text);
}

function userParts(content: string | ReadonlyArray<UserContentPart>, i: number): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const parts: GeminiPart[] = [];
  content.forEach((part, j) => {
    const param = `messages[${i}].content[${j}]`;
    switch (part.type) {
      case 'text':
        if (part.text !== '') parts.push({ text: part.text });
        return;
      case 'image_url':
        // `detail` is ignored: only Gemini 3 has a per-part mediaResolution, and Gemini picks a
        // resolution itself otherwise.
        parts.push(imagePart(part.image_url.url, `${param}.image_url.url`));
        return;
      case 'input_audio':
        parts.push({
          inlineData: {
            mimeType: audioMimeType(part.input_audio.format, `${param}.input_audio.format`),
            data: part.input_audio.data,
          },
        });
        return;
      case 'file': {
        const data = part.file.file_data;
        if (data === undefined) {
          throw unsupportedParameter(
            `${param}.file.file_id`,
            PROVIDER,
            'OpenAI file ids mean nothing to Gemini; send the file inline as `file_data` (a data: URL)',
          );
        }
        parts.push({ inlineData: parseDataUrl(data, `${param}.file.file_data`) });
        return;
      }
    }
  });
  return parts;
}

/** Image URLs Gemini fetches itself, by extension; others need the MIME type a data: URL carries. */
const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
};

function imagePart(url: string, param: string): GeminiPart {
  if (url.startsWith('data:')) return { inlineData: parseDataUrl(url, param) };
  // Gemini fetches public and signed HTTPS URLs given as fileData (file-input-methods guide, 2026),
  // but fileData needs a MIME type, which only the URL's extension can tell us without a download.
  if (url.startsWith('https://')) {
    let pathname: string;
    try {
      pathname = new URL(url).pathname;
    } catch {
      throw invalidRequest(`${param} is not a valid URL.`, param); // the client's input: a 400 is the answer
    }
    const dot = pathname.lastIndexOf('.');
    const mimeType = dot === -1 ? undefined : IMAGE_TYPES[pathname.slice(dot + 1).toLowerCase()];
    if (mimeType !== undefined) return { fileData: { mimeType, fileUri: url } };
  }
  throw unsupportedParameter(
    param,
    PROVIDER,
    'Gemini takes images inline (a data: URL) or as an https URL whose path ends in .png, .jpg, .jpeg, .webp, .gif, .heic or .heif',
  );
}

function parseDataUrl(url: string, param: string): { mimeType: string; data: string } {
  const comma = url.indexOf(',');
  const header = comma === -1 ? '' : url.slice(5, comma);
  if (!url.startsWith('data:') || comma === -1 || !header.endsWith(';base64')) {
    throw invalidRequest(`${param} must be a base64 data URL (data:<mime type>;base64,<data>).`, param);
  }
  const semicolon = header.indexOf(';');
  const mimeType = header.slice(0, semicolon);
  if (mimeType === '')
    throw invalidRequest(`${param} must name its MIME type (data:<mime type>;base64,…).`, param);
  return { mimeType, data: url.slice(comma + 1) };
}

/** Gemini's audio formats (audio understanding guide); OpenAI clients send wav or mp3. */
const AUDIO_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mp3',
  aiff: 'audio/aiff',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
};

function audioMimeType(format: string, param: string): string {
  const mimeType = ownValue(AUDIO_TYPES, format.toLowerCase());
  if (mimeType === undefined) {
    throw unsupportedParameter(
      param,
      PROVIDER,
      `audio format '${format}' is not one Gemini reads (wav, mp3, aiff, aac, ogg, flac)`,
    );
  }
  return mimeType;
}

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

function assistantParts(message: AssistantMessage, i: number, callNames: Map<string, string>): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ text: content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      const text = part.type === 'text' ? part.text : part.refusal;
      if (text !== '') parts.push({ text });
    }
  }
  if (parts.length === 0 && typeof message.refusal === 'string' && message.refusal !== '') {
    parts.push({ text: message.refusal });
  }
  // A text part's signature came back on the message (thought-signature.ts). With no text left to
  // carry it, it is dropped: Gemini validates only functionCall signatures.
  const textSignature = signatureFromReasoning((message as Record<string, unknown>).reasoning_signature);
  const lastText = parts[parts.length - 1];
  if (textSignature !== undefined && lastText !== undefined) {
    parts[parts.length - 1] = { ...lastText, thoughtSignature: textSignature };
  }
  // `reasoning_content` is not sent back: Gemini ignores thought text in history; the signature is
  // what carries its reasoning state.
  message.tool_calls?.forEach((toolCall, j) => {
    const param = `messages[${i}].tool_calls[${j}].function.arguments`;
    const part: GeminiPart = {
      functionCall: {
        name: toolCall.function.name,
        args: parseArguments(toolCall.function.arguments, param),
      },
    };
    const signature = signatureFromToolCallId(toolCall.id);
    if (signature !== undefined) part.thoughtSignature = signature;
    parts.push(part);
    callNames.set(toolCall.id, toolCall.function.name);
  });
  return parts;
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest(`${param} is not valid JSON; Gemini takes function arguments as an object.`, param);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest(
      `${param} must be a JSON object; Gemini takes function arguments as an object.`,
      param,
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * Gemini's functionResponse.response must be an object; `output` is the documented key for a
 * result (§3.2). JSON objects and arrays go in parsed so the model sees structure; other text as is.
 */
function toolResponse(text: string): Record<string, unknown> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { output: JSON.parse(text) };
    } catch {
      // Not JSON after all (e.g. "[1] see notes"): the text itself is the result.
    }
  }
  return { output: text };
}

/**
 * Gemini 3 validates signatures on the first functionCall part of each step in the current turn (the
 * contents after the last user message that is not only function responses). Calls without one came
 * from elsewhere; the documented placeholder lets Gemini accept them (thought-signature.ts).
 */
function addForeignSignatures(contents: GeminiContent[]): void {
  let turnStart = 0;
  contents.forEach((content, index) => {
    if (
      content.role === 'user' &&
      (content.parts ?? []).some((part) => part.functionResponse === undefined)
    ) {
      turnStart = index + 1;
    }
  });
  for (let index = turnStart; index < contents.length; index++) {
    const content = contents[index];
    if (content === undefined || content.role !== 'model' || content.parts === undefined) continue;
    const first = content.parts.findIndex((part) => part.functionCall !== undefined);
    const part = content.parts[first];
    if (part !== undefined && part.thoughtSignature === undefined) {
      content.parts = content.parts.map((p, k) =>
        k === first ? { ...p, thoughtSignature: FOREIGN_SIGNATURE } : p,
      );
    }
  }
}
