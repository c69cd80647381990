import { describe } from 'vitest';
import { openAISdkFaultCases } from '../../../helpers/openai-sdk-fault-cases.ts';
import { startFake } from './qwen-fixture.ts';

describe('fake Qwen faults, as the openai SDK sees them', () => {
  openAISdkFaultCases({ startFake, model: 'qwen-plus', cutAfterChunks: 2, streamError: {} });
});
