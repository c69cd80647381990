/**
 * A 2xx chat.completion from an OpenAI-shaped upstream. The bytes go to the client unchanged; we parse
 * them once because accounting needs the usage and the log needs the finish reason.
 */
import type { ChatCompletion, FinishReason } from '../../protocol/chat-response.ts';
import { type TranslatedResponse, UpstreamProtocolError } from '../types.ts';

export function fromOpenAIResponse(bodyText: string): TranslatedResponse {
  let completion: ChatCompletion;
  try {
    completion = JSON.parse(bodyText) as ChatCompletion;
  } catch (cause) {
    throw new UpstreamProtocolError('upstream sent a response body that is not JSON', { cause });
  }
  if (completion === null || typeof completion !== 'object' || !Array.isArray(completion.choices)) {
    throw new UpstreamProtocolError('upstream response has no choices array');
  }
  const finishReason = (completion.choices[0]?.finish_reason ?? null) as FinishReason | null;
  return {
    completion,
    body: bodyText,
    usage: completion.usage ?? undefined,
    finishReason,
    rawFinishReason: null,
  };
}
