// The streaming multipart parser: the same parts whatever the chunking, and framing errors named.
import { describe, expect, it } from 'vitest';
import { boundaryOf, MultipartError, MultipartParser, type PartHeaders } from '../../src/batch/multipart.ts';

const BODY =
  'preamble to ignore\r\n' +
  '--XyZ\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n' +
  '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="in \\"q\\".jsonl"\r\nContent-Type: application/jsonl\r\n\r\n' +
  '{"a":1}\r\n{"b":"--XyZ not a delimiter without CRLF before"}\n--X\r\n' +
  '\r\n--XyZ--\r\nepilogue';

function parse(chunks: Buffer[]): Array<{ headers: PartHeaders; data: string }> {
  const parts: Array<{ headers: PartHeaders; data: string }> = [];
  let current: { headers: PartHeaders; data: Buffer[] } | undefined;
  const parser = new MultipartParser('XyZ', {
    onPart: (headers) => {
      current = { headers, data: [] };
    },
    onData: (chunk) => current?.data.push(Buffer.from(chunk)),
    onPartEnd: () => {
      if (current !== undefined)
        parts.push({ headers: current.headers, data: Buffer.concat(current.data).toString() });
      current = undefined;
    },
  });
  for (const chunk of chunks) parser.write(chunk);
  parser.end();
  return parts;
}

describe('MultipartParser', () => {
  const expected = [
    { headers: { name: 'purpose', filename: undefined, contentType: undefined }, data: 'batch' },
    {
      headers: { name: 'file', filename: 'in "q".jsonl', contentType: 'application/jsonl' },
      data: '{"a":1}\r\n{"b":"--XyZ not a delimiter without CRLF before"}\n--X\r\n',
    },
  ];

  it('parses the body in one chunk', () => {
    expect(parse([Buffer.from(BODY)])).toEqual(expected);
  });

  it('parses the body split at every byte', () => {
    const bytes = Buffer.from(BODY);
    expect(parse([...bytes].map((byte) => Buffer.from([byte])))).toEqual(expected);
  });

  it('parses the body split at every pair of positions', () => {
    const bytes = Buffer.from(BODY);
    for (let a = 1; a < bytes.length; a += 3)
      for (let b = a; b < bytes.length; b += 7)
        expect(parse([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)])).toEqual(expected);
  });

  it('refuses a body without its closing boundary, and a part without a name', () => {
    expect(() =>
      parse([Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="f"\r\n\r\nabc')]),
    ).toThrow(MultipartError);
    expect(() => parse([Buffer.from('--XyZ\r\nContent-Type: text/plain\r\n\r\nabc\r\n--XyZ--')])).toThrow(
      /no Content-Disposition name/,
    );
  });

  it('reads the boundary of a multipart/form-data content type', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc')).toBe('abc');
    expect(boundaryOf('Multipart/Form-Data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(boundaryOf('application/json')).toBeUndefined();
    expect(boundaryOf(undefined)).toBeUndefined();
    expect(boundaryOf('multipart/form-data')).toBeUndefined();
  });
});
