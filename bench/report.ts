/**
 * The bench's tables: plain text, fixed-width columns, one table per scenario family, then the budget
 * of docs/design.md §4 and issue 18 checked figure by figure.
 */

export type Cell = string | number | undefined;

export function table(title: string, columns: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map(format));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...text.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [title, line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

function format(value: Cell): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : '-';
}

export function signedMs(value: number): string {
  return Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(3)}` : '-';
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '-';
}

export interface BudgetLine {
  figure: string;
  limit: string;
  measured: string;
  ok: boolean | undefined;
}

export function budget(lines: BudgetLine[]): string {
  return table(
    'Targets (issue 18, docs/design.md §4), production configuration',
    ['figure', 'target', 'measured', 'verdict'],
    lines.map((line) => [
      line.figure,
      line.limit,
      line.measured,
      line.ok === undefined ? 'not measured' : line.ok ? 'holds' : 'does not hold',
    ]),
  );
}
