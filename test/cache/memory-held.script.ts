/**
 * Run by memory-cache-store.test.ts in a process of its own (`node --expose-gc`), so that what it reads
 * of `process.memoryUsage().arrayBuffers` is this store's alone, not a parallel test's: fills an 8 MiB
 * memory store with 40,000 entries, each after four short-lived pooled buffers as handling a request makes
 * them, collects, and prints the ArrayBuffer bytes still held and the store's own count, as JSON.
 */
import { MemoryCacheStore } from '../../src/cache/memory-cache-store.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const maxBytes = 8 * 1024 * 1024;
const store = new MemoryCacheStore(maxBytes);
gc();
const before = process.memoryUsage().arrayBuffers;
let transient: Buffer[] = [];
for (let i = 0; i < 40_000; i++) {
  for (let j = 0; j < 4; j++) transient.push(Buffer.from(`request ${i} piece ${j}`.padEnd(700, '-')));
  if (transient.length > 400) transient = [];
  store.write(`key-${i}`, Buffer.from(`{"format":2}\n${i}`.padEnd(800, 'a')), 60_000);
}
transient = [];
gc();
process.stdout.write(
  JSON.stringify({
    heldBytes: process.memoryUsage().arrayBuffers - before,
    sizeBytes: store.sizeBytes,
    maxBytes,
  }),
);
