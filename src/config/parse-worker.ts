/**
 * The worker side of parseConfig (config/load.ts) for large configs: one parse of one config text,
 * posted back as plain data (a validated Config is strings, numbers and plain objects, so it survives
 * the structured clone).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Env } from './env-substitution.ts';
import { parseConfigText } from './load.ts';

const { text, sourceName, env } = workerData as { text: string; sourceName: string; env: Env };
parentPort?.postMessage(parseConfigText(text, sourceName, env));
