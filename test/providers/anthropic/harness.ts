/**
 * What is Anthropic's own in reassembling its streams: an Anthropic answer has one choice, and one
 * without text has content "" (null when it called tools), as fromAnthropicResponse gives it. Running
 * the translator and the chunk rules are test/helpers' (stream-harness.ts, chunk-reassembly.ts).
 */
import type { ChatCompletion } from '../../../src/protocol/chat-response.ts';
import {
  fromCompletion,
  reassemble,
  type SingleChoice,
  singleChoice,
} from '../../helpers/chunk-reassembly.ts';
import type { EmittedChunk } from '../../helpers/stream-harness.ts';

export function reassembleAnthropic(chunks: ReadonlyArray<EmittedChunk>): SingleChoice {
  return singleChoice(reassemble(chunks, { emptyAnswer: '' }));
}

export function anthropicFromCompletion(completion: ChatCompletion): SingleChoice {
  return singleChoice(fromCompletion(completion));
}
