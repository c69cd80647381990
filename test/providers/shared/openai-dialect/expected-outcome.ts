/**
 * The `.expected.json` shape of the OpenAI-dialect fixtures (Mistral, DeepSeek, Qwen): the reassembled
 * choices with the translator's mapped and raw finish reasons and its usage, from a stream run or from
 * a non-streaming translation, so both compare to one file.
 */
import type { Usage } from '../../../../src/protocol/chat-response.ts';
import type { TranslatedResponse } from '../../../../src/providers/types.ts';
import { fromCompletion, type ReassembledChoice, reassemble } from '../../../helpers/chunk-reassembly.ts';
import type { StreamRun } from '../../../helpers/stream-harness.ts';

export interface Expected {
  model: string;
  choices: ReassembledChoice[];
  finish_reason: string | null;
  raw_finish_reason: string | null;
  usage: Usage | null;
}

/** A stream run in the `.expected.json` shape. */
export function streamOutcome(run: StreamRun): Expected {
  const reassembled = reassemble(run.chunks);
  return {
    model: reassembled.model,
    choices: reassembled.choices,
    finish_reason: run.translator.finishReason,
    raw_finish_reason: run.translator.rawFinishReason,
    usage: run.translator.usage ?? null,
  };
}

/** A non-streaming translation in the `.expected.json` shape. */
export function responseOutcome(translated: TranslatedResponse): Expected {
  const usage = translated.usage ?? null;
  return {
    model: translated.completion.model,
    choices: fromCompletion(translated.completion, usage).choices,
    finish_reason: translated.finishReason,
    raw_finish_reason: translated.rawFinishReason,
    usage,
  };
}
