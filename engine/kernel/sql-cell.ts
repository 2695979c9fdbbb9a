// `%%sql` cells: a code cell whose first line is `%%sql` or `%%sql NAME` runs its body on the
// lake. The body becomes a tagged template so `${expr}` is evaluated in the kernel's realm and
// bound as a query parameter — never spliced into the SQL text — and the result is an Arrow table.
import type { DuckDBValue } from '@duckdb/node-api';

export const SQL_CELL_FN = '__studio_sql_cell';

export interface SqlCell {
  /** The name the result is bound to, or null for `%%sql` alone. */
  name: string | null;
  /** Literal SQL pieces around the interpolations (parts.length === exprs.length + 1). */
  parts: string[];
  /** The TypeScript source of each `${…}` interpolation. */
  exprs: string[];
}

const HEADER = /^[ \t]*%%sql(?:[ \t]+([A-Za-z_$][\w$]*))?[ \t]*(?:\r?\n|$)/;

export function isSqlCell(source: string): boolean {
  return /^[ \t]*%%sql\b/.test(source);
}

export class SqlCellError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyntaxError';
  }
}

/** Index just past the `}` closing an interpolation opened at `start` (just after `${`). */
function closeBrace(src: string, start: number): number {
  let depth = 1;
  for (let i = start; i < src.length; i++) {
    const ch = src[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      // Skip a string literal inside the expression so its braces do not count.
      for (i++; i < src.length && src[i] !== ch; i++) if (src[i] === '\\') i++;
    } else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i + 1;
  }
  throw new SqlCellError('unterminated ${…} in the SQL cell');
}

export function parseSqlCell(source: string): SqlCell {
  const m = HEADER.exec(source);
  if (!m) throw new SqlCellError('a SQL cell starts with `%%sql` or `%%sql NAME` (NAME a valid identifier)');
  const body = source.slice(m[0].length);
  const parts: string[] = [];
  const exprs: string[] = [];
  let from = 0;
  for (let i = body.indexOf('${'); i >= 0; i = body.indexOf('${', from)) {
    parts.push(body.slice(from, i));
    const end = closeBrace(body, i + 2);
    exprs.push(body.slice(i + 2, end - 1));
    from = end;
  }
  parts.push(body.slice(from));
  if (parts.join('').trim() === '' && exprs.length === 0) throw new SqlCellError('the SQL cell is empty');
  return { name: m[1] ?? null, parts, exprs };
}

const escapeLiteral = (s: string) => s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$(?=\{)/g, '\\$');

/**
 * The TypeScript the kernel runs for a SQL cell, line for line with the cell (the header line
 * becomes the binding), so errors in `${…}` expressions point at the cell's own lines.
 */
export function sqlCellToTypeScript(source: string): string {
  const cell = parseSqlCell(source);
  let template = '';
  cell.parts.forEach((p, i) => {
    template += escapeLiteral(p);
    if (i < cell.exprs.length) template += '${' + cell.exprs[i] + '}';
  });
  const query = `await ${SQL_CELL_FN}\`\n${template}\``;
  return cell.name ? `const ${cell.name} = ${query};\n${cell.name}` : query;
}

/** The SQL text with `$1…$n` placeholders for the interpolated values. */
export function placeholders(parts: readonly string[]): string {
  return parts.reduce((acc, part, i) => acc + (i > 0 ? `$${i}` : '') + part, '');
}

/** JS values → values DuckDB binds; a Date becomes an ISO string DuckDB casts where a time is expected. */
export function bindable(v: unknown): DuckDBValue {
  if (v instanceof Date) return v.toISOString();
  if (v === undefined) return null;
  return v as DuckDBValue;
}
