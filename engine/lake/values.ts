// DuckDB values → plain JSON-friendly values: numbers where they are exact, ISO strings for
// time, strings for the rest. Used wherever query rows leave the process (RPC, notebook outputs).
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  type DuckDBValue,
} from '@duckdb/node-api';

export type Plain = null | boolean | number | string | Plain[] | { [k: string]: Plain };

function isoFromMicros(micros: bigint): string {
  const ms = Number(micros / 1000n);
  return new Date(ms).toISOString();
}

export function toPlain(v: DuckDBValue | unknown): Plain {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) return isoFromMicros(v.micros);
  if (v instanceof DuckDBTimestampMillisecondsValue) return new Date(Number(v.millis)).toISOString();
  if (v instanceof DuckDBTimestampSecondsValue) return new Date(Number(v.seconds) * 1000).toISOString();
  if (v instanceof DuckDBTimestampNanosecondsValue) return isoFromMicros(v.nanos / 1000n);
  if (v instanceof DuckDBDateValue) return v.toString();
  if (v instanceof DuckDBDecimalValue) return v.toDouble();
  if (Array.isArray(v)) return v.map(toPlain);
  if (typeof v === 'object' && v !== null && 'items' in v && Array.isArray((v as { items: unknown[] }).items)) {
    return (v as { items: unknown[] }).items.map(toPlain);
  }
  return String(v);
}
