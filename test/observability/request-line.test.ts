import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestLineWriter, requestLineWriter } from '../../src/observability/request-line.ts';

function capture(options: pino.LoggerOptions) {
  const lines: string[] = [];
  const logger = pino(options, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

const fields = {
  request_id: 'req_1',
  tenant: 'acme "quoted"',
  model: 'gpt-4o-mini',
  attempts: [{ target: 'a/b', status: 200, duration_ms: 1.25 }],
  usage: null,
  latency_ms: { total: 2.5, first_byte: null },
  client_aborted: false,
};

describe('RequestLineWriter', () => {
  it('writes the same bytes pino would, for the gateway logger shape', () => {
    const options: pino.LoggerOptions = {
      base: { service: 'switchyard' },
      timestamp: () => ',"time":"2026-12-03T00:00:00.000Z"',
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['*.authorization'], censor: '[redacted]' },
    };
    const ours = capture(options);
    const theirs = capture(options);
    new RequestLineWriter(ours.logger).write(fields);
    theirs.logger.info(fields, 'request');
    expect(ours.lines).toEqual(theirs.lines);
    expect(JSON.parse(ours.lines[0] as string)).toMatchObject({ msg: 'request', tenant: 'acme "quoted"' });
  });

  it('writes the same bytes pino would, for a default logger and a child with bindings', () => {
    const options: pino.LoggerOptions = { timestamp: () => ',"time":1' };
    const ours = capture(options);
    const theirs = capture(options);
    new RequestLineWriter(ours.logger.child({ worker: 2 })).write(fields);
    theirs.logger.child({ worker: 2 }).info(fields, 'request');
    expect(ours.lines).toEqual(theirs.lines);
  });

  it('goes through pino when the logger transforms lines (a mixin)', () => {
    const { logger, lines } = capture({ mixin: () => ({ region: 'eu' }) });
    new RequestLineWriter(logger).write(fields);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      region: 'eu',
      request_id: 'req_1',
      msg: 'request',
    });
  });

  it('writes nothing when info is off, and follows level changes', () => {
    const { logger, lines } = capture({ level: 'warn' });
    const writer = requestLineWriter(logger);
    writer.write(fields);
    expect(lines).toHaveLength(0);
    logger.level = 'info';
    writer.write(fields);
    expect(lines).toHaveLength(1);
    expect(requestLineWriter(logger)).toBe(writer);
  });
});
