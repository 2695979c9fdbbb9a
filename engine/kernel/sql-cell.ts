// `%%sql` cells: a code cell whose first line is `%%sql` or `%%sql NAME` runs its body on the
// lake. The body becomes a tagged template so `${expr}` is evaluated in the kernel's realm and
// bound as a query parameter — never spliced into the SQL text — and the result is an Arrow table.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DuckDBTypeId } from '@duckdb/node-api';
import {
  Bool, DateDay, Float64, Int32, Int64, Table, TimestampMillisecond, Uint64, Utf8, vectorFromArray,
  type DataType, type Vector,
} from 'apache-arrow';

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

function arrowType(typeId: DuckDBTypeId): DataType {
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new Bool();
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return new Int32();
    case DuckDBTypeId.BIGINT:
      return new Int64();
    case DuckDBTypeId.UBIGINT:
      return new Uint64();
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return new Float64();
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return new TimestampMillisecond();
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new TimestampMillisecond('UTC');
    case DuckDBTypeId.DATE:
      return new DateDay();
    default:
      return new Utf8();
  }
}

function arrowValue(v: unknown, type: DataType): unknown {
  if (v === null || v === undefined) return null;
  if (type instanceof TimestampMillisecond) return v instanceof Date ? v.getTime() : Number(v);
  if (type instanceof Float64) return typeof v === 'number' ? v : Number(v);
  if (type instanceof Utf8) return typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return v;
}

/** Runs one query and returns its result as an Arrow table (columns, not row objects). */
export async function queryArrow(connection: DuckDBConnection, sql: string, params: unknown[]): Promise<Table> {
  const reader = await connection.runAndReadAll(sql, params.length ? params.map(bindable) : undefined);
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const columns = reader.getColumnsJS();
  const vectors: Record<string, Vector> = {};
  names.forEach((name, i) => {
    const type = arrowType(types[i].typeId);
    vectors[name] = vectorFromArray((columns[i] ?? []).map((v) => arrowValue(v, type)), type) as Vector;
  });
  return new Table(vectors);
}
