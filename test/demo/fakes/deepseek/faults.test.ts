import { describe } from 'vitest';
import { openAISdkFaultCases } from '../../../helpers/openai-sdk-fault-cases.ts';
import { startFake } from './deepseek-fixture.ts';

describe('fake DeepSeek faults, as the openai SDK sees them', () => {
  openAISdkFaultCases({
    startFake,
    model: 'deepseek-chat',
    cutAfterChunks: 3,
    streamError: { status: 503, messageContains: 'Server overloaded' },
  });
});
