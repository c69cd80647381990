/** The migration lists: numbered 1, 2, 3… with no gap or repeat, and what is pending given what ran. */
import { describe, expect, it } from 'vitest';
import { postgresMigrations } from '../../../src/store/migrations/postgres.ts';
import { sqliteMigrations } from '../../../src/store/migrations/sqlite.ts';
import { pendingMigrations } from '../../../src/store/migrations/types.ts';

describe('migrations', () => {
  it.each([
    ['sqlite', sqliteMigrations],
    ['postgres', postgresMigrations],
  ])('%s versions run 1, 2, 3… in order', (_dialect, migrations) => {
    expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('both dialects reach the same versions under the same names', () => {
    expect(sqliteMigrations.map(({ version, name }) => [version, name])).toEqual(
      postgresMigrations.map(({ version, name }) => [version, name]),
    );
  });

  it('lists the ones not yet applied, in order', () => {
    const all = [1, 2, 3].map((version) => ({ version, name: `m${version}`, sql: '' }));
    expect(pendingMigrations(all, new Set([1])).map((m) => m.version)).toEqual([2, 3]);
    expect(pendingMigrations(all, new Set([1, 2, 3, 4]))).toEqual([]);
  });
});
