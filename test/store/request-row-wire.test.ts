import { describe, expect, it } from 'vitest';
import { rowFromWire, rowToWire } from '../../src/store/request-row-wire.ts';
import { requestRow } from './request-rows.ts';

describe('request-log rows on the way to the SQLite log thread', () => {
  it('come back field for field, the cache saving included', () => {
    const row = requestRow('req_1', { cache: 'HIT', costUsd: 0, cacheSavedUsd: 0.00042, stream: true });
    expect(rowFromWire(structuredClone(rowToWire(row)))).toEqual(row);
  });

  it('carry every field a row has: a field added to RequestRow and not to the wire would be lost', () => {
    const row = requestRow('req_2', { cacheSavedUsd: null, rollupProvider: 'none', rollupModel: '(other)' });
    const back = rowFromWire(structuredClone(rowToWire(row)));
    expect(Object.keys(back).sort()).toEqual(Object.keys(row).sort());
    expect(back).toStrictEqual(row);
    expect(rowToWire(row)).toHaveLength(Object.keys(row).length);
  });

  it('read a missing cache saving as null', () => {
    const { cacheSavedUsd: _, ...row } = requestRow('req_3');
    expect(rowFromWire(rowToWire(row)).cacheSavedUsd).toBeNull();
  });
});
