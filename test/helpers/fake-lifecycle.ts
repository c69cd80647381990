/** Fakes started for one test are stopped after it, so no test sees another's server or scripts. */
import { afterEach } from 'vitest';
import type { FakeServer } from '../../src/demo/fakes/shared/fake-server.ts';

const running: FakeServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

/** Registers a started fake to be stopped after the current test, and hands it back. */
export function stopAfterTest<T extends FakeServer>(fake: T): T {
  running.push(fake);
  return fake;
}
