// Deterministic JSON for backtest results: the same run gives the same bytes. bigint becomes a
// decimal string, typed arrays become arrays, non-finite numbers become null, and the timing
// block (wall-clock, never reproducible) is left out unless asked for.

import type { BacktestResult } from './runner';

export function serializeBacktestResult(result: BacktestResult, options: { includeTiming?: boolean; space?: number } = {}): string {
  const { timing, ...rest } = result;
  const body = options.includeTiming ? { ...rest, timing } : rest;
  return JSON.stringify(body, jsonReplacer, options.space);
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof BigInt64Array) return Array.from(value, (v) => v.toString());
  if (value instanceof Float64Array) return Array.from(value, (v) => (Number.isFinite(v) ? v : null));
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
