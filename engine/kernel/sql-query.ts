// The Arrow side of SQL cells: DuckDB results become Arrow tables. Kept apart from the cell
// parser so a kernel loads DuckDB and Arrow only when a cell first queries the lake.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBTypeId } from '@duckdb/node-api';
import {
  Bool, DateDay, Float64, Int32, Int64, Table, TimestampMillisecond, Uint64, Utf8, vectorFromArray,
  type DataType, type Vector,
} from 'apache-arrow';
import { bindable } from './sql-cell';

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
